package org.smartenergy.platform.billing;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.mongo.MongoClient;
import org.smartenergy.platform.domain.MeterReading;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A program (not a test) that stores batches shaped like the bench's scenarios through a {@link ReadingStore} on
 * an in-process mongo-java-server {@code MemoryBackend}, the store {@code deploy/bench.sh} uses, and prints
 * readings/s: fast iteration on the store alone, without the gateway, ingestion and broker.
 *
 * <p>Run: {@code java -cp <test classpath> org.smartenergy.platform.billing.ReadingStoreMicroBench [rounds]}.
 * Scenarios: {@code dense} (8 devices x 10,000 one-minute readings, batches of 500 holding 62 consecutive readings of
 * each device: backfill) and {@code sparse} (2,000 devices x 40 one-minute readings, batches of 500 holding 2
 * consecutive readings of 250 devices: fleet); {@value #IN_FLIGHT} batches in flight, like billing's prefetch.
 */
public final class ReadingStoreMicroBench {

    private static final int IN_FLIGHT = 16;
    private static final long START = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();

    private ReadingStoreMicroBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        MongoServer server = new MongoServer(new MemoryBackend());
        InetSocketAddress address = server.bind();
        Vertx vertx = Vertx.vertx();
        MongoSettings settings = new MongoSettings("mongodb://127.0.0.1:" + address.getPort()
                + "/?w=majority&journal=true", "bench", 60_000, 60_000);
        MongoClient mongo = MongoClient.create(vertx, settings.toClientConfig());
        try {
            for (int round = 0; round < rounds; round++) {
                for (String scenario : List.of("dense", "sparse")) {
                  for (String kind : ordered(kinds(), round)) {
                    String collection = "usage_hours_" + round + "_" + scenario + "_" + kind;
                    ReadingStore store = create(kind, mongo, collection);
                    List<List<MeterReading>> batches = scenario.equals("dense")
                            ? batches("d" + round + kind, 8, 10_000, 62) : batches("s" + round + kind, 2_000, 40, 2);
                    await(store.init());
                    int total = batches.stream().mapToInt(List::size).sum();
                    long t0 = System.nanoTime();
                    await(run(vertx, store, batches));
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    System.out.printf("round %d %-6s %-20s %,d readings in %.2f s: %,.0f readings/s%n", round,
                            scenario, kind, total, seconds, total / seconds);
                  }
                }
            }
        } finally {
            mongo.close();
            vertx.close();
            server.shutdownNow();
        }
    }

    /** MongoReadingStore, and a class BaselineReadingStore(MongoClient, String) if one is on the class path (A/B). */
    private static List<String> kinds() {
        try {
            Class.forName(ReadingStoreMicroBench.class.getPackageName() + ".BaselineReadingStore");
            return List.of("BaselineReadingStore", "MongoReadingStore");
        } catch (ClassNotFoundException e) {
            return List.of("MongoReadingStore");
        }
    }

    /** Every other round in the reverse order, so neither store always runs first (JIT, heap). */
    private static List<String> ordered(List<String> kinds, int round) {
        List<String> copy = new ArrayList<>(kinds);
        if (round % 2 == 1) {
            java.util.Collections.reverse(copy);
        }
        return copy;
    }

    private static ReadingStore create(String kind, MongoClient mongo, String collection) throws Exception {
        if (kind.equals("MongoReadingStore")) {
            return new MongoReadingStore(mongo, collection);
        }
        return (ReadingStore) Class.forName(ReadingStoreMicroBench.class.getPackageName() + "." + kind)
                .getConstructor(MongoClient.class, String.class).newInstance(mongo, collection);
    }

    /** Batches of devices x perDevice readings: each batch takes {@code run} consecutive readings of each device. */
    private static List<List<MeterReading>> batches(String prefix, int devices, int perDevice, int run) {
        int devicesPerBatch = Math.max(1, 500 / run);
        List<List<MeterReading>> batches = new ArrayList<>();
        for (int firstDevice = 0; firstDevice < devices; firstDevice += devicesPerBatch) {
            for (int from = 0; from < perDevice; from += run) {
                List<MeterReading> batch = new ArrayList<>();
                for (int d = firstDevice; d < Math.min(devices, firstDevice + devicesPerBatch); d++) {
                    for (int i = from; i < Math.min(perDevice, from + run); i++) {
                        batch.add(new MeterReading(prefix + "-" + d, Instant.ofEpochMilli(START + i * 60_000L),
                                1000L + i, i, 60));
                    }
                }
                batches.add(batch);
            }
        }
        return batches;
    }

    private static Future<Void> run(Vertx vertx, ReadingStore store, List<List<MeterReading>> batches) {
        Promise<Void> done = Promise.promise();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger running = new AtomicInteger();
        BiFunction<Integer, Object, Void>[] step = new BiFunction[1];
        step[0] = (ignored, o) -> {
            int i = next.getAndIncrement();
            if (i >= batches.size()) {
                if (running.get() == 0) {
                    done.tryComplete();
                }
                return null;
            }
            running.incrementAndGet();
            store.store(batches.get(i)).onComplete(ar -> {
                running.decrementAndGet();
                if (ar.failed()) {
                    done.tryFail(ar.cause());
                }
                step[0].apply(0, null);
            });
            return null;
        };
        vertx.runOnContext(v -> {
            for (int k = 0; k < IN_FLIGHT; k++) {
                step[0].apply(0, null);
            }
        });
        return done.future();
    }

    private static <T> T await(Future<T> future) throws Exception {
        CompletableFuture<T> cf = future.toCompletionStage().toCompletableFuture();
        return cf.get();
    }
}
