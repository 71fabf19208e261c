package org.smartenergy.platform.bench;

import org.smartenergy.platform.bench.IngestBenchmark.Result;
import org.smartenergy.platform.bench.IngestBenchmark.Scenario;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The benchmark's output: a line per round, medians over the rounds, the Markdown summary (moved out of
 * {@link IngestBenchmark}). */
final class BenchReport {

    private BenchReport() {
    }

    static String line(Result r) {
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

    static void printMedians(String scenario, List<Result> results) {
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

    static double median(List<Result> results, String scenario, String server, ToDoubleFunction<Result> figure) {
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

    static String markdown(Map<String, Scenario> ran, List<Result> results, String label, int rounds) {
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
}
