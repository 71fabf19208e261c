package org.smartenergy.platform.gateway;

import org.smartenergy.platform.gateway.http.OperatorRouter;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.device.MongoDeviceRegistry;
import org.smartenergy.proto.v1.MeterGatewayGrpc;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS on the gateway ({@code gateway.tls}): a grpc-java client trusting the test CA sends a reading over TLS, a
 * plaintext client gets no call through, client certificates are enforced as {@code clientAuth} says, the operator
 * API answers over HTTPS and not over plain HTTP, and broken TLS settings stop the start with a message naming the
 * key. Certificates are made by {@link TestCertificates} for this test.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class GatewayTlsTest {

    private static TestCertificates certs;

    private GatewayHarness gateway;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create();
    }

    @AfterAll
    static void removeCertificates() throws IOException {
        try (var files = Files.walk(certs.dir)) {
            for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void aClientTrustingTheCaSendsAReadingOverTls(Vertx vertx) throws Exception {
        // GIVEN a gateway with a server certificate signed by the test CA
        gateway = GatewayHarness.start(vertx, tlsOptions(GatewayTls.server(certs.serverCert.toString(),
                certs.serverKey.toString())));

        // WHEN a grpc-java client that trusts the CA (and checks the host name) sends a reading
        ReadingAck ack = stub(tlsChannel(null, null)).sendReading(reading(1));

        // THEN it is acknowledged and handed to ingestion
        assertThat(ack.getSeq()).isEqualTo(1);
        assertThat(gateway.ingestion.received.size()).isEqualTo(1);
    }

    @Test
    void aPlaintextClientGetsNoCallThroughTheTlsPort(Vertx vertx) throws Exception {
        // GIVEN a TLS gateway
        gateway = GatewayHarness.start(vertx, tlsOptions(GatewayTls.server(certs.serverCert.toString(),
                certs.serverKey.toString())));
        ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", gateway.verticle.grpcPort())
                .usePlaintext().build();
        channels.add(plain);

        // WHEN a plaintext (h2c) client sends a reading THEN the call fails as unavailable and nothing is received
        assertThatThrownBy(() -> stub(plain).sendReading(reading(1)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(gateway.ingestion.received.size()).isZero();
    }

    @Test
    void withClientAuthRequiredOnlyAClientCertificateSignedByTheConfiguredCaGetsThrough(Vertx vertx)
            throws Exception {
        // GIVEN a gateway requiring client certificates signed by the test CA
        gateway = GatewayHarness.start(vertx, tlsOptions(new GatewayTls(certs.serverCert.toString(),
                certs.serverKey.toString(), certs.caCert.toString(), GatewayTls.ClientAuth.REQUIRED)));

        // WHEN a client presents no certificate THEN the handshake fails: UNAVAILABLE
        assertThatThrownBy(() -> stub(tlsChannel(null, null)).sendReading(reading(1)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        // WHEN a client presents a self-signed certificate no configured CA signed THEN it fails too
        assertThatThrownBy(() -> stub(tlsChannel(certs.strangerCert, certs.strangerKey)).sendReading(reading(2)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(gateway.ingestion.received.size()).isZero();

        // WHEN a client presents the certificate the CA signed THEN its reading is acknowledged
        ReadingAck ack = stub(tlsChannel(certs.clientCert, certs.clientKey)).sendReading(reading(3));
        assertThat(ack.getSeq()).isEqualTo(3);
        assertThat(gateway.ingestion.received.size()).isEqualTo(1);
    }

    @Test
    void withClientAuthRequestedAClientWithoutCertificateStillGetsThrough(Vertx vertx) throws Exception {
        // GIVEN a gateway that asks for, but does not require, a client certificate
        gateway = GatewayHarness.start(vertx, tlsOptions(new GatewayTls(certs.serverCert.toString(),
                certs.serverKey.toString(), certs.caCert.toString(), GatewayTls.ClientAuth.REQUEST)));

        // WHEN clients with and without a certificate send a reading THEN both are acknowledged
        assertThat(stub(tlsChannel(null, null)).sendReading(reading(1)).getSeq()).isEqualTo(1);
        assertThat(stub(tlsChannel(certs.clientCert, certs.clientKey)).sendReading(reading(2)).getSeq())
                .isEqualTo(2);
    }

    @Test
    void theOperatorApiAnswersOverHttpsAndNotOverPlainHttp(Vertx vertx) throws Exception {
        // GIVEN a TLS gateway
        gateway = GatewayHarness.start(vertx, tlsOptions(GatewayTls.server(certs.serverCert.toString(),
                certs.serverKey.toString())));
        int port = gateway.verticle.httpPort();
        String operator = gateway.operatorToken(OperatorTokens.VIEWER);

        // WHEN an HTTPS client trusting the CA reads a device THEN the API answers it
        HttpClient https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(certs.trustingCa()).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> device = https.send(HttpRequest.newBuilder(
                                URI.create("https://localhost:" + port + "/api/v1/devices/" + GatewayHarness.DEVICE))
                        .header("Authorization", "Bearer " + operator).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(device.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(device.body()).getString("deviceId")).isEqualTo(GatewayHarness.DEVICE);
        assertThat(device.sslSession()).isPresent();

        // WHEN a plain HTTP client asks the same port THEN the connection fails (it is not a timeout)
        HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/health/live")).timeout(Duration.ofSeconds(20))
                        .build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void withoutACertificateBothServersStayPlainText(Vertx vertx) throws Exception {
        // GIVEN the default options (no gateway.tls)
        gateway = GatewayHarness.start(vertx);

        // WHEN a plaintext gRPC client and a plain HTTP client call THEN both are answered
        assertThat(gateway.blocking("Bearer " + gateway.token).sendReading(reading(1)).getSeq()).isEqualTo(1);
        HttpResponse<String> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(gateway.httpBase() + "/health/live")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
    }

    @Test
    void aPemFileThatIsNotACertificateFailsTheStart(Vertx vertx) throws Exception {
        // GIVEN a certificate path whose file holds no PEM certificate
        Path garbage = certs.dir.resolve("garbage.pem");
        Files.writeString(garbage, "not a certificate\n");
        GatewayOptions options = tlsOptions(GatewayTls.server(garbage.toString(),
                certs.serverKey.toString()));

        MongoClient unused = MongoClient.create(vertx, new JsonObject()
                .put("connection_string", "mongodb://127.0.0.1:1").put("db_name", "never-used"));
        GatewayVerticle verticle = new GatewayVerticle(OperatorRouter::serve, options, new MongoDeviceRegistry(unused),
                new InMemoryReadingStore(), new SimpleMeterRegistry());

        // WHEN the gateway starts THEN it fails naming the file and what is wrong with it (no plain-text fallback)
        assertThatThrownBy(() -> GatewayHarness.await(vertx.deployVerticle(verticle)))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .hasMessageContaining("gateway cannot listen")
                .hasMessageContaining("certPath=" + garbage)
                .hasMessageContaining("BEGIN CERTIFICATE");
        assertThat(vertx.deploymentIDs()).isEmpty();
        GatewayHarness.await(unused.close());
    }

    private static GatewayOptions tlsOptions(GatewayTls tls) {
        return GatewayOptions.withSecret(GatewayHarness.SECRET).withPorts(0, 0).withTls(tls)
                .withIngestionBatching(1, 0);
    }

    /** A grpc-java channel trusting the test CA, to "localhost" (the name the server certificate carries). */
    private ManagedChannel tlsChannel(Path clientCert, Path clientKey) throws Exception {
        SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(certs.caCert.toFile());
        if (clientCert != null) {
            ssl.keyManager(clientCert.toFile(), clientKey.toFile());
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", gateway.verticle.grpcPort())
                .sslContext(ssl.build()).build();
        channels.add(channel);
        return channel;
    }

    private MeterGatewayGrpc.MeterGatewayBlockingStub stub(ManagedChannel channel) {
        Metadata metadata = new Metadata();
        metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + gateway.token);
        return MeterGatewayGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
                .withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static Reading reading(long seq) {
        return GatewayGrpcTest.reading(GatewayHarness.DEVICE, seq);
    }
}
