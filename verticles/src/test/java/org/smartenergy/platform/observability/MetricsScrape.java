package org.smartenergy.platform.observability;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a node's {@code /metrics} endpoint in the Prometheus text format. */
record MetricsScrape(String text) {

    private static final Pattern SAMPLE_NAME = Pattern.compile("^([a-zA-Z_:][\\w:]*)");

    static MetricsScrape of(int port) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(java.time.Duration.ofSeconds(5)).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + response.statusCode());
        }
        return new MetricsScrape(response.body());
    }

    private List<String> sampleLines() {
        return text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    /**
     * @return the names of the samples exported: what a query selects, so a histogram appears as its
     *     {@code _bucket}, {@code _count} and {@code _sum} series and a counter with its {@code _total} suffix
     */
    Set<String> sampleNames() {
        Set<String> names = new TreeSet<>();
        for (String line : sampleLines()) {
            Matcher m = SAMPLE_NAME.matcher(line);
            if (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** @return the values of the label on the samples of the metric */
    Set<String> labelValues(String sampleName, String label) {
        Pattern value = Pattern.compile("[{,]" + Pattern.quote(label) + "=\"([^\"]*)\"");
        Set<String> values = new TreeSet<>();
        for (String line : sampleLines()) {
            if (line.startsWith(sampleName + "{")) {
                Matcher m = value.matcher(line);
                if (m.find()) {
                    values.add(m.group(1));
                }
            }
        }
        return values;
    }
}
