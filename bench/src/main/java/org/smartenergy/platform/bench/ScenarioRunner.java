package org.smartenergy.platform.bench;

import org.HdrHistogram.Histogram;
import org.smartenergy.platform.bench.IngestBenchmark.Result;
import org.smartenergy.platform.bench.IngestBenchmark.Scenario;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.smartenergy.platform.bench.IngestBenchmark.BACKLOG;
import static org.smartenergy.platform.bench.IngestBenchmark.DUPLICATES;
import static org.smartenergy.platform.bench.IngestBenchmark.RECEIVE_TO_STORED;
import static org.smartenergy.platform.bench.IngestBenchmark.STORED;

/**
 * Runs one scenario once against one server and measures it (moved out of {@link IngestBenchmark}): the loggers, the
 * node's metrics sampled meanwhile (stored counter, receive-to-stored histogram) and its RSS.
 */
final class ScenarioRunner {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String httpBase;
    private final String metricsUrl;
    private final int intervalSeconds;
    private final Duration storeTimeout;
    private final int sampleMs;

    /**
     * @param httpBase        the node's operator API, to provision devices
     * @param metricsUrl      the node's Prometheus endpoint
     * @param intervalSeconds interval of each reading
     * @param storeTimeout    max wait, after the last ack, for the node to store what it accepted
     * @param sampleMs        scrape/RSS sampling period
     */
    ScenarioRunner(String httpBase, String metricsUrl, int intervalSeconds, Duration storeTimeout, int sampleMs) {
        this.httpBase = httpBase;
        this.metricsUrl = metricsUrl;
        this.intervalSeconds = intervalSeconds;
        this.storeTimeout = storeTimeout;
        this.sampleMs = sampleMs;
    }

    /** Runs one scenario once against one server: the platform (stored figures too) or the reference. */
    Result run(Scenario scenario, int round, String prefix, String token, String grpc, OptionalLong pid,
                       boolean platform) throws Exception {
        LoggerSimulator.Settings settings = new LoggerSimulator.Settings(grpc, httpBase, token, prefix,
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

        Simulation simulation = LoggerSimulator.start(settings, tokens);
        long started = simulation.startedNanos();
        if (!simulation.await(Duration.ofHours(2))) {
            System.out.println("  (loggers did not finish within 2 h; stopping them)");
        }
        simulation.close();
        SimulationStats stats = simulation.stats();
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
     * Waits (at most the store timeout) until the node has nothing left over from earlier work: no ready message in
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

    PrometheusText scrape() throws IOException, InterruptedException {
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
}
