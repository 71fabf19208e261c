package org.smartenergy.platform.e2e;

import com.google.protobuf.Timestamp;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.gateway.OperatorTokens;
import org.smartenergy.platform.node.ConfigLoader;
import org.smartenergy.platform.node.Node;
import org.smartenergy.proto.v1.MeterGatewayGrpc;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A whole node (every role) wired exactly as the launcher wires it, against the real RabbitMQ and Redis on loopback
 * and a {@code mongo-java-server} standing in for MongoDB; plus the clients a logger and an operator use.
 * Each harness has its own queue names and Redis key prefix, so harnesses do not see each other's data.
 * Public so that tests of other packages (observability) can start a node the same way.
 */
public final class PlatformHarness implements AutoCloseable {

    static final String JWT_SECRET = "end-to-end-test-secret-0123456789abcdef";

    final Vertx vertx;
    final MongoServer mongoServer;
    final JsonObject config;
    public final Node node;
    final ManagedChannel channel;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(java.time.Duration.ofSeconds(5)).build();
    final String suffix = "." + UUID.randomUUID();
    final String adminToken;
    final String viewerToken;

    public PlatformHarness() throws Exception {
        this(config -> {
        });
    }

    /** @param customize adjusts the node's configuration before it starts */
    public PlatformHarness(java.util.function.Consumer<JsonObject> customize) throws Exception {
        this(customize, java.time.Clock.systemUTC());
    }

    /**
     * @param customize    adjusts the node's configuration before it starts
     * @param billingClock the clock deciding the open billing period and closing (see {@code Node.start})
     */
    public PlatformHarness(java.util.function.Consumer<JsonObject> customize, java.time.Clock billingClock)
            throws Exception {
        mongoServer = new MongoServer(new MemoryBackend());
        InetSocketAddress mongoAddress = mongoServer.bind();
        config = ConfigLoader.load(null, Map.of());
        config.getJsonObject("node").put("metricsPort", 0).put("metricsHost", "127.0.0.1");
        config.getJsonObject("gateway").put("grpcPort", 0).put("httpPort", 0).put("host", "127.0.0.1")
                .put("jwtSecret", JWT_SECRET);
        config.getJsonObject("mongo").put("connectionString",
                "mongodb://127.0.0.1:" + mongoAddress.getPort() + "/?w=majority&journal=true");
        config.getJsonObject("billing").put("redisKeyPrefix", "sep-test" + suffix + ":");
        JsonObject topology = config.getJsonObject("rabbitmq").getJsonObject("topology");
        for (String key : List.of("exchange", "queue", "deadLetterExchange", "deadLetterQueue")) {
            topology.put(key, topology.getString(key) + suffix);
        }
        customize.accept(config);
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry = Node.newRegistry();
        vertx = Node.vertxBuilder(registry).build();
        node = Node.start(vertx, config, registry, billingClock).await(60, TimeUnit.SECONDS);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
        adminToken = OperatorTokens.mint(vertx, JWT_SECRET, "smart-energy-platform", "test-admin",
                List.of("admin"), Duration.ofHours(1));
        viewerToken = OperatorTokens.mint(vertx, JWT_SECRET, "smart-energy-platform", "test-viewer",
                List.of("viewer"), Duration.ofHours(1));
    }

    String queue() {
        return config.getJsonObject("rabbitmq").getJsonObject("topology").getString("queue");
    }

    String redisPrefix() {
        return config.getJsonObject("billing").getString("redisKeyPrefix");
    }

    /** Provisions a device through the operator API and returns its token. */
    public String provision(String deviceId) throws Exception {
        HttpResponse<String> response = httpSend("POST", "/api/v1/devices", adminToken,
                new JsonObject().put("deviceId", deviceId).put("name", "test meter").encode());
        if (response.statusCode() != 201) {
            throw new AssertionError("provisioning failed: " + response.statusCode() + " " + response.body());
        }
        return new JsonObject(response.body()).getString("token");
    }

    HttpResponse<String> httpSend(String method, String path, String bearer, String body) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            builder.header("authorization", "Bearer " + bearer);
        }
        if (body != null) {
            builder.header("content-type", "application/json");
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    MeterGatewayGrpc.MeterGatewayBlockingStub blocking(String token) {
        return MeterGatewayGrpc.newBlockingStub(channel).withInterceptors(auth(token))
                .withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    org.smartenergy.proto.v1.BillingServiceGrpc.BillingServiceBlockingStub billing(String token) {
        return org.smartenergy.proto.v1.BillingServiceGrpc.newBlockingStub(channel).withInterceptors(auth(token))
                .withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    MeterGatewayGrpc.MeterGatewayStub async(String token) {
        return MeterGatewayGrpc.newStub(channel).withInterceptors(auth(token));
    }

    private static io.grpc.ClientInterceptor auth(String token) {
        Metadata headers = new Metadata();
        if (token != null) {
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        }
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    public static Reading reading(String deviceId, Instant end, double kwh, long seq) {
        return Reading.newBuilder()
                .setDeviceId(deviceId)
                .setTimestamp(Timestamp.newBuilder().setSeconds(end.getEpochSecond()).setNanos(end.getNano()))
                .setUsageKwh(kwh)
                .setSeq(seq)
                .setIntervalSeconds(900)
                .build();
    }

    /**
     * Streams the readings on one call with at most {@code window} unacknowledged, and returns every ack once the
     * server has completed the call.
     */
    public List<ReadingAck> stream(String token, List<Reading> readings, int window) throws Exception {
        List<ReadingAck> acks = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> done = new CompletableFuture<>();
        Semaphore permits = new Semaphore(window);
        StreamObserver<Reading> requests = async(token).streamReadings(new StreamObserver<>() {
            @Override
            public void onNext(ReadingAck ack) {
                acks.add(ack);
                permits.release();
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
                permits.release(window);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        });
        for (Reading r : readings) {
            if (!permits.tryAcquire(30, TimeUnit.SECONDS) || done.isDone()) {
                break;
            }
            requests.onNext(r);
        }
        requests.onCompleted();
        done.get(60, TimeUnit.SECONDS);
        return acks;
    }

    /** Waits until the condition holds (polling, off the event loop), failing after the timeout. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    public double counter(String name) {
        return node.metrics().find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** @return the sum of the counters of that name carrying the tag {@code key=value} */
    public double counter(String name, String key, String value) {
        return node.metrics().find(name).tag(key, value).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Override
    public void close() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        try {
            node.stop().await(30, TimeUnit.SECONDS);
        } finally {
            deleteTopology();
            vertx.close().await(30, TimeUnit.SECONDS);
            mongoServer.shutdownNow();
        }
    }

    private void deleteTopology() {
        JsonObject topology = config.getJsonObject("rabbitmq").getJsonObject("topology");
        io.vertx.rabbitmq.RabbitMQClient client = io.vertx.rabbitmq.RabbitMQClient.create(vertx,
                new io.vertx.rabbitmq.RabbitMQOptions().setUri(config.getJsonObject("rabbitmq").getString("uri")));
        try {
            client.start()
                    .compose(v -> client.queueDelete(topology.getString("queue")))
                    .compose(v -> client.queueDelete(topology.getString("deadLetterQueue")))
                    .compose(v -> client.exchangeDelete(topology.getString("exchange")))
                    .compose(v -> client.exchangeDelete(topology.getString("deadLetterExchange")))
                    .eventually(client::stop)
                    .await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort: a leftover test queue does not change any result
        }
    }
}
