package org.smartenergy.platform.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.handler.GrpcHealthCheckV1Handler;
import io.vertx.grpc.health.handler.GrpcHealthListV1Handler;
import io.vertx.grpc.health.handler.GrpcHealthWatchV1Handler;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.vertx.grpc.health.v1.HealthListResponse;
import io.vertx.grpc.health.v1.HealthProto;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.Service;
import com.google.protobuf.Descriptors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code grpc.health.v1.Health} on the gateway's gRPC port: {@code Check}, {@code Watch} and {@code List}, with the
 * messages and method descriptors of vertx-grpc-health. Every known service name ({@code ""} for the server as a
 * whole, {@code energy.v1.MeterGateway}, {@code energy.v1.BillingService} when bills are served,
 * {@code grpc.health.v1.Health} itself) reports the same status: {@code SERVING} while the gateway listens and the
 * node is ready ({@link GatewayVerticle}'s readiness port, {@code /health/ready} of the node), {@code NOT_SERVING}
 * otherwise; an unknown name answers {@code NOT_FOUND} to {@code Check} and {@code SERVICE_UNKNOWN} to {@code Watch}
 * (the call stays open), as the health-checking protocol says.
 *
 * <p>Not vertx-grpc-health's own {@code HealthService}: in 5.0.7 it answers {@code SERVING} for {@code ""} whatever
 * its registered checks say, and its {@code Watch} re-sends the status every interval instead of on a change and
 * replaces the connection's close handler per call. Here a {@code Watch} gets the current status at once and then
 * a message only when it changes; while at least one {@code Watch} is open, readiness is evaluated every
 * {@code watchPollMs} (once for all of this instance's watchers).
 *
 * <p>No authentication: health is for load balancers and orchestrators, which carry no device token. One instance
 * per gateway verticle, used on that verticle's context only.
 */
final class GrpcHealth {

    static final ServiceName SERVICE_NAME = ServiceName.create("grpc.health.v1.Health");
    /** How often an open {@code Watch} has readiness re-evaluated; default of the gateway. */
    static final long DEFAULT_WATCH_POLL_MS = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(GrpcHealth.class);
    private static final Descriptors.ServiceDescriptor DESCRIPTOR =
            HealthProto.getDescriptor().findServiceByName("Health");

    private final Vertx vertx;
    private final Context context;
    private final Supplier<Future<Boolean>> readiness;
    private final Set<String> services;
    private final long watchPollMs;
    private final List<Watcher> watchers = new ArrayList<>();
    private long timer = -1;
    private boolean polling;
    private boolean closed;

    /**
     * @param readiness   whether the gateway may take traffic; a failed future counts as not ready
     * @param services    the service names besides {@code ""} and the health service that report a status
     * @param watchPollMs how often readiness is re-evaluated while a {@code Watch} is open
     */
    GrpcHealth(Vertx vertx, Context context, Supplier<Future<Boolean>> readiness, Set<String> services,
               long watchPollMs) {
        this.vertx = vertx;
        this.context = context;
        this.readiness = readiness;
        Set<String> known = new LinkedHashSet<>();
        known.add("");
        known.add(SERVICE_NAME.fullyQualifiedName());
        known.addAll(services);
        this.services = Set.copyOf(known);
        this.watchPollMs = watchPollMs;
    }

    /** @return the health service, to {@link GrpcServer#addService add} to the gRPC server */
    Service service() {
        return new Service() {
            @Override
            public ServiceName name() {
                return SERVICE_NAME;
            }

            @Override
            public Descriptors.ServiceDescriptor descriptor() {
                return DESCRIPTOR;
            }

            @Override
            public void bind(GrpcServer server) {
                server.callHandler(GrpcHealthCheckV1Handler.SERVICE_METHOD, GrpcHealth.this::check);
                server.callHandler(GrpcHealthWatchV1Handler.SERVICE_METHOD, GrpcHealth.this::watch);
                server.callHandler(GrpcHealthListV1Handler.SERVICE_METHOD, request -> request.handler(ignored ->
                        status().onSuccess(status -> {
                            HealthListResponse.Builder list = HealthListResponse.newBuilder();
                            services.forEach(name -> list.putStatuses(name, response(status)));
                            request.response().end(list.build());
                        })));
            }
        };
    }

    /**
     * The gateway stops taking traffic: every open {@code Watch} is told {@code NOT_SERVING} (grpc-java's
     * {@code HealthStatusManager.enterTerminalState} does the same) and no more polling happens.
     */
    void close() {
        closed = true;
        if (timer != -1) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        for (Watcher watcher : List.copyOf(watchers)) {
            watcher.send(ServingStatus.NOT_SERVING);
        }
        watchers.clear();
    }

    private void check(GrpcServerRequest<HealthCheckRequest, HealthCheckResponse> request) {
        request.handler(message -> {
            String name = message.getService();
            if (!services.contains(name)) {
                LOG.debug("health check of an unknown service [service: {}]", name);
                request.response().status(GrpcStatus.NOT_FOUND).statusMessage("unknown service " + name).end();
                return;
            }
            status().onSuccess(status -> request.response().end(response(status)));
        });
    }

    private void watch(GrpcServerRequest<HealthCheckRequest, HealthCheckResponse> request) {
        request.handler(message -> {
            String name = message.getService();
            GrpcServerResponse<HealthCheckRequest, HealthCheckResponse> response = request.response();
            if (!services.contains(name)) {
                // the protocol: SERVICE_UNKNOWN, and the call is not ended (the set of services here is fixed)
                response.write(response(ServingStatus.SERVICE_UNKNOWN));
                return;
            }
            Watcher watcher = new Watcher(response);
            // cancelled by the client (RST_STREAM: errorHandler) or the stream failed (exceptionHandler)
            request.errorHandler(error -> watchers.remove(watcher));
            request.exceptionHandler(t -> watchers.remove(watcher));
            status().onSuccess(status -> {
                watcher.send(status);
                if (!closed) {
                    watchers.add(watcher);
                    schedule();
                }
            });
        });
    }

    private void schedule() {
        if (timer == -1 && !closed && !watchers.isEmpty()) {
            timer = vertx.setTimer(watchPollMs, id -> {
                timer = -1;
                poll();
            });
        }
    }

    private void poll() {
        if (polling || watchers.isEmpty() || closed) {
            return;
        }
        polling = true;
        status().onSuccess(status -> {
            polling = false;
            for (Watcher watcher : List.copyOf(watchers)) {
                watcher.send(status);
            }
            schedule();
        });
    }

    /** @return the status of every known service, on this instance's context; never fails */
    private Future<ServingStatus> status() {
        Promise<ServingStatus> promise = Promise.promise();
        Future<Boolean> ready;
        try {
            ready = readiness.get();
        } catch (RuntimeException e) {
            ready = Future.failedFuture(e);
        }
        ready.onComplete(ar -> context.runOnContext(v -> promise.complete(
                ar.succeeded() && Boolean.TRUE.equals(ar.result()) ? ServingStatus.SERVING
                        : ServingStatus.NOT_SERVING)));
        return promise.future();
    }

    private static HealthCheckResponse response(ServingStatus status) {
        return HealthCheckResponse.newBuilder().setStatus(status).build();
    }

    /** One open {@code Watch}: what it was last told, so it is told only changes. */
    private final class Watcher {

        private final GrpcServerResponse<HealthCheckRequest, HealthCheckResponse> response;
        private ServingStatus last;

        Watcher(GrpcServerResponse<HealthCheckRequest, HealthCheckResponse> response) {
            this.response = response;
        }

        void send(ServingStatus status) {
            if (status == last) {
                return;
            }
            last = status;
            try {
                response.write(response(status)).onFailure(t -> gone(t.toString()));
            } catch (IllegalStateException e) {
                gone(e.getMessage()); // the stream was reset or ended meanwhile
            }
        }

        private void gone(String why) {
            LOG.debug("health watch gone: {}", why);
            watchers.remove(this);
        }
    }
}
