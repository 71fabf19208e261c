package org.smartenergy.platform.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * Benchmark: runs load scenarios through a running node and, in the same run, through a bare reference
 * {@code MeterGateway} ({@link ReferenceServer}, a separate JVM that acks every reading at once), with the same
 * generator ({@link LoggerSimulator}: one stream per logger, a window of unacknowledged readings, no fault
 * injection). For each scenario and round it prints acked readings/s, stored end-to-end readings/s (first send to
 * the node's {@code energy_readings_stored_total} having grown by the readings accepted), ack latency (HdrHistogram,
 * send to ack), receive-to-stored latency (the node's histogram, the delta of its buckets over the scenario) and the
 * node's RSS; then medians over the rounds, platform/reference ratios and a Markdown summary. A program that prints
 * figures, not a test.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run load scenarios against a running node and a bare reference gRPC server; print throughput, "
                + "stored end-to-end rate, latencies and RSS per round, medians and a Markdown summary.",
                "Scenarios: backfill (8 loggers x 20,000 readings, window 500, full speed), fleet (2,000 x 40, window 8), "
                        + "steady (a fixed total rate, default 50%% of backfill's stored rate, for --steady-duration "
                        + "over 200 loggers), growth (20 loggers, 1,000,000 readings: time to store the first and the "
                        + "tenth tenth), custom (--loggers/--readings/--window)."})
public final class IngestBenchmark implements Callable<Integer> {

    static final String STORED = "energy_readings_stored_total";
    static final String DUPLICATES = "energy_readings_duplicates_total";
    static final String BACKLOG = "energy_queue_backlog_messages";
    static final String RECEIVE_TO_STORED = "energy_readings_receive_to_stored_latency_seconds";
    /** Readings' timestamps must stay within ingestion.maxAge (90 days); keep a day's margin. */
    private static final long MAX_BACKFILL_SECONDS = Duration.ofDays(89).getSeconds();

    @picocli.CommandLine.Mixin
    GatewayTarget target = new GatewayTarget();

    @Option(names = "--scenarios", split = ",", paramLabel = "NAME",
            description = "Scenarios in order: backfill, fleet, steady, growth, custom (default: backfill,fleet,steady; "
                    + "custom alone when --loggers, --readings or --window is given).")
    List<String> scenarios;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds per scenario, platform and reference alternating (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--label", defaultValue = "one node, deploy/local.json",
            description = "What the platform under test is (store, machine), for the summary (default: ${DEFAULT-VALUE}).")
    String label;

    @Option(names = "--metrics", defaultValue = "http://127.0.0.1:9102/metrics", description = "The node's Prometheus endpoint (default: ${DEFAULT-VALUE}).")
    String metricsUrl;

    @Option(names = "--node-pid", description = "The node's pid, for its RSS; default: the process listening on --grpc's port.")
    Long nodePid;

    @Option(names = "--no-reference", description = "Skip the reference server.")
    boolean noReference;

    @Option(names = "--loggers", description = "custom: loggers (default: 20).")
    Integer loggers;

    @Option(names = "--readings", description = "custom: readings per logger (default: 5000).")
    Integer readingsPerLogger;

    @Option(names = "--window", description = "custom: max unacknowledged readings per stream (default: 256).")
    Integer window;

    @Option(names = "--interval", defaultValue = "60", description = "Interval seconds of each reading (default: ${DEFAULT-VALUE}).")
    int intervalSeconds;

    @Option(names = "--backfill-readings", defaultValue = "20000", description = "backfill: readings per logger (default: ${DEFAULT-VALUE}).")
    int backfillReadings;

    @Option(names = "--fleet-loggers", defaultValue = "2000", description = "fleet: loggers (default: ${DEFAULT-VALUE}).")
    int fleetLoggers;

    @Option(names = "--fleet-readings", defaultValue = "40", description = "fleet: readings per logger (default: ${DEFAULT-VALUE}).")
    int fleetReadings;

    @Option(names = "--steady-rate", description = "steady: total readings/s; default: 50%% of backfill's median stored end-to-end rate.")
    Double steadyRate;

