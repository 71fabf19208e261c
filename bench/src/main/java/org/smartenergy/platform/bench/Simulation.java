package org.smartenergy.platform.bench;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import org.smartenergy.proto.v1.MeterGatewayGrpc;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/** A running simulation. */
public final class Simulation implements AutoCloseable {

    private static final Pattern INSTANT = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z");

    private final LoggerSimulator.Settings settings;
    private final ManagedChannel channel;
    private final SimulationStats stats = new SimulationStats();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final List<Thread> senders = new ArrayList<>();
    private final CountDownLatch finished;
    private final Instant firstEnd;
    private final long startNanos = System.nanoTime();

    Simulation(LoggerSimulator.Settings settings, ManagedChannel channel) {
        this.settings = settings;
        this.channel = channel;
        this.finished = new CountDownLatch(settings.devices());
        this.firstEnd = Instant.now().minusSeconds(settings.plannedReadings() * settings.intervalSeconds());
    }

    /** @return live counters */
    public SimulationStats stats() {
        return stats;
    }

    /** @return {@link System#nanoTime()} when it started, after provisioning, before the first send */
    public long startedNanos() {
        return startNanos;
    }

    /** @return the settings it runs with */
    public LoggerSimulator.Settings settings() {
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

    void startLogger(String deviceId, String token) {
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
