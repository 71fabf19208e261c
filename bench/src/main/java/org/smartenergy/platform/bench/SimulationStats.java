package org.smartenergy.platform.bench;

import io.grpc.Status;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/** Counters shared by all loggers of a simulation; read them at any time. */
public final class SimulationStats {
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
