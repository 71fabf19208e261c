package org.smartenergy.platform.cli;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.smartenergy.platform.gateway.OperatorTokens;
import org.smartenergy.platform.node.ConfigLoader;
import org.smartenergy.platform.node.EmbeddedMongo;
import org.smartenergy.platform.node.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The executable jar's entry point: {@code run} (default) starts a node, {@code mint-admin-token} prints an operator
 * JWT signed with the configured secret, {@code standalone} runs everything in one process, {@code embedded-mongo} the
 * MongoDB-compatible store alone; the tools jar, when it is on the class path, adds {@code simulate}, {@code bench}
 * and {@code bench-reference} ({@link Tools}).
 */
@Command(name = "energy-platform", mixinStandardHelpOptions = true, version = "energy-platform 0.1.0",
        description = "Smart Energy Platform node.",
        subcommands = {Main.Run.class, Main.MintAdminToken.class, StandaloneCommand.class,
                EmbeddedMongoCommand.class})
public final class Main implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @CommandLine.Mixin
    private Run run = new Run();

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** @return the command tree {@link #main} executes */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        for (Tools tools : Tools.installed()) {
            tools.commands().forEach(commandLine::addSubcommand);
        }
        // an operational failure (unreachable service, refused request, bad option value) is a message, not a trace
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            if (e instanceof java.io.IOException || e instanceof IllegalArgumentException
                    || e instanceof IllegalStateException) {
                cmd.getErr().println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
                return 1;
            }
            throw e;
        });
        return commandLine;
    }

    @Override
    public Integer call() throws Exception {
        return run.call();
    }

    /** Starts a node and runs until SIGTERM/SIGINT. */
    @Command(name = "run", mixinStandardHelpOptions = true, description = "Start a node (the default command).")
    static final class Run implements Callable<Integer> {

        @CommandLine.Mixin
        ConfigOption configOption = new ConfigOption();

        @Option(names = "--roles", paramLabel = "ROLES",
                description = "Comma-separated roles: gateway,ingestion,billing,analytics (default: node.roles, i.e. all).")
        String roles;

        @Override
        public Integer call() throws Exception {
            JsonObject config = configOption.load();
            if (roles != null) {
                config.getJsonObject("node").put("roles", roles);
            }
            ConfigLoader.unknownEnvironmentKeys(System.getenv())
                    .forEach(k -> LOG.warn("environment variable [{}] matches no option and is ignored", k));
            JsonObject embedded = config.getJsonObject("mongo").getJsonObject("embedded");
            EmbeddedMongo embeddedMongo = embedded.getBoolean("enabled") ? EmbeddedMongo.start(embedded) : null;
            PrometheusMeterRegistry registry = Node.newRegistry();
            Vertx vertx = createVertx(config, registry);
            Node node;
            try {
                node = Node.start(vertx, config, registry).await(2, TimeUnit.MINUTES);
            } catch (Exception e) {
                LOG.error("node failed to start: {}", e.getMessage(), e);
                vertx.close().await(30, TimeUnit.SECONDS);
                if (embeddedMongo != null) {
                    embeddedMongo.close();
                }
                return 1;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            long shutdownTimeout = config.getJsonObject("node").getLong("shutdownTimeoutMs");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                LOG.info("shutting down: intake stops, in-flight acks finish, clients close");
                try {
                    node.stop().compose(v -> vertx.close()).await(shutdownTimeout, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    LOG.warn("shutdown did not finish cleanly: {}", e.getMessage());
                }
                if (embeddedMongo != null) {
                    embeddedMongo.close();
                }
                stopped.countDown();
            }, "node-shutdown"));
            LOG.info("node ready [roles: {}, grpc port: {}, http port: {}, metrics port: {}]",
                    node.roles(), node.grpcPort(), node.httpPort(), node.metricsPort());
            stopped.await();
            return 0;
        }

        /**
         * A plain Vert.x, or a clustered one: Hazelcast from {@code cluster.configFile} with the {@code cluster.*}
         * options filled into its placeholders, and the clustered event bus (the gateway -> ingestion path across
         * nodes) on {@code cluster.publicAddress}:{@code cluster.eventBusPort}. Without an explicit host Vert.x would
         * take the Hazelcast member address, which is not always the one other nodes can reach (several interfaces,
         * containers); an empty {@code cluster.publicAddress} keeps that behaviour (Kubernetes: the pod address).
         */
        static Vertx createVertx(JsonObject config, PrometheusMeterRegistry registry) throws Exception {
            JsonObject cluster = config.getJsonObject("cluster");
            VertxBuilder builder = Node.vertxBuilder(registry);
            if (!cluster.getBoolean("enabled")) {
                return builder.build();
            }
            Path file = Path.of(cluster.getString("configFile"));
            if (!Files.isReadable(file)) {
                throw new FileNotFoundException("cluster.configFile " + file + " is not readable");
            }
            String publicAddress = cluster.getString("publicAddress", "").trim();
            int eventBusPort = cluster.getInteger("eventBusPort");
            if (eventBusPort < 0 || eventBusPort > 65535) {
                throw new IllegalArgumentException("cluster.eventBusPort must be 0 (any free port) to 65535: " + eventBusPort);
            }
            Properties placeholders = new Properties();
            placeholders.setProperty("sep.cluster.name", cluster.getString("name"));
            placeholders.setProperty("sep.cluster.members", cluster.getString("members"));
            placeholders.setProperty("sep.cluster.port", String.valueOf(cluster.getInteger("port")));
            placeholders.setProperty("sep.cluster.interface", publicAddress.isEmpty() ? "127.0.0.1" : publicAddress);
            placeholders.setProperty("sep.cluster.k8sService", cluster.getString("k8sService"));
            Config hazelcast = new FileSystemXmlConfig(file.toFile(), placeholders);
            EventBusOptions eventBus = new EventBusOptions().setPort(eventBusPort);
            if (!publicAddress.isEmpty()) {
                eventBus.setHost(publicAddress).setClusterPublicHost(publicAddress);
            }
            LOG.info("joining cluster [name: {}, members: {}, hazelcast port: {}, event bus: {}:{}]",
                    hazelcast.getClusterName(), cluster.getString("members"), cluster.getInteger("port"),
                    publicAddress.isEmpty() ? "<hazelcast member address>" : publicAddress, eventBusPort);
            return builder.with(new VertxOptions().setEventBusOptions(eventBus).setMetricsOptions(Node.metricsOptions()))
                    .withClusterManager(new HazelcastClusterManager(hazelcast))
                    .buildClustered()
                    .await(2, TimeUnit.MINUTES);
        }
    }

    /** Mints an operator JWT from the configured secret: how the first admin gets in. */
    @Command(name = "mint-admin-token", mixinStandardHelpOptions = true,
            description = "Print an operator JWT (role admin by default) signed with gateway.jwtSecret.")
    static final class MintAdminToken implements Callable<Integer> {

        @CommandLine.Mixin
        ConfigOption configOption = new ConfigOption();

        @Option(names = "--subject", defaultValue = "admin", description = "Token subject (default: ${DEFAULT-VALUE}).")
        String subject;

        @Option(names = "--role", defaultValue = "admin", description = "admin or viewer (default: ${DEFAULT-VALUE}).")
        String role;

        @Option(names = "--ttl", defaultValue = "P30D",
                description = "Validity as an ISO-8601 duration (default: ${DEFAULT-VALUE}).")
        Duration ttl;

        @Override
        public Integer call() throws Exception {
            if (!role.equals("admin") && !role.equals("viewer")) {
                System.err.println("--role must be admin or viewer");
                return 2;
            }
            JsonObject gateway = configOption.load().getJsonObject("gateway");
            String secret = gateway.getString("jwtSecret", "");
            if (secret.length() < 32) {
                System.err.println("gateway.jwtSecret (env SEP_GATEWAY_JWT_SECRET) must be set to at least 32 characters");
                return 2;
            }
            Vertx vertx = Vertx.vertx();
            try {
                System.out.println(OperatorTokens.mint(vertx, secret, gateway.getString("jwtIssuer"),
                        subject, List.of(role), ttl));
            } finally {
                vertx.close().await(10, TimeUnit.SECONDS);
            }
            return 0;
        }
    }
}