    @Option(names = "--steady-duration", defaultValue = "PT60S", description = "steady: how long (ISO-8601; default: ${DEFAULT-VALUE}).")
    Duration steadyDuration;

    @Option(names = "--steady-loggers", defaultValue = "200", description = "steady: loggers sharing the rate (default: ${DEFAULT-VALUE}).")
    int steadyLoggers;

    @Option(names = "--growth-readings", defaultValue = "1000000", description = "growth: readings in total (default: ${DEFAULT-VALUE}).")
    int growthReadings;

    @Option(names = "--growth-loggers", defaultValue = "20", description = "growth: loggers (default: ${DEFAULT-VALUE}).")
    int growthLoggers;

    @Option(names = "--warmup", defaultValue = "2000",
            description = "Readings (4 loggers, window 64) sent to the node and to the reference before the first scenario, "
                    + "not measured: class loading and JIT; 0: none (default: ${DEFAULT-VALUE}).")
    int warmupReadings;

    @Option(names = "--store-timeout", defaultValue = "PT10M",
            description = "Max wait, after the last ack, for the node to store what it accepted (default: ${DEFAULT-VALUE}).")
    Duration storeTimeout;

    @Option(names = "--sample-ms", defaultValue = "250", description = "Scrape/RSS sampling period during a scenario (default: ${DEFAULT-VALUE}).")
    int sampleMs;


    /** One load shape. {@code totalRate} 0: as fast as acks allow. */
    record Scenario(String name, int loggers, long readingsPerLogger, int window, double totalRate) {
        long total() {
            return loggers * readingsPerLogger;
        }

        String shape() {
            String rate = totalRate > 0 ? String.format(Locale.ROOT, ", %.0f/s", totalRate) : "";
            return String.format(Locale.ROOT, "%,d x %,d, window %d%s", loggers, readingsPerLogger, window, rate);
        }
    }

    /**
     * What one run of a scenario against one server measured. Latencies in ms; NaN: not measured; receive-to-stored
     * {@code +Inf}: beyond the histogram's last finite bound.
     */
    record Result(String scenario, String server, int round, long accepted, long rejected, long lost,
                  Map<String, Long> failedCalls, double ackSeconds, double ackedPerSecond, double storedSeconds,
                  double storedPerSecond, double ackP50, double ackP99, double ackMax, double r2sP50, double r2sP99,
                  double r2sMax, String r2sMaxSource, double r2sLastBound, double rssPeakMiB,
                  double fillSeconds, double firstSliceSeconds, double tenthSliceSeconds) {
        boolean complete() {
            return failedCalls.isEmpty() && lost == 0 && (server.equals("reference") || !Double.isNaN(storedSeconds));
        }
    }

