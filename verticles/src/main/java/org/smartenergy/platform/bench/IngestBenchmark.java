package org.smartenergy.platform.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * Benchmark: N simulated loggers each stream a fixed number of readings as fast as their window of unacknowledged
 * readings allows ({@link LoggerSimulator} with no rate limit and no fault injection), then it prints readings/s
 * acked and the ack latency distribution (HdrHistogram: send to ack, per reading). A program that prints figures,
 * not a test.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Stream readings from N simulated loggers through a running node and print throughput and ack latency.")
public final class IngestBenchmark implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    GatewayTarget target = new GatewayTarget();

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
        String token = target.adminToken("bench");
        // the readings of a run must all lie within ingestion.maxAge, so the backfill is as long as they need
        Duration backfill = Duration.ofSeconds((long) readingsPerLogger * intervalSeconds);
        LoggerSimulator.Settings settings = new LoggerSimulator.Settings(target.grpc, target.http, token,
                "bench-" + UUID.randomUUID().toString().substring(0, 8), loggers, 0, readingsPerLogger, null,
                intervalSeconds, window, 0, 0, 0, backfill);
        long start = System.nanoTime();
        LoggerSimulator.Simulation simulation = LoggerSimulator.start(settings);
        boolean finished = simulation.await(Duration.ofMinutes(30));
        double seconds = (System.nanoTime() - start) / 1e9;
        simulation.close();
        LoggerSimulator.Stats stats = simulation.stats();
        long total = stats.accepted() + stats.rejected();
        System.out.printf("loggers=%d readings/logger=%d window=%d%n", loggers, readingsPerLogger, window);
        System.out.printf("acked %d readings (accepted %d, rejected %d) in %.2f s: %.0f readings/s%n",
                total, stats.accepted(), stats.rejected(), seconds, total / seconds);
        System.out.printf("ack latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n",
                stats.latency.getValueAtPercentile(50) / 1e6, stats.latency.getValueAtPercentile(90) / 1e6,
                stats.latency.getValueAtPercentile(99) / 1e6, stats.latency.getMaxValue() / 1e6);
        if (!stats.failedCalls().isEmpty()) {
            System.out.println("failed streams: " + stats.failedCalls());
            return 1;
        }
        return finished ? 0 : 1;
    }
}
