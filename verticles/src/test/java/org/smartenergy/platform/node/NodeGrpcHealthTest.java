package org.smartenergy.platform.node;

import org.smartenergy.platform.gateway.http.OperatorRouter;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.billing.MongoReadingStore;
import org.smartenergy.platform.device.MongoDeviceRegistry;
import org.smartenergy.platform.gateway.GatewayOptions;
import org.smartenergy.platform.gateway.GatewayTls;
import org.smartenergy.platform.gateway.GatewayVerticle;

import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's {@code grpc.health.v1.Health} wired to a node's readiness as {@link Node} wires it
 * ({@code health::isReady}): a gateway-and-ingestion node whose broker (here a TCP listener of the test: the broker
 * check is a TCP connect) goes away reports NOT_SERVING, as {@code /health/ready} answers 503.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class NodeGrpcHealthTest {

    private static final MethodDescriptor<HealthCheckRequest, HealthCheckResponse> CHECK =
            MethodDescriptor.<HealthCheckRequest, HealthCheckResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("grpc.health.v1.Health/Check")
                    .setRequestMarshaller(ProtoUtils.marshaller(HealthCheckRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(HealthCheckResponse.getDefaultInstance()))
                    .build();

    private NodeHealth health;
    private MongoClient mongo;
    private ManagedChannel channel;

    @AfterEach
    void tearDown() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (health != null) {
            health.close();
        }
        if (mongo != null) {
            mongo.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void healthIsServingWhileTheBrokerAnswersAndNotServingOnceItIsGone(Vertx vertx) throws Exception {
        // GIVEN a "broker" port that accepts connections, and a gateway-and-ingestion node's readiness on it
        NetServer broker = vertx.createNetServer().connectHandler(socket -> socket.close())
                .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        health = new NodeHealth(vertx, Set.of(Role.GATEWAY, Role.INGESTION),
                "amqp://guest:guest@127.0.0.1:" + broker.actualPort(), null, null, new SimpleMeterRegistry());
        // storage is never called here: health needs no device, no reading
        mongo = MongoClient.create(vertx, new JsonObject()
                .put("connection_string", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500")
                .put("db_name", "grpc-health-test"));
        GatewayVerticle gateway = new GatewayVerticle(OperatorRouter::serve,
                GatewayOptions.withSecret("grpc-health-test-secret-0123456789abcdef").withPorts(0, 0)
                        .withTls(GatewayTls.NONE),
                new MongoDeviceRegistry(mongo), null, new MongoReadingStore(mongo, "usage_hours"), null, null,
                new SimpleMeterRegistry(), health::isReady);
        vertx.deployVerticle(gateway).await(20, TimeUnit.SECONDS);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();

        // WHEN the broker is reachable THEN the server and the reading service are SERVING
        assertThat(check("")).isEqualTo(ServingStatus.SERVING);
        assertThat(check("energy.v1.MeterGateway")).isEqualTo(ServingStatus.SERVING);

        // WHEN the broker goes away THEN both are NOT_SERVING, matching the node's readiness
        broker.close().await(10, TimeUnit.SECONDS);
        assertThat(health.isReady().await(10, TimeUnit.SECONDS)).isFalse();
        assertThat(check("")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(check("energy.v1.MeterGateway")).isEqualTo(ServingStatus.NOT_SERVING);
    }

    private ServingStatus check(String service) {
        return ClientCalls.blockingUnaryCall(channel, CHECK, CallOptions.DEFAULT.withDeadlineAfter(20,
                TimeUnit.SECONDS), HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }
}
