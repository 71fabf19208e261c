package org.smartenergy.platform.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import org.smartenergy.platform.device.DeviceRegistry;
import org.smartenergy.platform.gateway.http.OperatorRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The edge of the platform: the device-facing gRPC server ({@code energy.v1.MeterGateway}, plain HTTP/2) and the
 * operator HTTP API with health checks. It speaks protocols and nothing else: readings go to ingestion over the event
 * bus ({@link org.smartenergy.platform.ingestion.IngestionApi}); devices, usage, bills and tariffs come from the
 * collaborators passed in, usage, bills and tariffs through the gateway's own ports ({@link UsageQueries},
 * {@link BillQueries}, {@link TariffAdmin}) that billing implements and the node wires.
 *
 * <p>Deploy one instance per event loop with a {@code Supplier} ({@link GatewayOptions#effectiveInstances()}); the
 * instances share the ports (Vert.x spreads connections over them) and each keeps its per-call state, its
 * {@link IngestionClient} batch and its servers on its own context. What they share is thread-safe: the device
 * registry and the ports (asynchronous clients), the meter registry and, when passed in, one
 * {@link DeviceAuthenticator} (a Caffeine cache; each lookup returns to the caller's context), so a token is looked
 * up once per node rather than once per instance. After {@code start()} completed, {@link #grpcPort()} and
 * {@link #httpPort()} give the bound ports (useful with port 0).
 */
public final class GatewayVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);

    private final GatewayOptions options;
    private final DeviceRegistry devices;
    private final UsageQueries usage;
    private final BillQueries bills;
    private final TariffAdmin tariffs;
    private final MeterRegistry metrics;
    private final DeviceAuthenticator sharedAuthenticator;

    private IngestionClient ingestion;
    private HttpServer grpcServer;
    private HttpServer httpServer;
    private volatile boolean listening;

    /**
     * @param options the validated options ({@link GatewayOptions#fromJson})
     * @param devices the device registry (its {@code init()} is the launcher's business)
     * @param usage   where usage queries are answered
     * @param metrics where the gateway's meters are registered
     */
    public GatewayVerticle(GatewayOptions options, DeviceRegistry devices, UsageQueries usage,
                           MeterRegistry metrics) {
        this(options, devices, usage, null, null, metrics);
    }

    /**
     * @param bills   bills ({@code /api/v1/devices/{id}/bills/*}, {@code energy.v1.BillingService}); null for a
     *                gateway without them (those routes answer 404, the gRPC service UNIMPLEMENTED)
     * @param tariffs tariffs and supplies ({@code /api/v1/tariffs}, {@code /api/v1/devices/{id}/tariff}); the
     *                operator API serves tariffs and bills only when both ports are given
     */
    public GatewayVerticle(GatewayOptions options, DeviceRegistry devices, UsageQueries usage, BillQueries bills,
                           TariffAdmin tariffs, MeterRegistry metrics) {
        this(options, devices, null, usage, bills, tariffs, metrics);
    }

    /**
     * @param authenticator the token cache shared by every instance of the node; null: this instance builds its own
     *                      from {@code options} and {@code devices}
     */
    public GatewayVerticle(GatewayOptions options, DeviceRegistry devices, DeviceAuthenticator authenticator,
                           UsageQueries usage, BillQueries bills, TariffAdmin tariffs, MeterRegistry metrics) {
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
        DeviceAuthenticator authenticator = sharedAuthenticator != null ? sharedAuthenticator
                : DeviceAuthenticator.create(devices, options);
        ingestion = new IngestionClient(vertx, context, options.ingestionTimeoutMs(),
                options.ingestionBatchMaxReadings(), options.ingestionBatchMaxDelayMs());
        GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(GrpcEdge.MAX_MESSAGE_SIZE));
        // every forward completes within the ingestion timeout (plus the batch delay): the backstop for a stream
        // waiting for its outcomes before an error status
        long drainTimeoutMs = options.ingestionTimeoutMs() + options.ingestionBatchMaxDelayMs() + 1_000;
        new ReadingCalls(vertx, authenticator, ingestion, gatewayMetrics, options.maxUnackedPerStream(),
                drainTimeoutMs).bind(grpc);
        if (bills != null) {
            new BillCalls(authenticator, bills, gatewayMetrics).bind(grpc);
        }

        JWTAuth jwt = OperatorTokens.provider(vertx, options.jwtSecret(), options.jwtIssuer());
        OperatorRouter api = new OperatorRouter(vertx, jwt, devices, usage, bills, tariffs, () -> listening);

        grpcServer = vertx.createHttpServer(new HttpServerOptions()
                        .setHost(options.host())
                        .setPort(options.grpcPort()))
                // frame and encoding checks vertx-grpc 5.0.7 lacks, before its deframer (see GrpcEdge)
                .requestHandler(GrpcEdge.guard(grpc));
        // plain HTTP/1.1: a JSON API gains nothing from h2c, and the JDK HttpClient's h2c upgrade against this
        // server was seen to hang a request indefinitely
        httpServer = vertx.createHttpServer(new HttpServerOptions()
                        .setHost(options.host())
                        .setPort(options.httpPort())
                        .setHttp2ClearTextEnabled(false));

        // the operator router is ready once its OpenAPI document is compiled
        return api.router()
                .compose(router -> Future.all(grpcServer.listen(), httpServer.requestHandler(router).listen()))
                .onSuccess(v -> {
                    listening = true;
                    LOG.info("gateway listening [host: {}, grpcPort: {}, httpPort: {}]",
                            options.host(), grpcPort(), httpPort());
                })
                .onFailure(t -> LOG.error("gateway failed to start [{}]: {}", options, t.getMessage()));
    }

    @Override
    public Future<?> stop() {
        listening = false;
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
        return Future.all(closes).onComplete(ar -> LOG.info("gateway stopped"));
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
