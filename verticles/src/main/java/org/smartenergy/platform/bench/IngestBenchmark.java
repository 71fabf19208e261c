package org.smartenergy.platform.bench;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.smartenergy.platform.gateway.OperatorTokens;
import org.smartenergy.platform.node.ConfigLoader;
import org.smartenergy.proto.v1.MeterGatewayGrpc;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Load generator and benchmark: provisions N simulated loggers through the operator API, then each streams its
 * readings over {@code StreamReadings} with at most {@code --window} unacknowledged readings, and prints readings/s
 * acked and the ack latency distribution (HdrHistogram: send to ack, per reading). A program that prints figures,
 * not a test.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Stream readings from N simulated loggers through a running node and print throughput and ack latency.")
public final class IngestBenchmark implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--grpc", defaultValue = "127.0.0.1:50051", description = "Gateway gRPC address (default: ${DEFAULT-VALUE}).")
    String grpc;

    @Option(names = "--http", defaultValue = "http://127.0.0.1:8080", description = "Gateway operator API (default: ${DEFAULT-VALUE}).")
    String http;

    @Option(names = "--admin-token", description = "Operator JWT with role admin; minted from --config's gateway.jwtSecret if absent.")
    String adminToken;

    @Option(names = "--config", paramLabel = "FILE", description = "Node configuration, to mint an admin token.")
    Path config;

    @Option(names = "--loggers", defaultValue = "20", description = "Simulated loggers, one device and one stream each (default: ${DEFAULT-VALUE}).")
    int loggers;

    @Option(names = "--readings", defaultValue = "5000", description = "Readings per logger (default: ${DEFAULT-VALUE}).")
    int readingsPerLogger;

    @Option(names = "--window", defaultValue = "256", description = "Max unacknowledged readings per stream (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--interval", defaultValue = "60", description = "Interval seconds of each reading (default: ${DEFAULT-VALUE}).")
    int intervalSeconds;

    @Override
    public Integer call() throws Exception {
        String token = adminToken != null ? adminToken : mintAdminToken();
        String runId = UUID.randomUUID().toString().substring(0, 8);
        List<String> deviceTokens = new ArrayList<>();
        HttpClient httpClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(java.time.Duration.ofSeconds(5)).build();
        for (int i = 0; i < loggers; i++) {
            String deviceId = "bench-" + runId + "-" + i;
            HttpResponse<String> response = httpClient.send(HttpRequest.newBuilder(URI.create(http + "/api/v1/devices"))
                    .header("authorization", "Bearer " + token)
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("deviceId", deviceId).encode()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 201) {
                System.err.println("provisioning " + deviceId + " failed: " + response.statusCode() + " " + response.body());
                return 1;
            }
            deviceTokens.add(new JsonObject(response.body()).getString("token"));
        }

        ManagedChannel channel = NettyChannelBuilder.forTarget(grpc).usePlaintext().build();
        Histogram latency = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong accepted = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        AtomicReference<Status> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(loggers);
        Instant firstTimestamp = Instant.now().minusSeconds((long) readingsPerLogger * intervalSeconds);
        long start = System.nanoTime();
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < loggers; i++) {
            String deviceId = "bench-" + runId + "-" + i;
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + deviceTokens.get(i));
            MeterGatewayGrpc.MeterGatewayStub stub = MeterGatewayGrpc.newStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            Semaphore permits = new Semaphore(window);
            ConcurrentHashMap<Long, Long> sentAt = new ConcurrentHashMap<>();
            StreamObserver<Reading> requests = stub.streamReadings(new StreamObserver<>() {
                @Override
                public void onNext(ReadingAck ack) {
                    Long sent = sentAt.remove(ack.getSeq());
                    if (sent != null) {
                        latency.recordValue(System.nanoTime() - sent);
                    }
                    if (ack.getOutcome() == ReadingAck.Outcome.ACCEPTED) {
                        accepted.incrementAndGet();
                    } else {
                        rejected.incrementAndGet();
                    }
                    permits.release();
                }

                @Override
                public void onError(Throwable t) {
                    failure.compareAndSet(null, Status.fromThrowable(t));
                    permits.release(window);
                    done.countDown();
                }

                @Override
                public void onCompleted() {
                    done.countDown();
                }
            });
            Thread sender = new Thread(() -> {
                for (int n = 0; n < readingsPerLogger && failure.get() == null; n++) {
                    permits.acquireUninterruptibly();
                    Instant ts = firstTimestamp.plusSeconds((long) (n + 1) * intervalSeconds);
                    sentAt.put((long) n, System.nanoTime());
                    synchronized (requests) {
                        requests.onNext(Reading.newBuilder()
                                .setDeviceId(deviceId)
                                .setTimestamp(Timestamp.newBuilder().setSeconds(ts.getEpochSecond()))
                                .setUsageKwh(0.001 * (1 + n % 500))
                                .setSeq(n)
                                .setIntervalSeconds(intervalSeconds)
                                .build());
                    }
                }
                permits.acquireUninterruptibly(window);
                synchronized (requests) {
                    requests.onCompleted();
                }
            }, "logger-" + i);
            senders.add(sender);
            sender.start();
        }
        boolean finished = done.await(30, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - start) / 1e9;
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        long total = accepted.get() + rejected.get();
        System.out.printf("loggers=%d readings/logger=%d window=%d%n", loggers, readingsPerLogger, window);
        System.out.printf("acked %d readings (accepted %d, rejected %d) in %.2f s: %.0f readings/s%n",
                total, accepted.get(), rejected.get(), seconds, total / seconds);
        System.out.printf("ack latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n",
                latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(90) / 1e6,
                latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6);
        if (failure.get() != null) {
            System.out.println("a stream failed: " + failure.get());
            return 1;
        }
        return finished ? 0 : 1;
    }

    private String mintAdminToken() throws Exception {
        JsonObject gateway = ConfigLoader.load(config, System.getenv()).getJsonObject("gateway");
        Vertx vertx = Vertx.vertx();
        try {
            return OperatorTokens.mint(vertx, gateway.getString("jwtSecret"), gateway.getString("jwtIssuer"),
                    "bench", List.of("admin"), Duration.ofHours(1));
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