    @Override
    public Integer call() throws Exception {
        List<String> names = scenarios != null ? scenarios
                : loggers != null || readingsPerLogger != null || window != null ? List.of("custom")
                : List.of("backfill", "fleet", "steady");
        for (String name : names) {
            if (!List.of("backfill", "fleet", "steady", "growth", "custom").contains(name)) {
                throw new IllegalArgumentException("unknown scenario " + name + " (backfill, fleet, steady, growth, custom)");
            }
        }
        if (names.contains("steady") && steadyRate == null
                && (!names.contains("backfill") || names.indexOf("backfill") > names.indexOf("steady"))) {
            throw new IllegalArgumentException("steady runs at 50% of backfill's stored rate: put backfill before it or give --steady-rate");
        }
        if (rounds < 1 || sampleMs < 10) {
            throw new IllegalArgumentException("--rounds must be >= 1 and --sample-ms >= 10");
        }
        String token = target.adminToken("bench");
        ScenarioRunner runner = new ScenarioRunner(target.http, metricsUrl, intervalSeconds, storeTimeout, sampleMs);
        runner.scrape(); // fail early when the node's metrics are unreachable
        int grpcPort = Integer.parseInt(target.grpc.substring(target.grpc.lastIndexOf(':') + 1));
        OptionalLong pid = nodePid != null ? OptionalLong.of(nodePid) : ProcFs.pidListeningOn(grpcPort);
        String runId = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        System.out.printf("benchmark %s: platform %s (gRPC %s, metrics %s, node pid %s); %d round(s); scenarios %s%n",
                runId, label, target.grpc, metricsUrl, pid.isPresent() ? pid.getAsLong() : "n/a", rounds, names);

        Map<String, Scenario> ran = new LinkedHashMap<>();
        List<Result> results = new ArrayList<>();
        boolean complete = true;
        try (ReferenceProcess reference = noReference ? null : ReferenceProcess.start()) {
            if (reference != null) {
                System.out.printf("reference server: pid %d, 127.0.0.1:%d%n", reference.pid(), reference.port());
            }
            if (warmupReadings > 0) {
                Scenario warmup = new Scenario("warmup", 4, Math.max(1, warmupReadings / 4), 64, 0);
                System.out.printf("warm-up (not measured): %s%n", warmup.shape());
                runner.run(warmup, 0, runId + "-warmup", token, target.grpc, pid, true);
                if (reference != null) {
                    runner.run(warmup, 0, runId + "-warmup", "reference", "127.0.0.1:" + reference.port(),
                            OptionalLong.of(reference.pid()), false);
                }
            }
            for (String name : names) {
                Scenario scenario = scenario(name, results);
                if (scenario == null) {
                    complete = false;
                    continue;
                }
                ran.put(name, scenario);
                System.out.printf("%n== %s: %s, %,d readings, interval %d s%n", name, scenario.shape(), scenario.total(),
                        intervalSeconds);
                for (int round = 1; round <= rounds; round++) {
                    String prefix = runId + "-" + name + "-r" + round;
                    Result platform = runner.run(scenario, round, prefix, token, target.grpc, pid, true);
                    results.add(platform);
                    System.out.println(BenchReport.line(platform));
                    complete &= platform.complete();
                    if (reference != null) {
                        Result ref = runner.run(scenario, round, prefix, "reference", "127.0.0.1:" + reference.port(),
                                OptionalLong.of(reference.pid()), false);
                        results.add(ref);
                        System.out.println(BenchReport.line(ref));
                        complete &= ref.complete();
                    }
                }
                BenchReport.printMedians(name, results);
            }
        }
        System.out.println();
        System.out.print(BenchReport.markdown(ran, results, label, rounds));
        return complete ? 0 : 1;
    }

    /** @return the scenario's shape, or null (with a message) when it cannot run */
    private Scenario scenario(String name, List<Result> results) {
        Scenario s = switch (name) {
            case "backfill" -> new Scenario(name, 8, backfillReadings, 500, 0);
            case "fleet" -> new Scenario(name, fleetLoggers, fleetReadings, 8, 0);
            case "growth" -> new Scenario(name, growthLoggers, Math.max(1, growthReadings / growthLoggers), 500, 0);
            case "custom" -> new Scenario(name, loggers != null ? loggers : 20,
                    readingsPerLogger != null ? readingsPerLogger : 5000, window != null ? window : 256, 0);
            case "steady" -> {
                double rate = steadyRate != null ? steadyRate
                        : 0.5 * BenchReport.median(results, "backfill", "platform", Result::storedPerSecond);
                if (Double.isNaN(rate) || rate <= 0) {
                    System.out.printf("%n== steady: skipped, backfill measured no stored rate (give --steady-rate)%n");
                    yield null;
                }
                long perLogger = Math.max(1, (long) Math.ceil(rate * steadyDuration.toMillis() / 1000.0 / steadyLoggers));
                yield new Scenario(name, steadyLoggers, perLogger, 8, rate);
            }
            default -> throw new IllegalArgumentException(name);
        };
        if (s != null && s.readingsPerLogger() * intervalSeconds > MAX_BACKFILL_SECONDS) {
            throw new IllegalArgumentException(String.format("%s: %d readings x %d s per logger reach back more than "
                    + "89 days (ingestion.maxAge 90 days): use more loggers or a shorter --interval", name,
                    s.readingsPerLogger(), intervalSeconds));
        }
        return s;
    }

}
