package org.smartenergy.platform.analytics;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.mongo.MongoClient;
import org.smartenergy.platform.billing.MongoReadingStore;
import org.smartenergy.platform.billing.MongoSettings;
import org.smartenergy.platform.domain.MeterReading;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A program (not a test) that times {@link UsageAnalytics#summarize} and {@link SilentDevices}'s count on an
 * in-process mongo-java-server {@code MemoryBackend} (the store {@code deploy/bench.sh} uses) holding hour documents
 * shaped like a benchmark run's: {@code devices} (first argument, default 1,000) devices with a reading a minute for
 * 24 hours of the summarized day, plus 8 devices back-filled over the 13 days before it. A refresh's time is how
 * long a mongo-java-server worker thread is busy with it (and, on a 2-core machine, what storage loses meanwhile).
 *
 * <p>Run: {@code java -cp <test classpath> org.smartenergy.platform.analytics.AnalyticsMicroBench [devices] [rounds]}.
 */
public final class AnalyticsMicroBench {

    private static final String DAY = "2026-11-14";
    private static final long DAY_START = Instant.parse(DAY + "T00:00:00Z").toEpochMilli();

    private AnalyticsMicroBench() {
    }

    public static void main(String[] args) throws Exception {
        int devices = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        MongoServer server = new MongoServer(new MemoryBackend());
        InetSocketAddress address = server.bind();
        Vertx vertx = Vertx.vertx();
        MongoSettings settings = new MongoSettings("mongodb://127.0.0.1:" + address.getPort(), "bench", 60_000,
                60_000);
        MongoClient mongo = MongoClient.create(vertx, settings.toClientConfig());
        try {
            MongoReadingStore store = new MongoReadingStore(mongo, "usage_hours");
            UsageAnalytics analytics = new UsageAnalytics(mongo, "usage_hours");
            SilentDevices silent = new SilentDevices(mongo, "usage_hours");
            await(store.init().compose(v -> analytics.init()));
            long t0 = System.nanoTime();
            int stored = 0;
            for (int d = 0; d < devices; d++) {
                stored += storeMinutes(store, "day-" + d, DAY_START, 24 * 60);
            }
            for (int d = 0; d < 8; d++) {
                stored += storeMinutes(store, "backfill-" + d, DAY_START - 13 * 86_400_000L, 13 * 24 * 60);
            }
            System.out.printf("stored %,d readings (%,d hour documents of the day) in %.1f s%n", stored,
                    devices * 24, (System.nanoTime() - t0) / 1e9);
            for (int round = 0; round < rounds; round++) {
                long s0 = System.nanoTime();
                DaySummary summary = await(analytics.summarize(DAY, 10));
                double summarizeMs = (System.nanoTime() - s0) / 1e6;
                long c0 = System.nanoTime();
                Object count = await(silent.count(Instant.ofEpochMilli(DAY_START + 86_400_000L), 4));
                double silentMs = (System.nanoTime() - c0) / 1e6;
                System.out.printf("round %d summarize %.0f ms (energy %,d MWh, %d active) | silent count %.0f ms (%s)%n",
                        round, summarizeMs, summary.energyMwh(), summary.activeDevices(), silentMs, count);
            }
        } finally {
            mongo.close();
            vertx.close();
            server.shutdownNow();
        }
    }

    /** Stores one reading a minute from {@code from}, in batches of an hour; @return readings stored. */
    private static int storeMinutes(MongoReadingStore store, String device, long from, int minutes) throws Exception {
        List<Future<?>> writes = new ArrayList<>();
        for (int start = 0; start < minutes; start += 60) {
            List<MeterReading> hour = new ArrayList<>(60);
            for (int i = start; i < Math.min(minutes, start + 60); i++) {
                hour.add(new MeterReading(device, Instant.ofEpochMilli(from + (i + 1) * 60_000L), 100 + i % 7, i, 60));
            }
            writes.add(store.store(hour));
        }
        await(Future.all(writes));
        return minutes;
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    }
}
