package org.smartenergy.platform.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * A parsed Prometheus text exposition (format 0.0.4, what {@code /metrics} serves): the samples, enough for the
 * benchmark to read counters and histogram buckets. Comment lines ({@code # HELP}, {@code # TYPE}) are skipped;
 * timestamps after the value are ignored.
 */
final class PrometheusText {

    /** One sample line: series name, labels, value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    /**
     * @throws IllegalArgumentException on a line that is not a sample
     */
    static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            samples.add(parseLine(line));
        }
        return new PrometheusText(samples);
    }

    /** @return every sample, in exposition order */
    List<Sample> samples() {
        return samples;
    }

    /** @return the sum of the values of every series named {@code name} (all label sets), empty if there is none */
    OptionalDouble sum(String name) {
        double sum = 0;
        boolean found = false;
        for (Sample s : samples) {
            if (s.name.equals(name)) {
                sum += s.value;
                found = true;
            }
        }
        return found ? OptionalDouble.of(sum) : OptionalDouble.empty();
    }

    /** @return the largest value of the series named {@code name}, empty if there is none */
    OptionalDouble max(String name) {
        return samples.stream().filter(s -> s.name.equals(name)).mapToDouble(Sample::value).max();
    }

    /**
     * @param histogram the histogram's base name, without {@code _bucket}
     * @return cumulative bucket counts by upper bound ({@code le}; {@code +Inf} as {@link Double#POSITIVE_INFINITY}),
     * summed over the other labels; empty if the histogram is not exported
     */
    NavigableMap<Double, Double> buckets(String histogram) {
        NavigableMap<Double, Double> buckets = new TreeMap<>();
        String name = histogram + "_bucket";
        for (Sample s : samples) {
            String le = s.labels.get("le");
            if (s.name.equals(name) && le != null) {
                buckets.merge(parseValue(le), s.value, Double::sum);
            }
        }
        return buckets;
    }

    static Sample parseLine(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && !Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        String name = line.substring(0, i);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("not a sample line: " + line);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                while (i < line.length() && (line.charAt(i) == ',' || line.charAt(i) == ' ')) {
                    i++;
                }
                if (i >= line.length()) {
                    throw new IllegalArgumentException("unterminated labels: " + line);
                }
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("bad label: " + line);
                }
                String key = line.substring(i, eq).strip();
                StringBuilder value = new StringBuilder();
                i = eq + 2;
                while (true) {
                    if (i >= line.length()) {
                        throw new IllegalArgumentException("unterminated label value: " + line);
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\' && i < line.length()) {
                        char e = line.charAt(i++);
                        value.append(e == 'n' ? '\n' : e);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
            }
        }
        String[] rest = line.substring(i).strip().split("\\s+");
        if (rest.length == 0 || rest[0].isEmpty()) {
            throw new IllegalArgumentException("sample without value: " + line);
        }
        return new Sample(name, labels, parseValue(rest[0]));
    }

    static double parseValue(String text) {
        return switch (text) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }
}
