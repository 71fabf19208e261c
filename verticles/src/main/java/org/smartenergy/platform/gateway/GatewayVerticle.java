package org.smartenergy.platform.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import com.google.protobuf.Descriptors;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.Service;
import org.smartenergy.proto.v1.BillingServiceGrpcService;
import org.smartenergy.proto.v1.MeterGatewayGrpcService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The edge of the platform: the device-facing gRPC server ({@code energy.v1.MeterGateway}, plain HTTP/2) and the
 * operator HTTP API with health checks. It speaks protocols and nothing else: readings go to ingestion over the event
 * bus ({@link org.smartenergy.platform.ingestion.IngestionApi}); devices, usage, bills and tariffs come through the
 * gateway's own ports ({@link DeviceAdmin}, {@link UsageQueries}, {@link BillQueries}, {@link TariffAdmin}) that
 * device and billing implement and the node wires.
 *
 * <p>Deploy one instance per event loop with a {@code Supplier} ({@link GatewayOptions#effectiveInstances()}); the
 * instances share the ports (Vert.x spreads connections over them) and each keeps its per-call state, its
 * {@link IngestionClient} batch and its servers on its own context. What they share is thread-safe: the device
 * registry and the ports (asynchronous clients), the meter registry and, when passed in, one
 * {@link DeviceAuthenticator} (a Caffeine cache; each lookup returns to the caller's context), so a token is looked
 * up once per node rather than once per instance. Whoever makes the authenticator makes it listen for
 * {@link DeviceRevocations} (the node for a shared one, the instance for its own). After {@code start()} completed,
 * {@link #grpcPort()} and
 * {@link #httpPort()} give the bound ports (useful with port 0).
 *
 * <p>Besides the platform's services the gRPC port serves {@code grpc.health.v1.Health} ({@link GrpcHealth},
 * following the readiness passed in) and, unless {@link GatewayOptions#grpcReflection()} is off, server reflection
 * ({@code grpc.reflection.v1.ServerReflection}, and {@code v1alpha} as an alias); neither asks for a device token.
 * With {@link GatewayOptions#tls()} configured both servers speak TLS only (gRPC: ALPN {@code h2}; operator API:
 * HTTPS over HTTP/1.1) and the gRPC server verifies client certificates as configured.
 */
public final class GatewayVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);

    private final GatewayOptions options;
    private final DeviceAdmin devices;
    private final UsageQueries usage;
    private final BillQueries bills;
    private final TariffAdmin tariffs;
    private final MeterRegistry metrics;
    private final DeviceAuthenticator sharedAuthenticator;
    private final Supplier<Future<Boolean>> readiness;
    private final OperatorHttp operatorHttp;

    private IngestionClient ingestion;
    /** The authenticator this instance built (and listens for revocations with), null when one was passed in. */
    private DeviceAuthenticator ownAuthenticator;
    private HttpServer grpcServer;
    private HttpServer httpServer;
    private GrpcHealth health;
    private volatile boolean listening;

    /**
     * @param http    the operator HTTP API to serve ({@code OperatorRouter::serve} of gateway/http)
     * @param options the validated options ({@link GatewayOptions#fromJson})
     * @param devices the device registry (its {@code init()} is the launcher's business)
     * @param usage   where usage queries are answered
     * @param metrics where the gateway's meters are registered
     */
    public GatewayVerticle(OperatorHttp http, GatewayOptions options, DeviceAdmin devices, UsageQueries usage,
                           MeterRegistry metrics) {
        this(http, options, devices, usage, null, null, metrics);
    }

    /**
     * @param bills   bills ({@code /api/v1/devices/{id}/bills/*}, {@code energy.v1.BillingService}); null for a
     *                gateway without them (those routes answer 404, the gRPC service UNIMPLEMENTED)
     * @param tariffs tariffs and supplies ({@code /api/v1/tariffs}, {@code /api/v1/devices/{id}/tariff}); the
     *                operator API serves tariffs and bills only when both ports are given
     */
    public GatewayVerticle(OperatorHttp http, GatewayOptions options, DeviceAdmin devices, UsageQueries usage,
                           BillQueries bills, TariffAdmin tariffs, MeterRegistry metrics) {
        this(http, options, devices, null, usage, bills, tariffs, metrics);
    }

    /**
     * @param authenticator the token cache shared by every instance of the node; null: this instance builds its own
     *                      from {@code options} and {@code devices}
     */
    public GatewayVerticle(OperatorHttp http, GatewayOptions options, DeviceAdmin devices,
                           DeviceAuthenticator authenticator, UsageQueries usage, BillQueries bills,
                           TariffAdmin tariffs, MeterRegistry metrics) {
        this(http, options, devices, authenticator, usage, bills, tariffs, metrics, null);
    }

    /**
     * @param readiness whether the node may take traffic (the node's {@code /health/ready}), which
     *                  {@code grpc.health.v1.Health} reports; null: ready while this gateway listens
     */
    public GatewayVerticle(OperatorHttp http, GatewayOptions options, DeviceAdmin devices,
                           DeviceAuthenticator authenticator, UsageQueries usage, BillQueries bills,
                           TariffAdmin tariffs, MeterRegistry metrics, Supplier<Future<Boolean>> readiness) {
        this.operatorHttp = http;
        this.readiness = readiness;
        this.sharedAuthenticator = authenticator;
        this.options = options;
        this.devices = devices;
        this.usage = usage;
        this.bills = bills;
        this.tariffs = tariffs;
        this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
        List<String> missing = new ArrayList<>();
        if (options == null) {
            missing.add("options");
        }
        if (operatorHttp == null) {
            missing.add("operator HTTP API");
        }
        if (devices == null) {
            missing.add("device registry");
        }
        if (usage == null) {
            missing.add("reading store");
        }
        if (metrics == null) {
            missing.add("meter registry");
        }
        if (!missing.isEmpty()) {
            return Future.failedFuture(new IllegalStateException("gateway cannot start, missing: " + missing));
        }

        GatewayMetrics gatewayMetrics = new GatewayMetrics(metrics);
        DeviceAuthenticator authenticator = sharedAuthenticator;
        if (authenticator == null) {
            ownAuthenticator = DeviceAuthenticator.create(devices, options);
            authenticator = ownAuthenticator;
        }
        DeviceAuthenticator tokens = authenticator;
        ingestion = new IngestionClient(vertx, context, options.ingestionTimeoutMs(),
                options.ingestionBatchMaxReadings(), options.ingestionBatchMaxDelayMs());
        GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(GrpcEdge.MAX_MESSAGE_SIZE));
        // every forward completes within the ingestion timeout (plus the batch delay): the backstop for a stream
        // waiting for its outcomes before an error status
        long drainTimeoutMs = options.ingestionTimeoutMs() + options.ingestionBatchMaxDelayMs() + 1_000;
        ReadingCalls readings = new ReadingCalls(vertx, authenticator, ingestion, gatewayMetrics,
                options.maxUnackedPerStream(), drainTimeoutMs);
        // added as services (not bare call handlers) so that reflection lists and describes them
        Set<String> served = new LinkedHashSet<>();
        grpc.addService(service(MeterGatewayGrpcService.SERVICE_NAME, MeterGatewayGrpcService.SERVICE_DESCRIPTOR,
                readings::bind));
        served.add(MeterGatewayGrpcService.SERVICE_NAME.fullyQualifiedName());
        if (bills != null) {
            BillCalls billCalls = new BillCalls(authenticator, bills, gatewayMetrics);
            grpc.addService(service(BillingServiceGrpcService.SERVICE_NAME,
                    BillingServiceGrpcService.SERVICE_DESCRIPTOR, billCalls::bind));
            served.add(BillingServiceGrpcService.SERVICE_NAME.fullyQualifiedName());
        }
        Supplier<Future<Boolean>> ready = readiness == null ? () -> Future.succeededFuture(listening)
                : () -> listening ? readiness.get() : Future.succeededFuture(false);
        health = new GrpcHealth(vertx, context, ready, served, GrpcHealth.DEFAULT_WATCH_POLL_MS);
        grpc.addService(health.service());
        if (options.grpcReflection()) {
            grpc.addService(ReflectionService.v1());
        }

        JWTAuth jwt = OperatorTokens.provider(vertx, options.jwtSecret(), options.jwtIssuer());
        OperatorHttp.Wiring api = new OperatorHttp.Wiring(vertx, jwt, devices,
                (deviceId, change) -> DeviceRevocations.revoke(tokens, vertx.eventBus(), deviceId, change),
                usage, bills, tariffs, () -> listening);

        grpcServer = vertx.createHttpServer(grpcServerOptions(options))
                // frame and encoding checks vertx-grpc 5.0.7 lacks, before its deframer (see GrpcEdge)
                .requestHandler(GrpcEdge.guard(grpc, options.grpcReflection()));
        httpServer = vertx.createHttpServer(httpServerOptions(options));

        // a shared authenticator listens for revocations already (the node made it listen); the operator router is
        // ready once its OpenAPI document is compiled
        Future<Void> revocations = ownAuthenticator == null ? Future.succeededFuture()
                : ownAuthenticator.listen(vertx.eventBus());
        return revocations.compose(v -> operatorHttp.handler(api))
                .compose(router -> Future.all(grpcServer.listen(), httpServer.requestHandler(router).listen()))
                .onSuccess(v -> {
                    listening = true;
                    LOG.info("gateway listening [host: {}, grpcPort: {}, httpPort: {}, tls: {}, grpcReflection: {}]",
                            options.host(), grpcPort(), httpPort(), options.tls(), options.grpcReflection());
                })
                .recover(t -> Future.failedFuture(new IllegalStateException("gateway cannot listen [host: "
                        + options.host() + ", grpcPort: " + options.grpcPort() + ", httpPort: " + options.httpPort()
                        + ", gateway.tls: " + options.tls() + "]: " + t.getMessage(), t)))
                .onFailure(t -> LOG.error("gateway failed to start [{}]: {}", options, t.getMessage()));
    }

    @Override
    public Future<?> stop() {
        listening = false;
        if (health != null) {
            health.close(); // open Watch calls hear NOT_SERVING before the servers close
        }
        if (ingestion != null) {
            ingestion.flushNow(); // readings batched but not yet sent would otherwise wait for a cancelled timer
            ingestion.close();
        }
        List<Future<Void>> closes = new ArrayList<>();
        if (grpcServer != null) {
            closes.add(grpcServer.close());
        }
        if (httpServer != null) {
            closes.add(httpServer.close());
        }
        if (ownAuthenticator != null) {
            closes.add(ownAuthenticator.close());
        }
        return Future.all(closes).onComplete(ar -> LOG.info("gateway stopped"));
    }

    /** gRPC server: plain HTTP/2 (h2c), or TLS with ALPN h2 only and the configured client-certificate check. */
    static HttpServerOptions grpcServerOptions(GatewayOptions options) {
        HttpServerOptions server = new HttpServerOptions().setHost(options.host()).setPort(options.grpcPort());
        // Vert.x advertises 100 concurrent streams per connection unless told otherwise (gRPC servers usually have
        // no such limit): a client's 101st call would wait until another ended
        server.getInitialSettings().setMaxConcurrentStreams(options.maxConcurrentStreamsPerConnection());
        GatewayTls tls = options.tls();
        if (tls.enabled()) {
            // gRPC clients negotiate h2 by ALPN; without it grpc-java refuses the connection
            server.setSsl(true).setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_2))
                    .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath()).setKeyPath(tls.keyPath()));
            if (tls.clientAuth() != GatewayTls.ClientAuth.NONE) {
                server.setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCaPath()))
                        .setClientAuth(tls.clientAuth() == GatewayTls.ClientAuth.REQUIRED
                                ? ClientAuth.REQUIRED : ClientAuth.REQUEST);
            }
        }
        return server;
    }

    /**
     * Operator API: plain HTTP/1.1 (a JSON API gains nothing from h2c, and the JDK HttpClient's h2c upgrade against
     * this server was seen to hang a request indefinitely), or HTTPS (HTTP/1.1) with the same certificate as the
     * gRPC port and no client certificate (operators authenticate with JWTs).
     */
    static HttpServerOptions httpServerOptions(GatewayOptions options) {
        HttpServerOptions server = new HttpServerOptions().setHost(options.host()).setPort(options.httpPort())
                .setHttp2ClearTextEnabled(false);
        GatewayTls tls = options.tls();
        if (tls.enabled()) {
            server.setSsl(true).setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_1_1))
                    .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath()).setKeyPath(tls.keyPath()));
        }
        return server;
    }

    /** A gRPC service whose calls {@code binder} binds, with its descriptor (for reflection). */
    private static Service service(ServiceName name, Descriptors.ServiceDescriptor descriptor,
                                   Consumer<GrpcServer> binder) {
        return new Service() {
            @Override
            public ServiceName name() {
                return name;
            }

            @Override
            public Descriptors.ServiceDescriptor descriptor() {
                return descriptor;
            }

            @Override
            public void bind(GrpcServer server) {
                binder.accept(server);
            }
        };
    }

    /** @return the port the gRPC server is bound to; valid once {@code start()} succeeded, -1 before */
    public int grpcPort() {
        return grpcServer == null ? -1 : grpcServer.actualPort();
    }

    /** @return the port the operator HTTP server is bound to; valid once {@code start()} succeeded, -1 before */
    public int httpPort() {
        return httpServer == null ? -1 : httpServer.actualPort();
    }
}
