package org.smartenergy.platform.node;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which node wrote a log line: logback context properties {@value #NODE} ({@code <host>:<pid>}, the host being
 * {@code HOSTNAME} when set, as in containers and Kubernetes pods) and {@value #ROLES}, which the JSON format writes on
 * every line ({@link JsonLogEncoder}). Context properties rather than the MDC: the MDC is per thread, and a node's
 * lines come from event loops, workers and client threads alike.
 */
public final class LogIdentity {

    /** Context property and JSON field: {@code <host>:<pid>}. */
    public static final String NODE = "node";
    /** Context property and JSON field: the node's roles, comma-separated. */
    public static final String ROLES = "roles";

    private LogIdentity() {
    }

    /** Sets both properties on logback's context (does nothing when SLF4J is bound to another backend). */
    public static void set(String node, Set<Role> roles) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context) {
            context.putProperty(NODE, node);
            context.putProperty(ROLES, roles.stream().sorted()
                    .map(r -> r.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(",")));
        }
    }

    /** @return {@code <host>:<pid>} of this process */
    public static String thisNode() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "unknown-host";
            }
        }
        return host + ":" + ProcessHandle.current().pid();
    }
}
