package org.smartenergy.platform.gateway;

import org.smartenergy.platform.gateway.http.OperatorRouter;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.smartenergy.platform.device.MongoDeviceRegistry;
import org.smartenergy.platform.domain.DeviceTokens;
import org.smartenergy.proto.v1.MeterGatewayGrpc;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A running gateway for tests: in-memory MongoDB (mongo-java-server) behind the real {@link MongoDeviceRegistry}
 * wrapped in a {@link CountingDeviceRegistry}, a {@link FakeIngestion} on the event bus, an
 * {@link InMemoryReadingStore}, and the verticle on ephemeral ports. Two devices are provisioned:
 * {@link #DEVICE} and {@link #OTHER_DEVICE}, with tokens {@link #token} and {@link #otherToken}.
 */
final class GatewayHarness implements AutoCloseable {

    static final String SECRET = "test-secret-0123456789-0123456789-abcdef";
    static final String DEVICE = "meter-1";
    static final String OTHER_DEVICE = "meter-2";

    final Vertx vertx;
    final MongoServer mongoServer;
    final MongoClient mongo;
    final CountingDeviceRegistry registry;
    final InMemoryReadingStore store = new InMemoryReadingStore();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    FakeIngestion ingestion;
    final GatewayVerticle verticle;
    final GatewayOptions options;
    final String token;
    final String otherToken;
    private ManagedChannel channel;

    private GatewayHarness(Vertx vertx, GatewayOptions options, BillQueries bills,
                           Supplier<Future<Boolean>> readiness) throws Exception {
        this.vertx = vertx;
        this.options = options;
        mongoServer = new MongoServer(new MemoryBackend());
        mongoServer.bind("127.0.0.1", 0);
        InetSocketAddress address = mongoServer.getLocalAddress();
        mongo = MongoClient.createShared(vertx, new JsonObject()
                .put("connection_string", "mongodb://127.0.0.1:" + address.getPort())
                .put("db_name", "gateway-test")
                .put("serverSelectionTimeoutMS", 2_000), "gateway-test-" + System.nanoTime());
        registry = new CountingDeviceRegistry(new MongoDeviceRegistry(mongo));
        await(registry.init());
        token = DeviceTokens.newToken();
        otherToken = DeviceTokens.newToken();
        await(registry.create(DEVICE, "kitchen meter", DeviceTokens.hash(token)));
        await(registry.create(OTHER_DEVICE, "garage meter", DeviceTokens.hash(otherToken)));
        ingestion = new FakeIngestion(vertx);
        await(ingestion.register());
        verticle = new GatewayVerticle(OperatorRouter::serve,
                options, registry, null, store, bills, null, meters, readiness);
        await(vertx.deployVerticle(verticle));
        registry.resetCounts();
    }

    static GatewayHarness start(Vertx vertx) throws Exception {
        return start(vertx, GatewayOptions.withSecret(SECRET).withPorts(0, 0));
    }

    static GatewayHarness start(Vertx vertx, GatewayOptions options) throws Exception {
        return new GatewayHarness(vertx, options, null, null);
    }

    /**
     * @param bills     served as {@code energy.v1.BillingService} when not null
     * @param readiness the node readiness the gateway's {@code grpc.health.v1.Health} reports; null: listening
     */
    static GatewayHarness start(Vertx vertx, GatewayOptions options, BillQueries bills,
                                Supplier<Future<Boolean>> readiness) throws Exception {
        return new GatewayHarness(vertx, options, bills, readiness);
    }

    /** Replaces the fake ingestion with one speaking {@code contract}. */
    void replaceIngestion(FakeIngestion.Contract contract) throws Exception {
        await(ingestion.unregister());
        ingestion = new FakeIngestion(vertx, contract);
        await(ingestion.register());
    }

    /** A plain grpc-java channel to the gateway: an independent client implementation. */
    synchronized ManagedChannel channel() {
        if (channel == null) {
            channel = NettyChannelBuilder.forAddress("127.0.0.1", verticle.grpcPort()).usePlaintext().build();
        }
        return channel;
    }

    MeterGatewayGrpc.MeterGatewayBlockingStub blocking(String authorization) {
        return MeterGatewayGrpc.newBlockingStub(channel()).withInterceptors(
                        MetadataUtils.newAttachHeadersInterceptor(metadata(authorization)))
                .withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    MeterGatewayGrpc.MeterGatewayStub async(String authorization) {
        return MeterGatewayGrpc.newStub(channel()).withInterceptors(
                MetadataUtils.newAttachHeadersInterceptor(metadata(authorization)));
    }

    String operatorToken(String... roles) {
        return OperatorTokens.mint(vertx, SECRET, options.jwtIssuer(), "test-operator", List.of(roles),
                Duration.ofMinutes(5));
    }

    String httpBase() {
        return "http://127.0.0.1:" + verticle.httpPort();
    }

    double counter(String name, String... tags) {
        var counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private static Metadata metadata(String authorization) {
        Metadata metadata = new Metadata();
        if (authorization != null) {
            metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
        }
        return metadata;
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        try {
            if (vertx.deploymentIDs().contains(verticle.deploymentID())) { // a test may have undeployed it
                await(vertx.undeploy(verticle.deploymentID()));
            }
            await(ingestion.unregister());
            await(mongo.close());
        } finally {
            mongoServer.shutdownNow();
        }
    }
}
