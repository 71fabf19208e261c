package org.smartenergy.platform.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import io.vertx.grpc.reflection.v1.ServiceResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code grpc.health.v1.Health} and server reflection on the gateway's gRPC port, called by a plain grpc-java client
 * (method descriptors over the standard messages; the calls carry no device token). Health follows the readiness
 * the gateway is given (here a switch standing in for the node's {@code /health/ready}).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class GatewayDiscoveryTest {

    private static final String HEALTH = "grpc.health.v1.Health";
    private static final MethodDescriptor<HealthCheckRequest, HealthCheckResponse> CHECK =
            health("Check", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<HealthCheckRequest, HealthCheckResponse> WATCH =
            health("Watch", MethodDescriptor.MethodType.SERVER_STREAMING);
    private static final MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> REFLECTION_V1 =
            reflection("grpc.reflection.v1.ServerReflection");
    private static final MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> REFLECTION_V1ALPHA =
            reflection("grpc.reflection.v1alpha.ServerReflection");

    private final AtomicBoolean ready = new AtomicBoolean(true);
    private final List<ClientCall<?, ?>> openCalls = new ArrayList<>();
    private GatewayHarness gateway;

    @AfterEach
    void stop() throws Exception {
        openCalls.forEach(call -> call.cancel("test over", null));
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void checkAnswersServingForTheServerAndEachServiceWhileTheNodeIsReady(Vertx vertx) throws Exception {
        // GIVEN a ready node's gateway serving readings and bills
        start(vertx, true);

        // WHEN each name is checked, without a device token THEN each is SERVING
        for (String name : List.of("", "energy.v1.MeterGateway", "energy.v1.BillingService", HEALTH)) {
            assertThat(check(name)).as(name).isEqualTo(ServingStatus.SERVING);
        }
    }

    @Test
    void checkAnswersNotServingWhileTheNodeIsNotReady(Vertx vertx) throws Exception {
        // GIVEN a gateway whose node is not ready (a required dependency is down)
        start(vertx, true);
        ready.set(false);

        // WHEN the server and the services are checked THEN they are NOT_SERVING
        for (String name : List.of("", "energy.v1.MeterGateway", "energy.v1.BillingService")) {
            assertThat(check(name)).as(name).isEqualTo(ServingStatus.NOT_SERVING);
        }
    }

    @Test
    void checkOfAnUnknownServiceIsNotFound(Vertx vertx) throws Exception {
        start(vertx, true);

        assertThatThrownBy(() -> check("energy.v1.NoSuchService"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void billingServiceIsUnknownToAGatewayThatServesNoBills(Vertx vertx) throws Exception {
        // GIVEN a gateway without the bill port (energy.v1.BillingService is not served)
        start(vertx, false);

        assertThat(check("energy.v1.MeterGateway")).isEqualTo(ServingStatus.SERVING);
        assertThatThrownBy(() -> check("energy.v1.BillingService"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void watchSendsTheStatusAtOnceAndThenEachChange(Vertx vertx) throws Exception {
        // GIVEN a ready node's gateway and an open Watch of the server
        start(vertx, true);
        BlockingQueue<Object> updates = watch("");

        // THEN the current status comes at once
        assertThat(updates.poll(20, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);

        // WHEN the node becomes unready, then ready again THEN each change is streamed, in order
        ready.set(false);
        assertThat(updates.poll(20, TimeUnit.SECONDS)).isEqualTo(ServingStatus.NOT_SERVING);
        ready.set(true);
        assertThat(updates.poll(20, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void watchOfAnUnknownServiceSendsServiceUnknownAndKeepsTheCallOpen(Vertx vertx) throws Exception {
        start(vertx, true);
        BlockingQueue<Object> updates = watch("energy.v1.NoSuchService");

        assertThat(updates.poll(20, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVICE_UNKNOWN);
        // the call is still open: a known service's Watch on the same channel still gets its status, and nothing
        // (no end, no error) arrived for the unknown one meanwhile
        BlockingQueue<Object> known = watch("energy.v1.MeterGateway");
        assertThat(known.poll(20, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);
        assertThat(updates).isEmpty();
    }

    @Test
    void watchersHearNotServingWhenTheGatewayStops(Vertx vertx) throws Exception {
        start(vertx, true);
        BlockingQueue<Object> updates = watch("");
        assertThat(updates.poll(20, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);

        // WHEN the gateway is undeployed THEN the open Watch is told NOT_SERVING
        GatewayHarness.await(vertx.undeploy(gateway.verticle.deploymentID()));
        assertThat(updates.poll(20, TimeUnit.SECONDS)).isEqualTo(ServingStatus.NOT_SERVING);
    }

    @Test
    void reflectionListsThePlatformServicesWithHealthAndReflection(Vertx vertx) throws Exception {
        start(vertx, true);

        for (MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> method
                : List.of(REFLECTION_V1, REFLECTION_V1ALPHA)) {
            ServerReflectionResponse response = reflect(method,
                    ServerReflectionRequest.newBuilder().setListServices("*").build());
            assertThat(response.getListServicesResponse().getServiceList()).extracting(ServiceResponse::getName)
                    .as(method.getFullMethodName())
                    .contains("energy.v1.MeterGateway", "energy.v1.BillingService", HEALTH,
                            "grpc.reflection.v1.ServerReflection");
        }
    }

    @Test
    void reflectionDescribesMeterGatewayWithItsFileDescriptor(Vertx vertx) throws Exception {
        start(vertx, true);

        // WHEN the file containing energy.v1.MeterGateway is asked for
        ServerReflectionResponse response = reflect(REFLECTION_V1, ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("energy.v1.MeterGateway").build());

        // THEN its file descriptor comes back, with the service and its two methods
        List<ByteString> files = response.getFileDescriptorResponse().getFileDescriptorProtoList();
        assertThat(files).isNotEmpty();
        FileDescriptorProto file = FileDescriptorProto.parseFrom(files.get(0));
        assertThat(file.getName()).isEqualTo("energy/v1/meter_gateway.proto");
        assertThat(file.getPackage()).isEqualTo("energy.v1");
        ServiceDescriptorProto service = file.getServiceList().stream()
                .filter(s -> s.getName().equals("MeterGateway")).findFirst().orElseThrow();
        assertThat(service.getMethodList()).extracting(MethodDescriptorProto::getName)
                .containsExactlyInAnyOrder("SendReading", "StreamReadings");
    }

    @Test
    void reflectionSwitchedOffIsUnimplementedWhileHealthStillAnswers(Vertx vertx) throws Exception {
        gateway = GatewayHarness.start(vertx, GatewayOptions.withSecret(GatewayHarness.SECRET).withPorts(0, 0)
                .withGrpcReflection(false), null, () -> Future.succeededFuture(ready.get()));

        for (MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> method
                : List.of(REFLECTION_V1, REFLECTION_V1ALPHA)) {
            assertThatThrownBy(() -> reflect(method, ServerReflectionRequest.newBuilder().setListServices("*").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        }
        assertThat(check("")).isEqualTo(ServingStatus.SERVING);
    }

    // ---------------------------------------------------------------- helpers

    private void start(Vertx vertx, boolean withBills) throws Exception {
        gateway = GatewayHarness.start(vertx, GatewayOptions.withSecret(GatewayHarness.SECRET).withPorts(0, 0),
                withBills ? unusedBills() : null, () -> Future.succeededFuture(ready.get()));
    }

    /** Bills are never fetched here: the port only has to be there for energy.v1.BillingService to be served. */
    private static BillQueries unusedBills() {
        return (BillQueries) Proxy.newProxyInstance(BillQueries.class.getClassLoader(),
                new Class<?>[]{BillQueries.class},
                (proxy, method, args) -> Future.failedFuture(new UnsupportedOperationException(method.getName())));
    }

    private ServingStatus check(String service) {
        return ClientCalls.blockingUnaryCall(gateway.channel(), CHECK,
                        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
                        HealthCheckRequest.newBuilder().setService(service).build())
                .getStatus();
    }

    /** @return the statuses a Watch streams, then its end ("completed") or its error (the Throwable) */
    private BlockingQueue<Object> watch(String service) {
        BlockingQueue<Object> updates = new LinkedBlockingQueue<>();
        ClientCall<HealthCheckRequest, HealthCheckResponse> call = gateway.channel().newCall(WATCH,
                CallOptions.DEFAULT);
        openCalls.add(call);
        ClientCalls.asyncServerStreamingCall(call, HealthCheckRequest.newBuilder().setService(service).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(HealthCheckResponse value) {
                        updates.add(value.getStatus());
                    }

                    @Override
                    public void onError(Throwable t) {
                        updates.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        updates.add("completed");
                    }
                });
        return updates;
    }

    private ServerReflectionResponse reflect(MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> method,
                                             ServerReflectionRequest request) throws Exception {
        BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        ClientCall<ServerReflectionRequest, ServerReflectionResponse> call = gateway.channel().newCall(method,
                CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));
        StreamObserver<ServerReflectionRequest> requests = ClientCalls.asyncBidiStreamingCall(call,
                new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                        answers.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answers.add(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(request);
        Object answer = answers.poll(20, TimeUnit.SECONDS);
        requests.onCompleted();
        if (answer instanceof RuntimeException e) {
            throw e;
        }
        assertThat(answer).isInstanceOf(ServerReflectionResponse.class);
        return (ServerReflectionResponse) answer;
    }

    private static MethodDescriptor<HealthCheckRequest, HealthCheckResponse> health(String name,
                                                                                  MethodDescriptor.MethodType type) {
        return MethodDescriptor.<HealthCheckRequest, HealthCheckResponse>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(HEALTH, name))
                .setRequestMarshaller(ProtoUtils.marshaller(HealthCheckRequest.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(HealthCheckResponse.getDefaultInstance()))
                .build();
    }

    /** v1 and v1alpha messages are the same on the wire: one pair of message types serves both paths. */
    private static MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> reflection(String service) {
        return MethodDescriptor.<ServerReflectionRequest, ServerReflectionResponse>newBuilder()
                .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, "ServerReflectionInfo"))
                .setRequestMarshaller(ProtoUtils.marshaller(ServerReflectionRequest.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(ServerReflectionResponse.getDefaultInstance()))
                .build();
    }
}
