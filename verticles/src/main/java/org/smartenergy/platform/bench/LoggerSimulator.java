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

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * Logger simulator and load generator: provisions N simulated loggers through the operator API, then each streams
 * readings over {@code StreamReadings} (one stream per logger, at most {@code window} unacknowledged) at a given rate,
 * for a count or a duration, optionally injecting duplicates, out-of-order and invalid readings. Records the ack
 * latency of every reading (HdrHistogram, send to ack) and the outcomes: accepted, rejected by reason, failed calls
 * by gRPC status. A stream that fails is reopened after a second; its unacknowledged readings are counted as lost.
 *
 * <p>Timestamps: reading {@code n} of a logger ends at {@code first + (n + 1) x interval}, {@code first} chosen so
 * that the planned readings end about now (at most {@link Settings#backfill()} back); a logger whose next reading
 * would lie in the future waits for it, as a real one does. Usable from the command line ({@code simulate}) and as
 * a library ({@link #start}), e.g. by {@code standalone}.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Simulate N loggers streaming readings to a gateway; prints progress and an outcome/latency summary.")
public final class LoggerSimulator implements Callable<Integer> {

    private static final Pattern INSTANT = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z");

    @picocli.CommandLine.Mixin
    GatewayTarget target = new GatewayTarget();

    @Option(names = "--devices", defaultValue = "10", description = "Simulated loggers, one device and one stream each (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--rate", defaultValue = "1", description = "Readings per second per device; 0: as fast as acks allow (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--count", defaultValue = "0", description = "Readings per device; 0: until --duration or Ctrl-C (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--duration", description = "Stop after this long (ISO-8601, e.g. PT30S); default: no limit.")
    Duration duration;

    @Option(names = "--interval", defaultValue = "900", description = "Interval seconds of each reading (default: ${DEFAULT-VALUE}).")
    int intervalSeconds;

    @Option(names = "--window", defaultValue = "256", description = "Max unacknowledged readings per stream (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--duplicates", defaultValue = "0", description = "Percent of readings sent a second time (default: ${DEFAULT-VALUE}).")
    double duplicatePercent;

    @Option(names = "--out-of-order", defaultValue = "0", description = "Percent of readings sent after their successor (default: ${DEFAULT-VALUE}).")
    double outOfOrderPercent;

    @Option(names = "--invalid", defaultValue = "0", description = "Percent of extra invalid readings: negative, NaN or future (default: ${DEFAULT-VALUE}).")
    double invalidPercent;

    @Option(names = "--backfill", defaultValue = "P30D", description = "How far back the first reading may lie (default: ${DEFAULT-VALUE}).")
    Duration backfill;

    @Override
    public Integer call() throws Exception {
        String token = target.adminToken("simulator");
        Settings settings = new Settings(target.grpc, target.http, token, "sim-" + UUID.randomUUID().toString().substring(0, 8),
                devices, rate, count, duration, intervalSeconds, window, duplicatePercent, outOfOrderPercent,
                invalidPercent, backfill);
        Simulation simulation = start(settings);
        CountDownLatch reported = new CountDownLatch(1);
        // Ctrl-C: stop sending, then give the main thread time to collect the last acks and print the summary
        Thread hook = new Thread(() -> {
            simulation.stop();
            try {
                reported.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "simulator-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        long started = System.nanoTime();
        long lastSent = 0;
        while (!simulation.await(Duration.ofSeconds(1))) {
            Stats s = simulation.stats();
            long sent = s.sent.sum();
            System.err.println(s.progressLine((System.nanoTime() - started) / 1e9, sent - lastSent));
            lastSent = sent;
        }
        simulation.close();
        Stats s = simulation.stats();
        System.out.print(s.summary((System.nanoTime() - started) / 1e9));
        System.out.flush();
        reported.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the hook is already running
        }
        return s.failedCalls.isEmpty() ? 0 : 1;
    }

    /** Mints a one-hour admin token from the configuration's {@code gateway.jwtSecret}. */
    static String mintAdminToken(Path config, String subject) throws Exception {
        JsonObject gateway = ConfigLoader.load(config, System.getenv()).getJsonObject("gateway");
        Vertx vertx = Vertx.vertx();
        try {
            return OperatorTokens.mint(vertx, gateway.getString("jwtSecret"), gateway.getString("jwtIssuer"),
                    subject, List.of(OperatorTokens.ADMIN), Duration.ofHours(1));
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /**
     * What to simulate.
     *
     * @param grpcTarget         gateway gRPC address, {@code host:port}
     * @param httpBase           operator API base URL, e.g. {@code http://127.0.0.1:8080}
     * @param adminToken         operator JWT with role admin, to provision the devices
     * @param devicePrefix       device ids are {@code <prefix>-<i>}; must be new (devices are provisioned)
     * @param devices            number of loggers
     * @param ratePerDevice      readings per second per logger; 0 or less: as fast as the window allows
     * @param readingsPerDevice  readings per logger; 0: unlimited
     * @param duration           run at most this long; null: unlimited
     * @param intervalSeconds    interval of each reading
     * @param window             max unacknowledged readings per stream
     * @param duplicatePercent   percent of readings sent twice
     * @param outOfOrderPercent  percent of readings sent after their successor
     * @param invalidPercent     percent of additional invalid readings
     * @param backfill           how far back the first reading may lie
     */
    public record Settings(String grpcTarget, String httpBase, String adminToken, String devicePrefix, int devices,
                           double ratePerDevice, long readingsPerDevice, Duration duration, int intervalSeconds,
                           int window, double duplicatePercent, double outOfOrderPercent, double invalidPercent,
                           Duration backfill) {
        public Settings {
            Objects.requireNonNull(grpcTarget, "grpcTarget");
            Objects.requireNonNull(httpBase, "httpBase");
            Objects.requireNonNull(adminToken, "adminToken");
            Objects.requireNonNull(devicePrefix, "devicePrefix");
            Objects.requireNonNull(backfill, "backfill");
            if (devices < 1 || window < 1 || intervalSeconds < 1 || readingsPerDevice < 0) {
                throw new IllegalArgumentException("devices, window and interval must be >= 1, count >= 0");
            }
            for (double p : new double[]{duplicatePercent, outOfOrderPercent, invalidPercent}) {
                if (p < 0 || p > 100) {
                    throw new IllegalArgumentException("percentages must be within [0, 100]");
                }
            }
        }

        /** How many readings each logger is expected to send, for placing the first timestamp. */
        long plannedReadings() {
            long byBackfill = Math.max(1, backfill.getSeconds() / intervalSeconds);
            long planned = byBackfill;
            if (readingsPerDevice > 0) {
                planned = readingsPerDevice;
            } else if (duration != null && ratePerDevice > 0) {
                planned = (long) Math.ceil(duration.toMillis() / 1000.0 * ratePerDevice);
            }
            return Math.min(planned, byBackfill);
        }
    }

    /** Counters shared by all loggers of a simulation; read them at any time. */
    public static final class Stats {
        final LongAdder sent = new LongAdder();
        final LongAdder accepted = new LongAdder();
        final LongAdder rejected = new LongAdder();
        final LongAdder lost = new LongAdder();
        final LongAdder duplicates = new LongAdder();
        final LongAdder outOfOrder = new LongAdder();
        final LongAdder invalid = new LongAdder();
        final Map<String, LongAdder> rejectedByReason = new ConcurrentHashMap<>();
        final Map<Status.Code, LongAdder> failedCalls = new ConcurrentHashMap<>();
        final Histogram latency = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(60), 3);
        final LongAccumulator lastAckNanos = new LongAccumulator(Long::max, Long.MIN_VALUE);

        /** @return {@link System#nanoTime()} of the latest ack received, or {@link Long#MIN_VALUE} before the first */
        public long lastAckNanos() {
            return lastAckNanos.get();
        }

        /** @return send-to-ack latency of every acked reading, in nanoseconds */
        public Histogram latency() {
            return latency;
        }

        /** @return readings sent, duplicates and invalid ones included */
        public long sent() {
            return sent.sum();
        }

        /** @return readings acked ACCEPTED */
        public long accepted() {
            return accepted.sum();
        }

        /** @return readings acked REJECTED */
        public long rejected() {
            return rejected.sum();
        }

        /** @return readings sent on a stream that failed before acking them */
        public long lost() {
            return lost.sum();
        }

        /** @return failed calls by gRPC status code */
        public Map<Status.Code, Long> failedCalls() {
            Map<Status.Code, Long> out = new TreeMap<>();
            failedCalls.forEach((k, v) -> out.put(k, v.sum()));
            return out;
        }

        String progressLine(double elapsedSeconds, long sentLastSecond) {
            long failed = failedCalls.values().stream().mapToLong(LongAdder::sum).sum();
            return String.format("[%5.0fs] sent %d (%d/s)  accepted %d  rejected %d  failed calls %d  lost %d",
                    elapsedSeconds, sent.sum(), sentLastSecond, accepted.sum(), rejected.sum(), failed, lost.sum());
        }

        /** @return the end-of-run report: throughput, outcomes, rejections by reason, failed calls, ack latency */
        public String summary(double elapsedSeconds) {
            StringBuilder sb = new StringBuilder();
            long acked = accepted.sum() + rejected.sum();
            sb.append(String.format("sent %d readings in %.1f s (%.0f/s); acked %d (%.0f/s)%n", sent.sum(),
                    elapsedSeconds, sent.sum() / elapsedSeconds, acked, acked / elapsedSeconds));
            sb.append(String.format("injected: duplicates %d, out of order %d, invalid %d%n",
                    duplicates.sum(), outOfOrder.sum(), invalid.sum()));
            sb.append(String.format("outcomes: accepted %d, rejected %d, lost on failed streams %d%n",
                    accepted.sum(), rejected.sum(), lost.sum()));
            new TreeMap<>(rejectedByReason).forEach((reason, n) ->
                    sb.append(String.format("  rejected %d: %s%n", n.sum(), reason)));
            failedCalls().forEach((code, n) -> sb.append(String.format("  failed calls %d: %s%n", n, code)));
            sb.append(String.format("ack latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (n=%d)%n",
                    latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(90) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6, latency.getValueAtPercentile(99.9) / 1e6,
                    latency.getMaxValue() / 1e6, latency.getTotalCount()));
            return sb.toString();
        }
    }

    /**
     * Provisions the devices (blocking HTTP calls) and starts one sender thread per logger.
     *
     * @return the running simulation; {@link Simulation#close()} stops it
     */
    public static Simulation start(Settings settings) throws IOException, InterruptedException {
        return start(settings, provision(settings));
    }

    /**
     * Provisions the devices {@code <prefix>-0 .. <prefix>-(n-1)} through the operator API (blocking HTTP calls).
     *
     * @return their device tokens, in device order
     */
    public static List<String> provision(Settings settings) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < settings.devices(); i++) {
            String deviceId = settings.devicePrefix() + "-" + i;
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create(settings.httpBase() + "/api/v1/devices"))
                    .timeout(Duration.ofSeconds(10))
                    .header("authorization", "Bearer " + settings.adminToken())
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("deviceId", deviceId)
                            .put("name", "simulated logger").encode()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 201) {
                throw new IOException("provisioning " + deviceId + " failed: " + response.statusCode() + " "
                        + response.body());
            }
            tokens.add(new JsonObject(response.body()).getString("token"));
        }
        return tokens;
    }

    /**
     * Starts one sender thread per logger with already provisioned device tokens (or any token, against a server
     * that ignores them).
     *
     * @param tokens one device token per logger, in device order
     * @return the running simulation; {@link Simulation#close()} stops it
     */
    public static Simulation start(Settings settings, List<String> tokens) {
        if (tokens.size() != settings.devices()) {
            throw new IllegalArgumentException(settings.devices() + " devices but " + tokens.size() + " tokens");
        }
        Simulation simulation = new Simulation(settings,
                NettyChannelBuilder.forTarget(settings.grpcTarget()).usePlaintext().build());
        for (int i = 0; i < settings.devices(); i++) {
            simulation.startLogger(settings.devicePrefix() + "-" + i, tokens.get(i));
        }
        return simulation;
    }

    /** A running simulation. */
    public static final class Simulation implements AutoCloseable {

        private final Settings settings;
        private final ManagedChannel channel;
        private final Stats stats = new Stats();
        private final AtomicBoolean stopping = new AtomicBoolean();
        private final List<Thread> senders = new ArrayList<>();
        private final CountDownLatch finished;
        private final Instant firstEnd;
        private final long startNanos = System.nanoTime();

        private Simulation(Settings settings, ManagedChannel channel) {
            this.settings = settings;
            this.channel = channel;
            this.finished = new CountDownLatch(settings.devices());
            this.firstEnd = Instant.now().minusSeconds(settings.plannedReadings() * settings.intervalSeconds());
        }

        /** @return live counters */
        public Stats stats() {
            return stats;
        }

        /** @return {@link System#nanoTime()} when it started, after provisioning, before the first send */
        public long startedNanos() {
            return startNanos;
        }

        /** @return the settings it runs with */
        public Settings settings() {
            return settings;
        }

        /** @return true once every logger has sent its readings and received their acks (or gave up) */
        public boolean await(Duration timeout) throws InterruptedException {
            return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Asks the loggers to stop after the reading they are sending; does not wait. */
        public void stop() {
            stopping.set(true);
        }

        /** Stops the loggers, waits up to 10 s for their outstanding acks, then closes the channel. */
        @Override
        public void close() throws InterruptedException {
            stop();
            for (Thread sender : senders) {
                LockSupport.unpark(sender);
            }
            finished.await(10, TimeUnit.SECONDS);
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        private void startLogger(String deviceId, String token) {
            Thread sender = new Thread(() -> {
                try {
                    new Logger(deviceId, token).run();
                } finally {
                    finished.countDown();
                }
            }, "logger-" + deviceId);
            sender.setDaemon(true);
            senders.add(sender);
            sender.start();
        }

        /** One simulated logger: its stream, pacing and fault injection, on its own thread. */
        private final class Logger {
            private final String deviceId;
            private final MeterGatewayGrpc.MeterGatewayStub stub;
            private Stream stream;
            private long seq;
            private long sentByThis;

            Logger(String deviceId, String token) {
                this.deviceId = deviceId;
                Metadata headers = new Metadata();
                headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
                this.stub = MeterGatewayGrpc.newStub(channel)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            }

            void run() {
                long deadline = settings.duration() == null ? Long.MAX_VALUE
                        : startNanos + settings.duration().toNanos();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                Reading heldBack = null;
                for (long n = 0; settings.readingsPerDevice() == 0 || n < settings.readingsPerDevice(); n++) {
                    if (stopping.get() || System.nanoTime() >= deadline) {
                        break;
                    }
                    Instant end = firstEnd.plusSeconds((n + 1) * settings.intervalSeconds());
                    if (!waitUntil(end, deadline)) {
                        break;
                    }
                    Reading reading = reading(end, 0.001 * (1 + n % 500));
                    if (random.nextDouble() * 100 < settings.invalidPercent()) {
                        send(invalid(end, random.nextInt(3)));
                        stats.invalid.increment();
                    }
                    if (heldBack == null && random.nextDouble() * 100 < settings.outOfOrderPercent()
                            && (settings.readingsPerDevice() == 0 || n + 1 < settings.readingsPerDevice())) {
                        heldBack = reading;
                        stats.outOfOrder.increment();
                        continue;
                    }
                    send(reading);
                    if (heldBack != null) {
                        send(heldBack);
                        heldBack = null;
                    }
                    if (random.nextDouble() * 100 < settings.duplicatePercent()) {
                        send(reading);
                        stats.duplicates.increment();
                    }
                }
                if (heldBack != null) {
                    send(heldBack);
                }
                if (stream != null) {
                    stream.finish();
                }
            }

            private Reading reading(Instant end, double kwh) {
                return Reading.newBuilder()
                        .setDeviceId(deviceId)
                        .setTimestamp(Timestamp.newBuilder().setSeconds(end.getEpochSecond()))
                        .setUsageKwh(kwh)
                        .setSeq(seq++)
                        .setIntervalSeconds(settings.intervalSeconds())
                        .build();
            }

            private Reading invalid(Instant end, int kind) {
                return switch (kind) {
                    case 0 -> reading(end, -1.0);
                    case 1 -> reading(end, Double.NaN);
                    default -> reading(Instant.now().plus(Duration.ofDays(1)), 0.001);
                };
            }

            /** Paces to the configured rate and waits until the reading's interval has ended; false: stop. */
            private boolean waitUntil(Instant end, long deadline) {
                long due = settings.ratePerDevice() > 0
                        ? startNanos + (long) (sentByThis * 1e9 / settings.ratePerDevice()) : 0;
                while (!stopping.get()) {
                    long now = System.nanoTime();
                    if (now >= deadline) {
                        return false;
                    }
                    long untilEnd = Duration.between(Instant.now(), end).toNanos();
                    long wait = Math.max(due - now, untilEnd);
                    if (wait <= 0) {
                        return true;
                    }
                    LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(200)));
                }
                return false;
            }

            private void send(Reading reading) {
                while (!stopping.get() || stream != null) {
                    if (stream == null || stream.failed.get()) {
                        if (stream != null) {
                            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                            if (stopping.get()) {
                                return;
                            }
                        }
                        stream = new Stream(stub);
                    }
                    if (stream.send(reading)) {
                        sentByThis++;
                        stats.sent.increment();
                        return;
                    }
                }
            }
        }

        /** One StreamReadings call with a window of unacknowledged readings. */
        private final class Stream implements StreamObserver<ReadingAck> {
            private final Semaphore permits = new Semaphore(settings.window());
            private final Map<Long, Queue<Long>> sentAt = new ConcurrentHashMap<>();
            private final AtomicBoolean failed = new AtomicBoolean();
            private final CountDownLatch done = new CountDownLatch(1);
            private final StreamObserver<Reading> requests;

            Stream(MeterGatewayGrpc.MeterGatewayStub stub) {
                this.requests = stub.streamReadings(this);
            }

            /** @return false if the stream failed before the reading could be sent */
            boolean send(Reading reading) {
                // a blocking wait, woken by the ack that frees a permit or by onError: with thousands of loggers a
                // polling wait would spend the shared CPU on wake-ups that the server's figures then pay for
                permits.acquireUninterruptibly();
                if (failed.get()) {
                    return false;
                }
                sentAt.computeIfAbsent(reading.getSeq(), k -> new ConcurrentLinkedQueue<>()).add(System.nanoTime());
                synchronized (this) {
                    requests.onNext(reading);
                }
                return true;
            }

            /** Waits for the outstanding acks, half-closes and waits for the server to complete the call. */
            void finish() {
                boolean allAcked = false;
                try {
                    // every permit back: every reading acked (onError hands them all back too)
                    allAcked = permits.tryAcquire(settings.window(), 30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (allAcked) {
                    permits.release(settings.window());
                }
                if (!failed.get()) {
                    synchronized (this) {
                        requests.onCompleted();
                    }
                    try {
                        done.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void onNext(ReadingAck ack) {
                Queue<Long> times = sentAt.get(ack.getSeq());
                Long sent = times == null ? null : times.poll();
                long now = System.nanoTime();
                stats.lastAckNanos.accumulate(now);
                if (sent != null) {
                    stats.latency.recordValue(Math.min(now - sent, stats.latency.getHighestTrackableValue()));
                }
                if (ack.getOutcome() == ReadingAck.Outcome.ACCEPTED) {
                    stats.accepted.increment();
                } else {
                    stats.rejected.increment();
                    // instants in a reason differ per reading; without them reasons group into a short summary
                    String reason = INSTANT.matcher(ack.getReason()).replaceAll("<instant>");
                    stats.rejectedByReason.computeIfAbsent(ack.getOutcome() + ": " + reason,
                            k -> new LongAdder()).increment();
                }
                permits.release();
            }

            @Override
            public void onError(Throwable t) {
                stats.failedCalls.computeIfAbsent(Status.fromThrowable(t).getCode(), k -> new LongAdder()).increment();
                stats.lost.add(settings.window() - permits.availablePermits());
                failed.set(true);
                // wakes a sender waiting for a permit (it then sees the failure) and finish()
                permits.release(settings.window());
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        }
    }
}
