package org.smartenergy.platform.cli;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.ServiceLoader;

/**
 * What the tools jar ({@code energy-platform-bench.jar}, module {@code bench/}) adds to the launcher when it is on
 * the class path: its commands ({@code simulate}, {@code bench}, {@code bench-reference}) and the logger simulator
 * {@code standalone} feeds the node with. Found with {@link ServiceLoader}; the product jar names the tools jar in
 * its manifest's {@code Class-Path}, so {@code java -jar energy-platform.jar bench} works when the tools jar lies
 * next to it and the product runs without them otherwise (the container image ships none).
 */
public interface Tools {

    /** @return picocli command objects ({@code @Command}-annotated) added to the launcher's command tree */
    List<Object> commands();

    /**
     * Starts the logger simulator of {@code standalone} against a running node.
     *
     * @param simulator    the {@code standalone.simulator} section
     * @param grpcTarget   the node's gRPC address, {@code host:port}
     * @param httpUrl      the operator API base URL
     * @param adminToken   an operator token with role admin, to provision the simulated devices
     * @param devicePrefix device ids are {@code <prefix>-<i>}
     * @return the running simulation; closing it stops it
     */
    AutoCloseable startSimulator(JsonObject simulator, String grpcTarget, String httpUrl, String adminToken,
                                 String devicePrefix) throws Exception;

    /** @return the tools on the class path, if any */
    static List<Tools> installed() {
        return ServiceLoader.load(Tools.class).stream().map(ServiceLoader.Provider::get).toList();
    }
}
