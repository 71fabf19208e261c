package org.smartenergy.platform.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;
import org.smartenergy.platform.domain.DeviceTokens;
import org.smartenergy.platform.gateway.DeviceAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static org.smartenergy.platform.gateway.http.HttpErrors.error;

/**
 * {@code POST /api/v1/devices:import} (admin): provisions up to {@value #MAX_ROWS} devices in one call, from JSON lines
 * ({@code application/x-ndjson} or {@code application/jsonl}: one {@code {"deviceId": ..., "name": ...}} per line) or
 * CSV ({@code text/csv}: the header {@code deviceId,name} or {@code deviceId}, then one device per line, RFC 4180
 * quoting, no line breaks inside a field). Blank lines are skipped; {@code row} is the 1-based number of a device
 * line (the CSV header is not a row).
 *
 * <p>Answers 200 with a result per row, in row order: {@code created} with the token (shown this once, only its
 * SHA-256 is stored), {@code exists} (the id is taken, or an earlier row of this import has it) or {@code invalid}
 * with a message; plus the {@code created} and {@code failed} counts. A body of more than {@value #MAX_ROWS} rows is
 * refused with 413 before anything is written; a missing or wrong header 400; another content type 415.
 *
 * <p>Parsing, token generation and hashing, and rendering the answer run on a worker thread (10,000 tokens and
 * up to 4 MiB of text would hold an event loop for tens of milliseconds); the devices are written in one unordered
 * bulk write ({@link DeviceAdmin#createAll}). If the store fails mid-way (503), some rows may have been created:
 * importing the same body again answers {@code exists} for those, whose tokens can then be rotated.
 */
final class DeviceImport {

    /** The route, literally. */
    static final String PATH = "/api/v1/devices:import";
    /** The route as a regex (a plain Vert.x path would read {@code :import} as a path parameter). */
    static final String PATH_REGEX = "/api/v1/devices:import";
    static final int MAX_ROWS = 10_000;
    /** 10,000 rows of the longest id and name fit. */
    static final long MAX_BODY_BYTES = 4L * 1024 * 1024;
    private static final Set<String> JSON_LINES = Set.of("application/x-ndjson", "application/jsonl");
    private static final String CSV = "text/csv";
    private static final Logger LOG = LoggerFactory.getLogger(DeviceImport.class);

    private final Vertx vertx;
    private final DeviceAdmin devices;

