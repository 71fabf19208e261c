package org.smartenergy.platform.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.qpid.server.SystemLauncher;
import org.apache.qpid.server.SystemLauncherListener;
import org.apache.qpid.server.model.SystemConfig;
import org.smartenergy.platform.queue.QueueTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An AMQP 0-9-1 broker inside the process (Apache Qpid Broker-J) for {@code standalone} mode, on 127.0.0.1 only,
 * user {@code guest}/{@code guest}. The platform reaches it through the ordinary RabbitMQ client and
 * {@code rabbitmq.uri}, so publishing, confirms, consuming and acks take the production code path, and the platform
 * declares its topology itself exactly as against RabbitMQ.
 *
 * <p>Two RabbitMQ features are bridged here rather than in the platform code:
 * <ul>
 *   <li>Broker-J refuses queue arguments it does not know; {@code x-queue-type} and {@code x-dead-letter-exchange}
 *       are RabbitMQ's, so the broker is told to ignore unknown declare arguments
 *       ({@code queue.behaviourOnUnknownDeclareArgument=IGNORE}). Its queues are classic queues: run the platform
 *       with {@code rabbitmq.topology.queueType=classic}.</li>
 *   <li>Broker-J dead-letters through a queue's <em>alternate binding</em>, not {@code x-dead-letter-exchange}: the
 *       virtual host is created with the topology's exchanges and queues already in it, the billing queue's
 *       alternate binding pointing at the dead-letter exchange and a delivery limit set, so a message billing
 *       rejects ({@code basic.nack}, no requeue) ends up in the dead-letter queue as on RabbitMQ. Without a delivery
 *       limit Broker-J would requeue it. A message whose consumer dies before acking is redelivered as usual.</li>
 * </ul>
 * The broker configuration and the messages live under the given folder (JSON configuration store, Derby message
 * store), so durable queues keep their messages across a restart. The pre-declared topology is part of the stored
 * configuration: after renaming queues in {@code rabbitmq.topology}, delete the folder.
 */
public final class EmbeddedAmqpBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAmqpBroker.class);
    private static final String INITIAL_CONFIG = "/standalone/qpid-initial-config.json";
    /** Deliveries of one message before Broker-J dead-letters it instead of delivering it again. */
    static final int MAX_DELIVERY_ATTEMPTS = 20;

    private final SystemLauncher launcher;

    private EmbeddedAmqpBroker(SystemLauncher launcher) {
        this.launcher = launcher;
    }

    /**
     * Starts the broker (blocking; a few seconds on first start while Derby creates its files).
     *
     * @param workDir  folder of the broker's configuration and message store; created if missing
     * @param port     AMQP port on 127.0.0.1
     * @param topology the platform's topology, created with the virtual host so dead-lettering works
     */
    public static EmbeddedAmqpBroker start(Path workDir, int port, QueueTopology topology) throws Exception {
        Path dir = workDir.toAbsolutePath();
        Files.createDirectories(dir);
        URL initialConfig = EmbeddedAmqpBroker.class.getResource(INITIAL_CONFIG);
        if (initialConfig == null) {
            throw new IllegalStateException(INITIAL_CONFIG + " missing from the classpath");
        }
        // Derby writes derby.log into the working directory unless told otherwise
        if (System.getProperty("derby.stream.error.file") == null) {
            System.setProperty("derby.stream.error.file", dir.resolve("derby.log").toString());
        }
        Map<String, String> context = new HashMap<>();
        context.put("qpid.work_dir", dir.toString());
        context.put("qpid.amqp_port", String.valueOf(port));
        context.put("qpid.initial_config_virtualhost_config",
                virtualHost(dir.resolve("messages"), topology).encode());
        context.put("queue.behaviourOnUnknownDeclareArgument", "IGNORE");
        // preferences are a web-console feature; without a store for them the broker writes no extra files
        context.put("qpid.broker.defaultPreferenceStoreAttributes", "{\"type\": \"Noop\"}");
        Map<String, Object> attributes = new HashMap<>();
        attributes.put("type", "JSON");
        attributes.put("storePath", dir.resolve("config.json").toString());
        attributes.put("initialConfigurationLocation", initialConfig.toExternalForm());
        attributes.put("startupLoggedToSystemOut", false);
        attributes.put("context", context);
        AtomicReference<SystemConfig<?>> systemConfig = new AtomicReference<>();
        SystemLauncher launcher = new SystemLauncher(new SystemLauncherListener.DefaultSystemLauncherListener() {
            @Override
            public void onContainerResolve(SystemConfig<?> config) {
                systemConfig.set(config);
            }
        });
        launcher.startup(attributes);
        removeBrokerShutdownHook(systemConfig.get());
        LOG.info("embedded AMQP 0-9-1 broker (Qpid Broker-J) on 127.0.0.1:{} [store: {}]", port, dir);
        return new EmbeddedAmqpBroker(launcher);
    }

    /** The virtual host's initial configuration: Derby message store plus the topology with dead-lettering. */
    static JsonObject virtualHost(Path messageStore, QueueTopology topology) {
        return new JsonObject()
                .put("type", "DERBY")
                .put("storePath", messageStore.toString())
                .put("exchanges", new JsonArray()
                        .add(new JsonObject().put("name", topology.deadLetterExchange()).put("type", "fanout")
                                .put("durable", true))
                        .add(new JsonObject().put("name", topology.exchange()).put("type", "direct")
                                .put("durable", true)))
                .put("queues", new JsonArray()
                        .add(new JsonObject().put("name", topology.deadLetterQueue()).put("durable", true))
                        .add(new JsonObject().put("name", topology.queue()).put("durable", true)
                                // needed for basic.nack(requeue=false) to dead-letter at all (without it
                                // Broker-J requeues); 20 is also RabbitMQ 4's quorum-queue delivery limit
                                .put("maximumDeliveryAttempts", MAX_DELIVERY_ATTEMPTS)
                                .put("alternateBinding",
                                        new JsonObject().put("destination", topology.deadLetterExchange()))));
    }

    /**
     * Broker-J registers a JVM shutdown hook that stops the broker; on SIGTERM it would race the node's own orderly
     * shutdown (in-flight confirms, acks) and cut its connections first. The owner of this object closes the broker
     * after the node instead. Broker-J offers no switch for the hook, hence reflection on its field.
     */
    private static void removeBrokerShutdownHook(SystemConfig<?> systemConfig) {
        try {
            Object broker = systemConfig.getContainer();
            for (Class<?> c = broker.getClass(); c != null; c = c.getSuperclass()) {
                try {
                    Field field = c.getDeclaredField("_shutdownHook");
                    field.setAccessible(true);
                    Runtime.getRuntime().removeShutdownHook((Thread) field.get(broker));
                    return;
                } catch (NoSuchFieldException next) {
                    // look in the superclass
                }
            }
            LOG.warn("Broker-J shutdown hook not found; on SIGTERM the broker may stop before the node");
        } catch (Exception | LinkageError e) {
            LOG.warn("cannot remove Broker-J's shutdown hook; on SIGTERM the broker may stop before the node: {}",
                    e.toString());
        }
    }

    @Override
    public void close() {
        launcher.shutdown();
    }
}
