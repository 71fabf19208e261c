package org.smartenergy.platform.bench;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where the load goes and how to provision devices there; shared by {@code simulate} and {@code bench}. */
final class GatewayTarget {

    @Option(names = "--grpc", defaultValue = "127.0.0.1:50051", description = "Gateway gRPC address (default: ${DEFAULT-VALUE}).")
    String grpc;

    @Option(names = "--http", defaultValue = "http://127.0.0.1:8080", description = "Gateway operator API (default: ${DEFAULT-VALUE}).")
    String http;

    @Option(names = "--admin-token", description = "Operator JWT with role admin; minted from --config's gateway.jwtSecret if absent.")
    String adminToken;

    @Option(names = "--config", paramLabel = "FILE", description = "Node configuration, to mint an admin token.")
    Path config;

    /** @return the given admin token, or one minted from the configuration's secret */
    String adminToken(String subject) throws Exception {
        return adminToken != null ? adminToken : LoggerSimulator.mintAdminToken(config, subject);
    }
}