    DeviceImport(Vertx vertx, DeviceAdmin devices) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.devices = Objects.requireNonNull(devices, "devices");
    }

    /** One device line and what became of it. */
    private static final class Row {
        final int row;
        final Object deviceId;
        final String name;
        String status;
        String message;
        String token;
        String tokenHash;

        Row(int row, Object deviceId, String name) {
            this.row = row;
            this.deviceId = deviceId;
            this.name = name;
        }

        void invalid(String why) {
            status = "invalid";
            message = why;
        }
    }

    /** A parsed body: the rows, or why the whole body is refused. */
    private record Parsed(List<Row> rows, int status, String problem) {
    }

    void handle(RoutingContext ctx) {
        String type = mime(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE));
        boolean csv = CSV.equals(type);
        if (!csv && !JSON_LINES.contains(type)) {
            error(ctx, 415, "unsupported_media_type", "the body must be JSON lines (Content-Type: "
                    + "application/x-ndjson or application/jsonl) or CSV (text/csv), was " + HttpErrors.shorten(type));
            return;
        }
        Buffer body = ctx.body().buffer();
        if (body == null || body.length() == 0) {
            error(ctx, 400, "bad_request", "the body is empty: one device per line");
            return;
        }
        User operator = OperatorAuth.operator(ctx);
        vertx.executeBlocking(() -> parse(body.toString(StandardCharsets.UTF_8), csv), false)
                .compose(parsed -> {
                    if (parsed.problem() != null) {
                        error(ctx, parsed.status(), parsed.status() == 413 ? "payload_too_large" : "bad_request",
                                parsed.problem());
                        return Future.succeededFuture();
                    }
                    List<Row> rows = parsed.rows();
                    List<DeviceAdmin.NewDevice> fresh = new ArrayList<>();
                    for (Row row : rows) {
                        if (row.status == null) {
                            fresh.add(new DeviceAdmin.NewDevice((String) row.deviceId, row.name, row.tokenHash));
                        }
                    }
                    return devices.createAll(fresh)
                            .compose(taken -> vertx.executeBlocking(() -> render(rows, taken), false))
                            .onSuccess(answer -> {
                                LOG.info("devices imported [rows: {}, created: {}, failed: {}, operator: {}]",
                                        rows.size(), answer.getInteger("created"), answer.getInteger("failed"),
                                        operator.subject());
                                ctx.response().setStatusCode(200)
                                        .putHeader(HttpHeaders.CONTENT_TYPE, HttpErrors.JSON)
                                        .end(answer.toBuffer());
                            })
                            .mapEmpty();
                })
                .onFailure(ctx::fail);
    }

    private static String mime(String contentType) {
        return contentType == null ? null : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    }

    /** Runs on a worker: splits, counts, validates, and gives every valid new row a token. */
    static Parsed parse(String text, boolean csv) {
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
            text = text.substring(1);
        }
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        int header = csv ? 1 : 0;
        if (lines.size() - header > MAX_ROWS) {
            return new Parsed(null, 413, "at most " + MAX_ROWS + " devices per import, the body has "
                    + (lines.size() - header) + ": split it");
        }
        int columns = 0;
        if (csv) {
            List<String> names = lines.isEmpty() ? null : csvFields(lines.get(0));
            if (names == null || !(names.equals(List.of("deviceId")) || names.equals(List.of("deviceId", "name")))) {
                return new Parsed(null, 400, "a CSV import starts with the header line deviceId,name (or deviceId)");
            }
            columns = names.size();
        }
        if (lines.size() - header == 0) {
            return new Parsed(null, 400, "the body holds no device");
        }
        List<Row> rows = new ArrayList<>(lines.size() - header);
        Map<String, Integer> firstRow = new HashMap<>();
        for (int i = header; i < lines.size(); i++) {
            Row row = csv ? csvRow(i - header + 1, lines.get(i), columns) : jsonRow(i + 1, lines.get(i));
            if (row.status == null) {
                Integer earlier = firstRow.putIfAbsent((String) row.deviceId, row.row);
                if (earlier != null) {
                    row.status = "exists";
                    row.message = "row " + earlier + " of this import has the same deviceId";
                } else {
                    row.token = DeviceTokens.newToken();
                    row.tokenHash = DeviceTokens.hash(row.token);
                }
            }
            rows.add(row);
        }
        return new Parsed(rows, 200, null);
    }

    private static Row jsonRow(int number, String line) {
        Object value;
        try {
            value = Json.decodeValue(line);
        } catch (DecodeException e) {
            Row row = new Row(number, null, null);
            row.invalid("not valid JSON: " + HttpErrors.shorten(e.getMessage()));
            return row;
        }
        if (!(value instanceof JsonObject object)) {
            Row row = new Row(number, null, null);
            row.invalid("each line must be a JSON object {\"deviceId\": ..., \"name\": ...}");
            return row;
        }
        Object id = object.getValue("deviceId");
        Object name = object.getValue("name");
        Row row = new Row(number, id instanceof String ? id : null, name instanceof String n ? n : "");
        String problem = DeviceRoutes.deviceIdProblem(id);
        if (problem == null) {
            problem = DeviceRoutes.nameProblem(name);
        }
        if (problem != null) {
            row.invalid(problem);
        }
        return row;
    }

    private static Row csvRow(int number, String line, int columns) {
        List<String> fields = csvFields(line);
        if (fields == null || fields.size() != columns) {
            Row row = new Row(number, fields == null || fields.isEmpty() ? null : fields.get(0), null);
            row.invalid(fields == null ? "unbalanced quotes"
                    : "expected " + columns + " field(s), found " + fields.size());
            return row;
        }
        String name = columns > 1 ? fields.get(1) : "";
        Row row = new Row(number, fields.get(0), name);
        String problem = DeviceRoutes.deviceIdProblem(fields.get(0));
        if (problem == null) {
            problem = DeviceRoutes.nameProblem(name);
        }
        if (problem != null) {
            row.invalid(problem);
        }
        return row;
    }

    /** RFC 4180 fields of one line ({@code "a ""b"""} is {@code a "b"}), or null if a quote is not closed. */
    static List<String> csvFields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.isEmpty() && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            return null;
        }
        fields.add(field.toString());
        return fields;
    }

    /** Runs on a worker: the answer, tokens included. */
    private static JsonObject render(List<Row> rows, Set<String> taken) {
        JsonArray results = new JsonArray();
        int created = 0;
        for (Row row : rows) {
            if (row.status == null && taken.contains((String) row.deviceId)) {
                row.status = "exists";
                row.message = "device '" + row.deviceId + "' already exists";
            }
            JsonObject result = new JsonObject().put("row", row.row).put("deviceId", row.deviceId);
            if (row.status == null) {
                created++;
                result.put("status", "created").put("token", row.token);
            } else {
                result.put("status", row.status).put("message", row.message);
            }
            results.add(result);
        }
        return new JsonObject().put("results", results).put("created", created).put("failed", rows.size() - created);
    }
}
