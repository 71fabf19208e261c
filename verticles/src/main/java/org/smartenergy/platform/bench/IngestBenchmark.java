package org.smartenergy.platform.bench;

import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;

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

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

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
        scrape(); // fail early when the node's metrics are unreachable
        int grpcPort = Integer.parseInt(target.grpc.substring(target.grpc.lastIndexOf(':') + 1));
        OptionalLong pid = nodePid != null ? OptionalLong.of(nodePid) : ProcFs.pidListeningOn(grpcPort);
        String runId = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        System.out.printf("benchmark %s: platform %s (gRPC %s, metrics %s, node pid %s); %d round(s); scenarios %s%n",
                runId, label, target.grpc, metricsUrl, pid.isPresent() ? pid.getAsLong() : "n/a", rounds, names);

        Map<String, Scenario> ran = new LinkedHashMap<>();
        List<Result> results = new ArrayList<>();
        boolean complete = true;
        try (Reference reference = noReference ? null : Reference.start()) {
            if (reference != null) {
                System.out.printf("reference server: pid %d, 127.0.0.1:%d%n", reference.pid(), reference.port());
            }
            if (warmupReadings > 0) {
                Scenario warmup = new Scenario("warmup", 4, Math.max(1, warmupReadings / 4), 64, 0);
                System.out.printf("warm-up (not measured): %s%n", warmup.shape());
                run(warmup, 0, runId + "-warmup", token, target.grpc, pid, true);
                if (reference != null) {
                    run(warmup, 0, runId + "-warmup", "reference", "127.0.0.1:" + reference.port(),
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
                    Result platform = run(scenario, round, prefix, token, target.grpc, pid, true);
                    results.add(platform);
                    System.out.println(line(platform));
                    complete &= platform.complete();
                    if (reference != null) {
                        Result ref = run(scenario, round, prefix, "reference", "127.0.0.1:" + reference.port(),
                                OptionalLong.of(reference.pid()), false);
                        results.add(ref);
                        System.out.println(line(ref));
                        complete &= ref.complete();
                    }
                }
                printMedians(name, results);
            }
        }
        System.out.println();
        System.out.print(markdown(ran, results));
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
                        : 0.5 * median(results, "backfill", "platform", Result::storedPerSecond);
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

    /** Runs one scenario once against one server: the platform (stored figures too) or the reference. */
    private Result run(Scenario scenario, int round, String prefix, String token, String grpc, OptionalLong pid,
                       boolean platform) throws Exception {
        LoggerSimulator.Settings settings = new LoggerSimulator.Settings(grpc, target.http, token, prefix,
                scenario.loggers(), scenario.totalRate() / scenario.loggers(), scenario.readingsPerLogger(), null,
                intervalSeconds, scenario.window(), 0, 0, 0,
                Duration.ofSeconds(scenario.readingsPerLogger() * intervalSeconds));
        long provisioning = System.nanoTime();
        List<String> tokens = platform ? LoggerSimulator.provision(settings)
                : Collections.nCopies(scenario.loggers(), token);
        if (platform && scenario.loggers() >= 100) {
            System.out.printf(Locale.ROOT, "  (provisioned %,d devices in %.1f s, not timed)%n", scenario.loggers(),
                    (System.nanoTime() - provisioning) / 1e9);
        }
        PrometheusText before = platform ? quiet() : null;
        long base = platform ? storedOrDuplicate(before) : 0;
        CounterSamples stored = new CounterSamples();
        AtomicLong rssPeak = new AtomicLong(-1);
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                long now = System.nanoTime();
                if (platform) {
                    try {
                        stored.add(now, storedOrDuplicate(scrape()) - base);
                    } catch (IOException e) {
                        // a missed sample: the next one counts
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                pid.ifPresent(p -> ProcFs.rssBytes(p).ifPresent(rss -> rssPeak.accumulateAndGet(rss, Math::max)));
                long left = TimeUnit.MILLISECONDS.toNanos(sampleMs) - (System.nanoTime() - now);
                if (left > 0) {
                    LockSupport.parkNanos(left);
                }
            }
        }, "bench-sampler");
        sampler.setDaemon(true);
        sampler.start();

        LoggerSimulator.Simulation simulation = LoggerSimulator.start(settings, tokens);
        long started = simulation.startedNanos();
        if (!simulation.await(Duration.ofHours(2))) {
            System.out.println("  (loggers did not finish within 2 h; stopping them)");
        }
        simulation.close();
        LoggerSimulator.Stats stats = simulation.stats();
        long acked = stats.accepted() + stats.rejected();
        double ackSeconds = stats.lastAckNanos() == Long.MIN_VALUE ? Double.NaN : (stats.lastAckNanos() - started) / 1e9;

        double storedSeconds = Double.NaN;
        double firstSlice = Double.NaN;
        double tenthSlice = Double.NaN;
        double fillSeconds = Double.NaN;
        BucketDelta r2s = null;
        double r2sMaxGauge = Double.NaN;
        if (platform) {
            long giveUp = System.nanoTime() + storeTimeout.toNanos();
            while (stored.firstSampleReaching(stats.accepted()).isEmpty() && System.nanoTime() < giveUp) {
                Thread.sleep(Math.min(sampleMs, 50));
            }
            // between the last sample short of the accepted count and the first reaching it
            OptionalDouble reached = stored.crossing(stats.accepted());
            if (stats.accepted() == 0) {
                System.out.println("  (nothing accepted: no stored figure)");
            } else if (reached.isPresent()) {
                storedSeconds = (reached.getAsDouble() - started) / 1e9;
            } else {
                System.out.printf("  (after %s the node had stored %,d of %,d accepted readings: no stored figure; "
                        + "what it still stores counts in the next scenario)%n", storeTimeout, stored.latest(), stats.accepted());
            }
            if (scenario.name().equals("growth")) {
                // the first tenth is timed from the first reading stored, as the tenth is from the ninth: the time
                // the pipeline takes to fill (first send to first stored) is no storage cost
                long slice = scenario.total() / 10;
                OptionalDouble firstStored = stored.crossing(1);
                OptionalDouble first = stored.crossing(slice);
                OptionalDouble ninth = stored.crossing(9 * slice);
                OptionalDouble tenth = stored.crossing(10 * slice);
                firstSlice = firstStored.isPresent() && first.isPresent()
                        ? (first.getAsDouble() - firstStored.getAsDouble()) / 1e9 : Double.NaN;
                fillSeconds = firstStored.isPresent() ? (firstStored.getAsDouble() - started) / 1e9 : Double.NaN;
                tenthSlice = ninth.isPresent() && tenth.isPresent() ? (tenth.getAsDouble() - ninth.getAsDouble()) / 1e9 : Double.NaN;
            }
            PrometheusText after = scrape();
            r2s = BucketDelta.between(before.buckets(RECEIVE_TO_STORED), after.buckets(RECEIVE_TO_STORED));
            r2sMaxGauge = after.max(RECEIVE_TO_STORED + "_max").orElse(Double.NaN);
        }
        sampling.set(false);
        sampler.join(5000);

        Histogram latency = stats.latency();
        Map<String, Long> failed = new LinkedHashMap<>();
        stats.failedCalls().forEach((code, n) -> failed.put(code.name(), n));
        double r2sMax = Double.NaN;
        String r2sMaxSource = "";
        if (r2s != null && r2s.count() > 0) {
            r2sMax = r2s.maxBound();
            r2sMaxSource = "bucket";
            // beyond the last bucket only the node's decaying _max (max of the last ~2 min) says how far
            if (Double.isInfinite(r2sMax) && !Double.isNaN(r2sMaxGauge)) {
                r2sMax = r2sMaxGauge;
                r2sMaxSource = "_max";
            }
        }
        return new Result(scenario.name(), platform ? "platform" : "reference", round, stats.accepted(),
                stats.rejected(), stats.lost(), failed, ackSeconds, acked / ackSeconds, storedSeconds,
                stats.accepted() / storedSeconds,
                latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6,
                r2s == null ? Double.NaN : r2s.percentile(50) * 1000, r2s == null ? Double.NaN : r2s.percentile(99) * 1000,
                r2sMax * 1000, r2sMaxSource, r2s == null ? Double.NaN : r2s.lastFiniteBound() * 1000,
                rssPeak.get() < 0 ? Double.NaN : rssPeak.get() / 1048576.0, fillSeconds, firstSlice, tenthSlice);
    }

    /**
     * Waits (at most --store-timeout) until the node has nothing left over from earlier work: no ready message in
     * its queue and the stored counter still for a second, so a scenario's stored figures are its own.
     *
     * @return the last scrape
     */
    private PrometheusText quiet() throws IOException, InterruptedException {
        long giveUp = System.nanoTime() + storeTimeout.toNanos();
        PrometheusText last = scrape();
        boolean waited = false;
        while (System.nanoTime() < giveUp) {
            Thread.sleep(1000);
            PrometheusText now = scrape();
            if (storedOrDuplicate(now) == storedOrDuplicate(last) && now.sum(BACKLOG).orElse(0) == 0) {
                if (waited) {
                    System.out.println("  (waited for the node to store earlier readings first)");
                }
                return now;
            }
            waited = true;
            last = now;
        }
        System.out.println("  (the node is still storing earlier readings: this round's stored figures include them)");
        return last;
    }

    private PrometheusText scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(metricsUrl))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + metricsUrl + ": " + response.statusCode());
        }
        return PrometheusText.parse(response.body());
    }

    private long storedOrDuplicate(PrometheusText metrics) throws IOException {
        OptionalDouble stored = metrics.sum(STORED);
        if (stored.isEmpty()) {
            throw new IOException(metricsUrl + " has no " + STORED + ": is billing running on that node?");
        }
        return (long) (stored.getAsDouble() + metrics.sum(DUPLICATES).orElse(0));
    }

    // ---- output

    private static String line(Result r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  round %d %-9s acked %,d in %s s = %s/s",
                r.round(), r.server(), r.accepted() + r.rejected(), num(r.ackSeconds(), 1), num(r.ackedPerSecond(), 0)));
        if (r.server().equals("platform")) {
            sb.append(String.format(Locale.ROOT, " | stored e2e in %s s = %s/s", num(r.storedSeconds(), 1),
                    num(r.storedPerSecond(), 0)));
        }
        sb.append(String.format(Locale.ROOT, " | ack ms p50 %s p99 %s max %s", num(r.ackP50(), 1), num(r.ackP99(), 1),
                num(r.ackMax(), 1)));
        if (r.server().equals("platform")) {
            sb.append(String.format(Locale.ROOT, " | receive-to-stored ms p50 %s p99 %s max %s",
                    latency(r.r2sP50(), r.r2sLastBound()), latency(r.r2sP99(), r.r2sLastBound()), r2sMax(r)));
        }
        sb.append(String.format(Locale.ROOT, " | RSS peak %s MiB", num(r.rssPeakMiB(), 0)));
        if (r.scenario().equals("growth") && r.server().equals("platform")) {
            sb.append(growth(r.fillSeconds(), r.firstSliceSeconds(), r.tenthSliceSeconds(), r.accepted() / 10));
        }
        if (r.rejected() > 0 || r.lost() > 0 || !r.failedCalls().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%n    rejected %d, lost %d, failed calls %s", r.rejected(), r.lost(),
                    r.failedCalls()));
        }
        return sb.toString();
    }

    private static String growth(double fill, double first, double tenth, long slice) {
        return String.format(Locale.ROOT, "%n    growth: first reading stored %s s after the first send; first %,d stored in %s s (%s/s), "
                        + "tenth %,d in %s s (%s/s); cost ratio tenth/first %s",
                num(fill, 1), slice, num(first, 1), num(slice / first, 0), slice, num(tenth, 1), num(slice / tenth, 0),
                num(tenth / first, 2));
    }

    private void printMedians(String scenario, List<Result> results) {
        Result p = medianResult(results, scenario, "platform");
        Result r = medianResult(results, scenario, "reference");
        System.out.println("  " + line(p).strip().replaceFirst("^round \\d+ platform ", "median   platform "));
        if (r != null) {
            System.out.println("  " + line(r).strip().replaceFirst("^round \\d+ reference", "median   reference"));
            System.out.printf(Locale.ROOT, "  platform/reference: acked %s, stored e2e %s%n",
                    num(p.ackedPerSecond() / r.ackedPerSecond(), 3), num(p.storedPerSecond() / r.ackedPerSecond(), 3));
        }
    }

    /** @return a result whose every figure is the median of that figure over the rounds; null without rounds */
    static Result medianResult(List<Result> results, String scenario, String server) {
        List<Result> rs = results.stream().filter(x -> x.scenario().equals(scenario) && x.server().equals(server)).toList();
        if (rs.isEmpty()) {
            return null;
        }
        Result any = rs.get(0);
        Map<String, Long> failed = new LinkedHashMap<>();
        rs.forEach(x -> x.failedCalls().forEach((k, v) -> failed.merge(k, v, Long::sum)));
        String r2sMaxSource = rs.stream().map(Result::r2sMaxSource).anyMatch("_max"::equals) ? "_max" : any.r2sMaxSource();
        return new Result(scenario, server, 0, (long) median(rs, x -> x.accepted()), (long) median(rs, x -> x.rejected()),
                rs.stream().mapToLong(Result::lost).sum(), failed, median(rs, Result::ackSeconds),
                median(rs, Result::ackedPerSecond), median(rs, Result::storedSeconds), median(rs, Result::storedPerSecond),
                median(rs, Result::ackP50), median(rs, Result::ackP99), median(rs, Result::ackMax),
                median(rs, Result::r2sP50), median(rs, Result::r2sP99), median(rs, Result::r2sMax), r2sMaxSource,
                any.r2sLastBound(), median(rs, Result::rssPeakMiB), median(rs, Result::fillSeconds),
                median(rs, Result::firstSliceSeconds),
                median(rs, Result::tenthSliceSeconds));
    }

    private static double median(List<Result> results, String scenario, String server, ToDoubleFunction<Result> figure) {
        return median(results.stream().filter(x -> x.scenario().equals(scenario) && x.server().equals(server)).toList(), figure);
    }

    /** @return the median of a figure over results where it was measured (NaN dropped; +Inf kept), NaN if none */
    static double median(List<Result> results, ToDoubleFunction<Result> figure) {
        double[] values = results.stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).sorted().toArray();
        return median(values);
    }

    /** @return the median of sorted values (mean of the middle two for an even count), NaN if empty */
    static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private String markdown(Map<String, Scenario> ran, List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Platform: %s. Medians of %d round(s); reference: bare grpc-java server acking at once, same generator.%n%n",
                label, rounds));
        sb.append("| scenario | shape | acked/s | reference acked/s | acked ratio | stored e2e/s | stored / reference acked | "
                + "ack ms p50 / p99 / max | receive-to-stored ms p50 / p99 / max | node RSS MiB (peak) |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Scenario s : ran.values()) {
            Result p = medianResult(results, s.name(), "platform");
            Result r = medianResult(results, s.name(), "reference");
            if (p == null) {
                continue;
            }
            double refAcked = r == null ? Double.NaN : r.ackedPerSecond();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s / %s / %s | %s / %s / %s | %s |%n",
                    s.name(), s.shape(), num(p.ackedPerSecond(), 0), num(refAcked, 0), num(p.ackedPerSecond() / refAcked, 3),
                    num(p.storedPerSecond(), 0), num(p.storedPerSecond() / refAcked, 3),
                    num(p.ackP50(), 1), num(p.ackP99(), 1), num(p.ackMax(), 1),
                    latency(p.r2sP50(), p.r2sLastBound()), latency(p.r2sP99(), p.r2sLastBound()), r2sMax(p),
                    num(p.rssPeakMiB(), 0)));
        }
        Scenario growth = ran.get("growth");
        Result g = growth == null ? null : medianResult(results, "growth", "platform");
        if (g != null) {
            long slice = growth.total() / 10;
            sb.append(String.format(Locale.ROOT, "%n| growth (%,d readings, %d loggers) | seconds | stored readings/s |%n|---|---|---|%n",
                    growth.total(), growth.loggers()));
            sb.append(String.format(Locale.ROOT, "| first %,d stored (from the first reading stored, %s s after the first send) | %s | %s |%n",
                    slice, num(g.fillSeconds(), 1),
                    num(g.firstSliceSeconds(), 1), num(slice / g.firstSliceSeconds(), 0)));
            sb.append(String.format(Locale.ROOT, "| tenth %,d stored | %s | %s |%n", slice,
                    num(g.tenthSliceSeconds(), 1), num(slice / g.tenthSliceSeconds(), 0)));
            sb.append(String.format(Locale.ROOT, "| cost ratio tenth / first | %s | |%n", num(g.tenthSliceSeconds() / g.firstSliceSeconds(), 2)));
        }
        return sb.toString();
    }

    private static String r2sMax(Result r) {
        if (Double.isNaN(r.r2sMax())) {
            return "n/a";
        }
        if (Double.isInfinite(r.r2sMax())) {
            return ">" + num(r.r2sLastBound(), 0);
        }
        return (r.r2sMaxSource().equals("bucket") ? "<=" : "") + num(r.r2sMax(), 0)
                + (r.r2sMaxSource().equals("_max") ? " (_max)" : "");
    }

    private static String latency(double ms, double lastBound) {
        return Double.isInfinite(ms) ? ">" + num(lastBound, 0) : num(ms, 1);
    }

    static String num(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    /** The reference server in its own JVM, started from this JVM's java and class path. */
    private record Reference(Process process, int port) implements AutoCloseable {

        static Reference start() throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    ReferenceServer.class.getName(), "--port", "0")
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            Process process = builder.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(ReferenceServer.READY)) {
                    return new Reference(process, Integer.parseInt(line.substring(ReferenceServer.READY.length()).strip()));
                }
            }
            process.destroy();
            throw new IOException("the reference server exited before listening (exit " + waitFor(process) + ")");
        }

        long pid() {
            return process.pid();
        }

        private static String waitFor(Process process) {
            try {
                return process.waitFor(5, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "unknown";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "unknown";
            }
        }

        @Override
        public void close() throws IOException {
            // closing its standard input is its signal to stop
            process.getOutputStream().close();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
