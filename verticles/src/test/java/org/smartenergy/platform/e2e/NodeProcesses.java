package org.smartenergy.platform.e2e;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import org.smartenergy.platform.gateway.OperatorTokens;
import org.smartenergy.proto.v1.MeterGatewayGrpc;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Platform nodes as separate JVM processes ({@code java -jar energy-platform.jar run}) clustered over loopback, the
 * way they run in production, configured only through {@code SEP_*} environment variables. The test JVM hosts the
 * MongoDB stand-in (mongo-java-server, shared by every node over TCP) and plays the logger (grpc-java) and the
 * operator (HTTP). Real RabbitMQ and Redis on loopback, under names unique to this instance.
 *
 * <p>Each child's output goes to {@code target/process-it/<test>-<node>.log}. Children are killed by
 * {@link #close()} and, should the test JVM die first, by a shutdown hook.
 */
final class NodeProcesses implements AutoCloseable {

    /** Jar under test, set by failsafe ({@code verticles/pom.xml}). */
    static final String JAR_PROPERTY = "energy.platform.jar";
    /** Hazelcast XML the nodes use, set by failsafe. */
    static final String CLUSTER_CONFIG_PROPERTY = "energy.platform.clusterConfig";
    /** Where child output goes, set by failsafe. */
    static final String LOG_DIR_PROPERTY = "energy.platform.processLogDir";

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final Pattern READY = Pattern.compile(
            "node ready \\[roles: .*, grpc port: (-?\\d+), http port: (-?\\d+), metrics port: (-?\\d+)]");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "kill-node-processes"));
    }

    final String suffix = "." + UUID.randomUUID();
    final Vertx vertx = Vertx.vertx();
    final MongoServer mongoServer = new MongoServer(new MemoryBackend());
    final MongoClient mongo;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final String testName;
    private final Path jar;
    private final Path clusterConfig;
    private final Path logDir;
    private final String mongoUri;
    private final List<Integer> hazelcastPorts = new ArrayList<>();
    private final Map<String, String> topology = new HashMap<>();
    private final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextMember = new AtomicInteger();

    /**
     * @param testName names the log files
     * @param members  how many nodes this test starts at most: each gets a Hazelcast port in the member list
     */
    NodeProcesses(String testName, int members) throws IOException {
        this.testName = testName;
        jar = Path.of(requiredProperty(JAR_PROPERTY)).toAbsolutePath();
        clusterConfig = Path.of(requiredProperty(CLUSTER_CONFIG_PROPERTY)).toAbsolutePath();
        logDir = Path.of(System.getProperty(LOG_DIR_PROPERTY, "target/process-it"));
        if (!Files.isReadable(jar)) {
            throw new IllegalStateException(jar + " missing: run the process tests after `package` (mvn verify)");
        }
        Files.createDirectories(logDir);
        for (int i = 0; i < members; i++) {
            hazelcastPorts.add(freePort());
        }
        InetSocketAddress address = mongoServer.bind();
        mongoUri = "mongodb://127.0.0.1:" + address.getPort() + "/?w=majority&journal=true";
        mongo = MongoClient.create(vertx, new JsonObject().put("connection_string", mongoUri).put("db_name", "energy"));
        for (String key : List.of("exchange", "queue", "deadLetterExchange", "deadLetterQueue")) {
            topology.put(key, "sep-process-it." + key + suffix);
        }
    }

    /**
     * Starts a node process with the given roles and waits until it logged "node ready" (its ports come from that
     * line: every port is 0, so parallel builds cannot collide).
     */
    NodeProcess start(String name, String roles, Map<String, String> extraEnv) throws Exception {
        int member = nextMember.getAndIncrement();
        if (member >= hazelcastPorts.size()) {
            throw new IllegalStateException("more nodes than the member list holds");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                // Hazelcast would otherwise listen on every interface; the tests stay on loopback
                "-Dhazelcast.socket.bind.any=false",
                "-jar", jar.toString(), "run");
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("SEP_"));
        env.putAll(Map.ofEntries(
                Map.entry("SEP_NODE_ROLES", roles),
                Map.entry("SEP_NODE_METRICS_PORT", "0"),
                Map.entry("SEP_NODE_METRICS_HOST", "127.0.0.1"),
                Map.entry("SEP_NODE_SHUTDOWN_TIMEOUT_MS", "5000"),
                Map.entry("SEP_CLUSTER_ENABLED", "true"),
                Map.entry("SEP_CLUSTER_NAME", "sep-process-it" + suffix),
                Map.entry("SEP_CLUSTER_CONFIG_FILE", clusterConfig.toString()),
                Map.entry("SEP_CLUSTER_MEMBERS", String.join(",",
                        hazelcastPorts.stream().map(p -> "127.0.0.1:" + p).toList())),
                Map.entry("SEP_CLUSTER_PORT", String.valueOf(hazelcastPorts.get(member))),
                Map.entry("SEP_CLUSTER_PUBLIC_ADDRESS", "127.0.0.1"),
                Map.entry("SEP_GATEWAY_HOST", "127.0.0.1"),
                Map.entry("SEP_GATEWAY_GRPC_PORT", "0"),
                Map.entry("SEP_GATEWAY_HTTP_PORT", "0"),
                Map.entry("SEP_GATEWAY_JWT_SECRET", PlatformHarness.JWT_SECRET),
                Map.entry("SEP_MONGO_CONNECTION_STRING", mongoUri),
                Map.entry("SEP_BILLING_REDIS_KEY_PREFIX", redisPrefix()),
                Map.entry("SEP_RABBITMQ_TOPOLOGY_EXCHANGE", topology.get("exchange")),
                Map.entry("SEP_RABBITMQ_TOPOLOGY_QUEUE", topology.get("queue")),
                Map.entry("SEP_RABBITMQ_TOPOLOGY_DEAD_LETTER_EXCHANGE", topology.get("deadLetterExchange")),
                Map.entry("SEP_RABBITMQ_TOPOLOGY_DEAD_LETTER_QUEUE", topology.get("deadLetterQueue"))));
        env.putAll(extraEnv);
        Path log = logDir.resolve(testName + "-" + name + ".log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = builder.start();
        LIVE.add(process);
        NodeProcess node = awaitReady(name, process, log);
        nodes.add(node);
        return node;
    }

    private NodeProcess awaitReady(String name, Process process, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("node " + name + " exited with " + process.exitValue() + ", see " + log);
            }
            Matcher m = READY.matcher(Files.exists(log) ? Files.readString(log) : "");
            if (m.find()) {
                return new NodeProcess(name, process, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                        Integer.parseInt(m.group(3)), log);
            }
            Thread.sleep(100);
        }
        process.destroyForcibly();
        throw new AssertionError("node " + name + " not ready in time, see " + log);
    }

    String redisPrefix() {
        return "sep-process-it" + suffix + ":";
    }

    String adminToken() {
        return OperatorTokens.mint(vertx, PlatformHarness.JWT_SECRET, "smart-energy-platform", "process-it",
                List.of("admin"), Duration.ofHours(1));
    }

    /** Provisions a device through the node's operator API and returns its token. */
    String provision(NodeProcess gateway, String deviceId) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.httpPort() + "/api/v1/devices"))
                .timeout(Duration.ofSeconds(10))
                .header("authorization", "Bearer " + adminToken())
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        new JsonObject().put("deviceId", deviceId).put("name", "process test meter").encode()))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new AssertionError("provisioning failed: " + response.statusCode() + " " + response.body());
        }
        return new JsonObject(response.body()).getString("token");
    }

    /** Sum of the Prometheus samples of {@code name} (any labels) the node's {@code /metrics} shows. */
    double metric(NodeProcess node, String name) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.metricsPort() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        double sum = 0;
        for (String line : response.body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** Every hour of the device in MongoDB: its hour document with the readings of its readings document. */
    List<JsonObject> buckets(String deviceId) {
        try {
            return org.smartenergy.platform.storage.StoredHours.find(mongo, "usage_hours",
                    new JsonObject().put("deviceId", deviceId)).await(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("MongoDB did not answer in 10 s", e);
        }
    }

    ManagedChannel channel(NodeProcess gateway) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
        channels.add(channel);
        return channel;
    }

    /** What one StreamReadings call ended with. */
    record StreamResult(Set<Long> accepted, List<ReadingAck> notAccepted, Status status) {
    }

    /**
     * Streams the readings on one call with at most {@code window} unacknowledged, like a logger would, until the
     * server ends the call. {@code afterSend} runs on the sending thread after each reading with the number accepted
     * so far (the tests kill a node from there).
     */
    static StreamResult stream(ManagedChannel channel, String token, Collection<Reading> readings, int window,
                               IntConsumer afterSend) throws Exception {
        Set<Long> accepted = ConcurrentHashMap.newKeySet();
        List<ReadingAck> notAccepted = new CopyOnWriteArrayList<>();
        CompletableFuture<Status> done = new CompletableFuture<>();
        Semaphore permits = new Semaphore(window);
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        StreamObserver<Reading> requests = MeterGatewayGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .streamReadings(new StreamObserver<>() {
                    @Override
                    public void onNext(ReadingAck ack) {
                        if (ack.getOutcome() == ReadingAck.Outcome.ACCEPTED) {
                            accepted.add(ack.getSeq());
                        } else {
                            notAccepted.add(ack);
                        }
                        permits.release();
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.complete(Status.fromThrowable(t));
                        permits.release(window);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(Status.OK);
                        permits.release(window);
                    }
                });
        for (Reading reading : readings) {
            while (!done.isDone() && !permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                // waiting for an ack, or for the call to end
            }
            if (done.isDone()) {
                break;
            }
            requests.onNext(reading);
            afterSend.accept(accepted.size());
        }
        if (!done.isDone()) {
            requests.onCompleted();
        }
        Status status = done.get(60, TimeUnit.SECONDS);
        return new StreamResult(accepted, notAccepted, status);
    }

    @Override
    public void close() throws Exception {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
        }
        for (NodeProcess node : nodes) {
            node.kill();
        }
        try {
            deleteTopology();
            deleteRedisKeys();
            mongo.close().await(10, TimeUnit.SECONDS);
        } finally {
            vertx.close().await(30, TimeUnit.SECONDS);
            mongoServer.shutdownNow();
        }
    }

    private void deleteTopology() {
        RabbitMQClient client = RabbitMQClient.create(vertx,
                new RabbitMQOptions().setUri("amqp://guest:guest@127.0.0.1:5672"));
        try {
            client.start()
                    .compose(v -> client.queueDelete(topology.get("queue")))
                    .compose(v -> client.queueDelete(topology.get("deadLetterQueue")))
                    .compose(v -> client.exchangeDelete(topology.get("exchange")))
                    .compose(v -> client.exchangeDelete(topology.get("deadLetterExchange")))
                    .eventually(client::stop)
                    .await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort: a leftover test queue does not change any result
        }
    }

    private void deleteRedisKeys() {
        Redis redis = Redis.createClient(vertx, "redis://127.0.0.1:6379");
        RedisAPI api = RedisAPI.api(redis);
        try {
            api.keys(redisPrefix() + "*")
                    .compose(keys -> {
                        List<String> names = new ArrayList<>();
                        keys.forEach(k -> names.add(k.toString()));
                        return names.isEmpty() ? Future.<Response>succeededFuture() : api.del(names);
                    })
                    .eventually(() -> {
                        redis.close();
                        return Future.succeededFuture();
                    })
                    .await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort, as above
        }
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " not set: run the process tests with failsafe");
        }
        return value;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** One node process and the ports it reported. */
    record NodeProcess(String name, Process process, int grpcPort, int httpPort, int metricsPort, Path log) {

        /** SIGKILL: no shutdown hook, no goodbye to the cluster or the broker. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            LIVE.remove(process);
        }
    }
}
