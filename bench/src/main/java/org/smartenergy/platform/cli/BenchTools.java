package org.smartenergy.platform.cli;

import io.vertx.core.json.JsonObject;
import org.smartenergy.platform.bench.IngestBenchmark;
import org.smartenergy.platform.bench.LoggerSimulator;
import org.smartenergy.platform.bench.ReferenceServer;

import java.time.Duration;
import java.util.List;

/**
 * The tools' side of the launcher (registered in {@code META-INF/services}): the {@code simulate}, {@code bench} and
 * {@code bench-reference} commands, and the {@link LoggerSimulator} that {@code standalone} feeds the node with. It
 * lives in the tools jar, so the product's launcher never names {@code bench}.
 */
public final class BenchTools implements Tools {

    /** Unacknowledged readings per simulated logger in standalone mode. */
    private static final int STANDALONE_WINDOW = 256;

    @Override
    public List<Object> commands() {
        return List.of(new IngestBenchmark(), new LoggerSimulator(), new ReferenceServer());
    }

    @Override
    public AutoCloseable startSimulator(JsonObject sim, String grpcTarget, String httpUrl, String adminToken,
                                        String devicePrefix) throws Exception {
        return LoggerSimulator.start(new LoggerSimulator.Settings(grpcTarget, httpUrl, adminToken, devicePrefix,
                sim.getInteger("devices"), sim.getDouble("ratePerDevice"), sim.getLong("readingsPerDevice"), null,
                sim.getInteger("intervalSeconds"), STANDALONE_WINDOW, sim.getDouble("duplicatePercent"),
                sim.getDouble("outOfOrderPercent"), sim.getDouble("invalidPercent"),
                Duration.parse(sim.getString("backfill"))));
    }
}
