package org.smartenergy.platform.analytics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.domain.Energy;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Platform-wide usage analytics of the current UTC day, recomputed every {@code analytics.refreshIntervalMs} from
 * the stored readings (so they are exact and every analytics node agrees): energy per hour, active devices, top-N
 * consumers (kept in a Redis sorted set) and the highest 15-minute demand. Exposed as Prometheus gauges without
 * per-device labels (the hour label has 24 values) and as JSON through {@link AnalyticsApi}.
 */
public final class AnalyticsVerticle extends VerticleBase {

    /** Gauge: energy of the day so far, kWh. */
    public static final String ENERGY_TODAY_METRIC = "energy.analytics.energy.today.kwh";
    /** Gauge, tag hour=00..23: energy per UTC hour of the day, kWh. */
    public static final String HOUR_ENERGY_METRIC = "energy.analytics.hour.energy.kwh";
    /** Gauge: devices with a stored reading today. */
    public static final String ACTIVE_DEVICES_METRIC = "energy.analytics.active.devices";
    /** Gauge: highest 15-minute average demand of the day, kW. */
    public static final String PEAK_DEMAND_METRIC = "energy.analytics.peak.demand.kw";
    /** Gauge: devices of {@link #RECENT_DEVICES_METRIC} silent for more than {@code silentAfterIntervals} intervals. */
    public static final String SILENT_DEVICES_METRIC = "energy.devices.silent";
    /** Gauge: devices with a reading stored for today or yesterday (UTC): those whose silence is measured. */
    public static final String RECENT_DEVICES_METRIC = "energy.devices.recent";

    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsVerticle.class);

    private final AnalyticsOptions options;
    private final UsageAnalytics analytics;
    private final SilentDevices silentDevices;
    private final RedisAPI redis;
    private final String keyPrefix;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final AtomicReference<DaySummary> current = new AtomicReference<>();
    private final AtomicReference<SilentDevices.Counts> silence = new AtomicReference<>(SilentDevices.Counts.NONE);
    private MessageConsumer<JsonObject> consumer;
    private long timerId = -1;
    private long silenceTimerId = -1;

    /**
     * @param silentDevices counts the meters that stopped reporting
     * @param redis         where the top consumers are kept as a sorted set
     * @param keyPrefix     prefix of the Redis keys ({@code billing.redisKeyPrefix})
     */
    public AnalyticsVerticle(AnalyticsOptions options, UsageAnalytics analytics, SilentDevices silentDevices,
                             RedisAPI redis, String keyPrefix, MeterRegistry metrics, Clock clock) {
        this.options = options;
        this.analytics = analytics;
        this.silentDevices = silentDevices;
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** @return the Redis sorted set of a day's top consumers (member: device id, score: kWh) */
    public String topKey(String day) {
        return keyPrefix + "analytics:top:" + day;
    }

    @Override
    public Future<?> start() {
        if (options == null || analytics == null || silentDevices == null || redis == null || keyPrefix == null
                || metrics == null || clock == null) {
            return Future.failedFuture(new IllegalStateException("AnalyticsVerticle needs options, usage analytics,"
                    + " silent devices, redis, a key prefix, metrics and a clock"));
        }
        Gauge.builder(ENERGY_TODAY_METRIC, current, ref -> kwh(ref, s -> s.energyMwh()))
                .description("Energy stored for the current UTC day, all devices, kWh").register(metrics);
        Gauge.builder(ACTIVE_DEVICES_METRIC, current, ref -> ref.get() == null ? 0 : ref.get().activeDevices())
                .description("Devices with at least one stored reading in the current UTC day").register(metrics);
        Gauge.builder(PEAK_DEMAND_METRIC, current, ref -> ref.get() == null ? 0 : ref.get().peakDemandKw())
                .description("Highest 15-minute average demand of the current UTC day, all devices, kW")
                .register(metrics);
        for (int h = 0; h < 24; h++) {
            int hour = h;
            Gauge.builder(HOUR_ENERGY_METRIC, current, ref -> kwh(ref, s -> s.hourMwh()[hour]))
                    .description("Energy stored per UTC hour of the current day, all devices, kWh")
                    .tag("hour", String.format(Locale.ROOT, "%02d", h))
                    .register(metrics);
        }
        Gauge.builder(SILENT_DEVICES_METRIC, silence, ref -> ref.get().silent())
                .description("Devices with a reading for today or yesterday (UTC) whose latest reading ended more than"
                        + " analytics.silentAfterIntervals of its intervals ago")
                .register(metrics);
        Gauge.builder(RECENT_DEVICES_METRIC, silence, ref -> ref.get().recent())
                .description("Devices with a reading stored for today or yesterday (UTC)").register(metrics);
        consumer = vertx.eventBus().consumer(AnalyticsApi.ADDRESS, this::answer);
        timerId = vertx.setPeriodic(options.refreshIntervalMs(), id -> refresh());
        silenceTimerId = vertx.setPeriodic(options.silenceCheckIntervalMs(), id -> countSilent());
        return consumer.completion()
                .compose(v -> analytics.init())
                .onSuccess(v -> {
                    LOG.info("analytics started [refresh: {} ms, topN: {}, silent after: {} intervals, silence check:"
                                    + " {} ms]", options.refreshIntervalMs(), options.topN(),
                            options.silentAfterIntervals(), options.silenceCheckIntervalMs());
                    refresh();
                    countSilent();
                });
    }

    @Override
    public Future<?> stop() {
        if (timerId != -1) {
            vertx.cancelTimer(timerId);
        }
        if (silenceTimerId != -1) {
            vertx.cancelTimer(silenceTimerId);
        }
        return consumer == null ? Future.succeededFuture() : consumer.unregister();
    }

    /** Recomputes the day's analytics; a failure keeps the previous figures and is retried at the next tick. */
    Future<DaySummary> refresh() {
        String day = LocalDate.now(clock.withZone(ZoneOffset.UTC)).toString();
        return analytics.summarize(day, options.topN())
                .onSuccess(summary -> {
                    current.set(summary);
                    publishTop(summary);
                })
                .onFailure(e -> LOG.warn("analytics refresh failed [day: {}]: {}", day, e.toString()));
    }

    /** Counts the silent devices; a failure keeps the previous counts and is retried at the next tick. */
    Future<SilentDevices.Counts> countSilent() {
        return silentDevices.count(clock.instant(), options.silentAfterIntervals())
                .onSuccess(silence::set)
                .onFailure(e -> LOG.warn("counting silent devices failed: {}", e.toString()));
    }

    private void publishTop(DaySummary summary) {
        String key = topKey(summary.day());
        if (summary.topConsumers().isEmpty()) {
            redis.del(List.of(key)).onFailure(e -> LOG.debug("clearing top consumers failed: {}", e.toString()));
            return;
        }
        // build the new set under a temporary key and swap it in, so readers never see a half-written ranking
        String tmp = key + ":next";
        List<String> zadd = new ArrayList<>();
        zadd.add(tmp);
        for (DaySummary.Consumer c : summary.topConsumers()) {
            zadd.add(Energy.toKwhExact(c.energyMwh()).toPlainString());
            zadd.add(c.deviceId());
        }
        redis.del(List.of(tmp))
                .compose(r -> redis.zadd(zadd))
                .compose(r -> redis.rename(tmp, key))
                .compose(r -> redis.expire(List.of(key, "172800")))
                .onFailure(e -> LOG.warn("writing top consumers to Redis failed [key: {}]: {}", key, e.toString()));
    }

    private void answer(Message<JsonObject> request) {
        JsonObject body = request.body() == null ? new JsonObject() : request.body();
        String query = body.getString("query", AnalyticsApi.QUERY_TODAY);
        Future<DaySummary> summary = current.get() != null ? Future.succeededFuture(current.get()) : refresh();
        if (AnalyticsApi.QUERY_TOP.equals(query)) {
            int limit = Math.max(1, Math.min(options.topN(), body.getInteger("limit", options.topN())));
            summary.compose(s -> topFromRedis(s, limit).recover(e -> {
                        LOG.debug("top consumers from Redis failed, answering from MongoDB: {}", e.toString());
                        return Future.succeededFuture(topJson(s, limit));
                    }))
                    .onSuccess(request::reply)
                    .onFailure(e -> request.fail(503, "analytics unavailable: " + e.getMessage()));
        } else {
            summary.map(AnalyticsVerticle::todayJson)
                    .onSuccess(request::reply)
                    .onFailure(e -> request.fail(503, "analytics unavailable: " + e.getMessage()));
        }
    }

    private Future<JsonObject> topFromRedis(DaySummary summary, int limit) {
        return redis.zrevrange(List.of(topKey(summary.day()), "0", Integer.toString(limit - 1), "WITHSCORES"))
                .map(response -> {
                    JsonArray consumers = new JsonArray();
                    List<String> flat = flatten(response);
                    for (int i = 0; i + 1 < flat.size(); i += 2) {
                        consumers.add(new JsonObject().put("deviceId", flat.get(i))
                                .put("kwh", new BigDecimal(flat.get(i + 1)).stripTrailingZeros().toPlainString()));
                    }
                    return new JsonObject().put("day", summary.day()).put("source", "redis")
                            .put("consumers", consumers);
                });
    }

    private static List<String> flatten(Response response) {
        List<String> out = new ArrayList<>();
        if (response == null) {
            return out;
        }
        for (Response item : response) {
            if (item.size() > 0 && item.type() == io.vertx.redis.client.ResponseType.MULTI) {
                for (Response nested : item) {
                    out.add(nested.toString());
                }
            } else {
                out.add(item.toString());
            }
        }
        return out;
    }

    private static JsonObject topJson(DaySummary s, int limit) {
        JsonArray consumers = new JsonArray();
        s.topConsumers().stream().limit(limit).forEach(c -> consumers.add(new JsonObject()
                .put("deviceId", c.deviceId()).put("kwh", kwhText(c.energyMwh()))));
        return new JsonObject().put("day", s.day()).put("source", "mongodb").put("consumers", consumers);
    }

    static JsonObject todayJson(DaySummary s) {
        JsonArray hours = new JsonArray();
        for (int h = 0; h < 24; h++) {
            hours.add(new JsonObject().put("hour", String.format(Locale.ROOT, "%02d", h))
                    .put("kwh", kwhText(s.hourMwh()[h])));
        }
        int peak = s.peakQuarter();
        JsonObject json = new JsonObject()
                .put("day", s.day())
                .put("energyKwh", kwhText(s.energyMwh()))
                .put("activeDevices", s.activeDevices())
                .put("peakDemandKw", BigDecimal.valueOf(s.peakDemandKw()).stripTrailingZeros().toPlainString())
                .put("hours", hours)
                .put("topConsumers", topJson(s, s.topConsumers().size()).getJsonArray("consumers"));
        if (peak >= 0) {
            json.put("peakDemandWindowStart", LocalDate.parse(s.day()).atStartOfDay(ZoneOffset.UTC)
                    .plusMinutes(15L * peak).toInstant().toString());
        }
        return json;
    }

    private static String kwhText(long mwh) {
        return Energy.toKwhExact(mwh).stripTrailingZeros().toPlainString();
    }

    private static double kwh(AtomicReference<DaySummary> ref, java.util.function.ToLongFunction<DaySummary> f) {
        DaySummary s = ref.get();
        return s == null ? 0.0 : f.applyAsLong(s) / (double) Energy.MWH_PER_KWH;
    }

}
