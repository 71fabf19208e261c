package org.smartenergy.platform.gateway;

import org.smartenergy.platform.gateway.http.OperatorRouter;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.billing.MongoReadingStore;
import org.smartenergy.platform.billing.bills.BillPorts;
import org.smartenergy.platform.billing.bills.BillRepository;
import org.smartenergy.platform.billing.bills.BillService;
import org.smartenergy.platform.billing.bills.TariffRepository;
import org.smartenergy.platform.device.MongoDeviceRegistry;
import org.smartenergy.platform.gateway.http.JsonBodies;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smartenergy.platform.gateway.GatewayHarness.await;

/**
 * The operator API under hostile input: decimals that would expand to billions of digits, bodies over the limit,
 * malformed JSON and percent-encoding, the wrong content type. Each is answered with its status and the JSON error
 * shape {@code {"error", "message"[, "problems"]}} naming the field, and nothing is stored. Requests go over a raw
 * socket, so what the server does with the connection is seen too.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class OperatorApiHostileInputTest {

    private static final String TARIFFS = "/api/v1/tariffs";

    private MongoServer mongoServer;
    private MongoClient mongo;
    private GatewayVerticle gateway;
    private NetClient net;
    private String admin;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        mongoServer = new MongoServer(new MemoryBackend());
        mongoServer.bind("127.0.0.1", 0);
        InetSocketAddress address = mongoServer.getLocalAddress();
        mongo = MongoClient.createShared(vertx, new JsonObject()
                .put("connection_string", "mongodb://127.0.0.1:" + address.getPort())
                .put("db_name", "hostile-test")
                .put("serverSelectionTimeoutMS", 2_000), "hostile-test-" + System.nanoTime());
        MongoDeviceRegistry devices = new MongoDeviceRegistry(mongo);
        MongoReadingStore store = new MongoReadingStore(mongo, "usage_hours");
        TariffRepository tariffs = new TariffRepository(mongo);
        BillRepository bills = new BillRepository(mongo);
        await(devices.init().compose(v -> store.init()).compose(v -> tariffs.init()).compose(v -> bills.init()));
        BillService billing = new BillService(tariffs, bills, store, null, Clock.systemUTC(), Duration.ofHours(48));
        GatewayOptions options = GatewayOptions.withSecret(GatewayHarness.SECRET).withPorts(0, 0);
        BillPorts ports = new BillPorts(billing);
        gateway = new GatewayVerticle(OperatorRouter::serve,
                options, devices, store, ports, ports, new SimpleMeterRegistry());
        await(vertx.deployVerticle(gateway));
        net = vertx.createNetClient();
        admin = OperatorTokens.mint(vertx, GatewayHarness.SECRET, options.jwtIssuer(), "test-admin",
                List.of(OperatorTokens.ADMIN), Duration.ofMinutes(5));
    }

    @AfterEach
    void stop(Vertx vertx) throws Exception {
        try {
            await(net.close());
            await(vertx.undeploy(gateway.deploymentID()));
            await(mongo.close());
        } finally {
            mongoServer.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- huge and over-precise decimals

    @Test
    void aPriceWithAHugeExponentIsRefusedNamingTheFieldAndTheBoundAndNothingIsStored() throws Exception {
        // GIVEN the 240-byte tariff whose price would expand to a billion digits
        // WHEN it is posted THEN 400, the problem names the JSON path and the bound, and no tariff exists
        Response response = postTariff(flat("\"1E+999999999\""));

        assertTariffRefused(response, "energy.pricePerKwh must have at most 12 digits before the decimal point and"
                + " 10 after it, was 1E+999999999");
    }

    @Test
    void aPriceWrittenWith401DigitsIsRefusedBeforeItIsParsedAsTextAndBySizeAsANumber() throws Exception {
        String digits = "9".repeat(401);

        assertTariffRefused(postTariff(flat("\"" + digits + "\"")),
                "energy.pricePerKwh must be a decimal of at most 40 characters, was 401 characters");
        assertTariffRefused(postTariff(flat(digits)),
                "energy.pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was a number of 401 digits");
    }

    @Test
    void exponentsBeyondTheBoundsInEitherDirectionAreRefused() throws Exception {
        assertTariffRefused(postTariff(flat("\"1E+100000\"")),
                "energy.pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was 1E+100000");
        // a negative scale just past the bound: 10^12 has 13 integer digits
        assertTariffRefused(postTariff(flat("\"1E+12\"")),
                "energy.pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was 1E+12");
        // the most negative scale a BigDecimal has (precision - scale overflows an int)
        assertTariffRefused(postTariff(flat("\"1E+2147483647\"")),
                "energy.pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was 1E+2147483647");
        assertTariffRefused(postTariff(flat("\"1E-999999999\"")),
                "energy.pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was 1E-999999999");
        assertTariffRefused(postTariff(flat("\"0E+999999999\"")),
                "energy.pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was 0E+999999999");
        // a JSON number with a huge exponent is a double (infinity) for the parser: refused as inexact
        assertTariffRefused(postTariff(flat("1E+999999999")),
                "energy.pricePerKwh must be a decimal string such as \"0.25\" (a JSON number with a fraction or an"
                        + " exponent is binary floating point, not exact), was Infinity");
    }

    @Test
    void boundsApplyToEveryDecimalOfATariffAndEachIsNamedByItsPath() throws Exception {
        // GIVEN a tiered tariff with an over-long threshold, a rider, standing charge, demand price and tax out of bounds
        JsonObject tariff = new JsonObject(base().replace("ENERGY", """
                {"type": "tiered", "tiers": [{"upToKwh": "1E+20", "pricePerKwh": "0.1"},
                                             {"pricePerKwh": "0.12345678901"}]}"""))
                .put("riders", new JsonArray().add(new JsonObject().put("name", "levy").put("pricePerKwh", "-1E+13")))
                .put("standingChargePerDay", "1E+999999999")
                .put("demand", new JsonObject().put("price", "1E-20").put("basis", "PER_KW"))
                .put("taxes", new JsonArray().add(new JsonObject().put("name", "VAT").put("percent", "150")));

        Response response = postTariff(tariff.encode());

        assertThat(response.status).isEqualTo(400);
        assertThat(problems(response)).contains(
                "energy.tiers[0].upToKwh must have at most 12 digits before the decimal point and 6 after it,"
                        + " was 1E+20",
                "energy.tiers[1].pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was 0.12345678901",
                "riders[0].pricePerKwh must have at most 12 digits before the decimal point and 10 after it,"
                        + " was -1E+13",
                "standingChargePerDay must have at most 12 digits before the decimal point and 10 after it,"
                        + " was 1E+999999999",
                "demand.price must have at most 12 digits before the decimal point and 10 after it, was 1E-20",
                "taxes[0].percent must be 0 to 100, was 150");
        assertNothingStored();
    }

    @Test
    void aTariffWithAnInvalidCurrencyAndZoneGetsItsOtherProblemsNamedToo() throws Exception {
        JsonObject tariff = new JsonObject(base().replace("ENERGY", """
                {"type": "tiered", "tiers": [{"upToKwh": "300", "pricePerKwh": "0.1"},
                                             {"upToKwh": "100", "pricePerKwh": "-0.2"},
                                             {"pricePerKwh": "0.3"}]}"""))
                .put("currency", "EURO").put("zone", "Mars/Olympus").put("standingChargePerDay", "-1")
                .put("billingCycle", new JsonObject().put("anchorDay", 31));

        Response response = postTariff(tariff.encode());

        assertThat(response.status).isEqualTo(400);
        assertThat(problems(response)).containsExactlyInAnyOrder(
                "currency 'EURO' is unknown or malformed: expected an ISO 4217 currency code",
                "zone 'Mars/Olympus' is unknown or malformed: expected an IANA time zone",
                "billing cycle anchor day must be 1 to 28, was 31",
                "tier 2 price must not be negative, was -0.2 (use a rider for a credit)",
                "tier thresholds out of order: tier 2 (100 kWh) must be above tier 1 (300 kWh)",
                "standing charge per day must not be negative, was -1");
        assertThat(response.json().getString("message")).isEqualTo("the tariff is invalid: 6 problem(s)");
        assertNothingStored();
    }

    @Test
    void aTariffIdThatCannotGoIntoAPathOrHeaderIsRefusedBeforeAnythingIsStored() throws Exception {
        for (String id : List.of("a\r\nSet-Cookie: x=y", "a/b", "x".repeat(129))) {
            JsonObject tariff = new JsonObject(flat("\"0.25\"")).put("id", id);

            Response response = postTariff(tariff.encode());

            assertThat(response.status).as(id).isEqualTo(400);
            assertThat(problems(response)).as(id).containsExactly(
                    "id must be 1 to 128 characters without control characters, '/', '?', '#' or '%'");
            assertNothingStored();
        }
    }

    // ---------------------------------------------------------------- bodies

    @Test
    void aBodyDeclaredLargerThanTheLimitIs413AndTheConnectionIsClosed() throws Exception {
        // GIVEN a keep-alive request announcing a tariff body over 256 KiB, the body not sent
        String request = "POST " + TARIFFS + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + admin
                + "\r\nContent-Type: application/json\r\nContent-Length: " + (JsonBodies.MAX_TARIFF_BODY_BYTES + 1)
                + "\r\n\r\n";

        // WHEN it is sent THEN 413 in the JSON shape, Connection: close, and the server closes the connection
        Response response = exchange(request);

        assertThat(response.status).isEqualTo(413);
        assertThat(response.json().getString("error")).isEqualTo("payload_too_large");
        assertThat(response.json().getString("message")).isEqualTo("the body may be at most 262144 bytes");
        assertThat(response.headers.get("connection")).isEqualTo("close");
        assertNothingStored();
    }

    @Test
    void aChunkedBodyGrowingPastTheLimitIs413AndTheConnectionIsClosed() throws Exception {
        // GIVEN a keep-alive device creation whose chunked body is 20 KiB (the limit is 16 KiB)
        String chunk = "x".repeat(20 * 1024);
        String request = "POST /api/v1/devices HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + admin
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n";

        Response response = exchange(request);

        assertThat(response.status).isEqualTo(413);
        assertThat(response.json().getString("error")).isEqualTo("payload_too_large");
        assertThat(response.json().getString("message")).isEqualTo("the body may be at most 16384 bytes");
        assertThat(response.headers.get("connection")).isEqualTo("close");
    }

    @Test
    void malformedJsonArraysAndScalarsAreRefusedWithTheReason() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("{\"id\": ", "the body must be a JSON object (a tariff), it is not valid JSON: ");
        expected.put("[1, 2]", "the body must be a JSON object (a tariff), was an array");
        expected.put("42", "the body must be a JSON object (a tariff), was a number");
        expected.put("\"tariff\"", "the body must be a JSON object (a tariff), was a string");
        expected.put("null", "the body must be a JSON object (a tariff), was null");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Response response = postTariff(e.getKey());
            assertThat(response.status).as(e.getKey()).isEqualTo(400);
            assertThat(response.json().getString("error")).as(e.getKey()).isEqualTo("bad_request");
            assertThat(response.json().getString("message")).as(e.getKey()).startsWith(e.getValue());
        }
        Response device = exchange(request("POST", "/api/v1/devices", "application/json", "[\"meter-9\"]"));
        assertThat(device.status).isEqualTo(400);
        assertThat(device.json().getString("message"))
                .isEqualTo("the body must be a JSON object ({\"deviceId\": ..., \"name\": ...}), was an array");
        assertNothingStored();
    }

    @Test
    void aBodyThatIsNotDeclaredAsJsonIs415() throws Exception {
        Response response = exchange(request("POST", TARIFFS, "text/plain", flat("\"0.25\"")));

        assertThat(response.status).isEqualTo(415);
        assertThat(response.json().getString("error")).isEqualTo("unsupported_media_type");
        assertThat(response.json().getString("message"))
                .isEqualTo("the body must be JSON (Content-Type: application/json), was text/plain");
        assertNothingStored();
    }

    // ---------------------------------------------------------------- paths and query parameters

    @Test
    void aMalformedPercentEncodingInThePathIs400InTheJsonShapeAndLogsNoError() throws Exception {
        // GIVEN every log event of the node recorded
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events =
                new ch.qos.logback.core.read.ListAppender<>();
        events.start();
        root.addAppender(events);
        try {
            for (String path : List.of("/api/v1/devices/%ZZ", "/api/v1/tariffs/%ZZ", "/api/v1/devices/%E0%A4%A")) {
                // WHEN a path with a broken escape is requested
                Response response = exchange(request("GET", path, null, null));
                // THEN 400 in the JSON error shape
                assertThat(response.status).as(path).isEqualTo(400);
                assertThat(response.headers.get("content-type")).as(path).isEqualTo("application/json");
                assertThat(response.json().getString("error")).as(path).isEqualTo("bad_request");
                assertThat(response.json().getString("message")).as(path).isNotBlank();
            }
        } finally {
            root.detachAppender(events);
        }
        // AND nothing was logged at ERROR
        assertThat(events.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR)
                .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).isEmpty();
    }

    @Test
    void queriesOutsideTheRepresentableRangeAndMalformedPeriodsAre400() throws Exception {
        for (String path : List.of(
                "/api/v1/devices/meter-1/usage?from=-1000000000-01-01T00:00:00Z&to=+1000000000-12-31T00:00:00Z&step=day",
                "/api/v1/devices/meter-1/usage?from=+1000000000-12-30T00:00:00Z&to=+1000000000-12-31T23:59:59Z&step=day",
                "/api/v1/devices/meter-1/bills/+999999999-12",
                "/api/v1/devices/meter-1/bills/99999-01",
                "/api/v1/tariffs/x?version=99999999999999999999")) {
            Response response = exchange(request("GET", path, null, null));
            assertThat(response.status).as(path + " " + response.body).isEqualTo(400);
            assertThat(response.json().getString("error")).as(path).isEqualTo("bad_request");
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String base() {
        return """
                {"id": "hostile", "version": 1, "currency": "EUR", "zone": "Europe/Berlin",
                 "billingCycle": {"anchorDay": 1}, "energy": ENERGY}""";
    }

    /** A flat tariff whose price is the raw JSON text {@code price}. */
    private static String flat(String price) {
        return base().replace("ENERGY", "{\"type\": \"flat\", \"pricePerKwh\": " + price + "}");
    }

    private Response postTariff(String body) throws Exception {
        return exchange(request("POST", TARIFFS, "application/json", body));
    }

    private void assertTariffRefused(Response response, String problem) throws Exception {
        assertThat(response.status).as(response.body).isEqualTo(400);
        assertThat(response.json().getString("error")).isEqualTo("bad_request");
        assertThat(problems(response)).contains(problem);
        assertNothingStored();
    }

    private static List<String> problems(Response response) {
        JsonArray problems = response.json().getJsonArray("problems");
        assertThat(problems).as(response.body).isNotNull();
        return problems.stream().map(String.class::cast).toList();
    }

    private void assertNothingStored() throws Exception {
        assertThat(await(mongo.count("tariffs", new JsonObject()))).isZero();
    }

    /** A request with {@code Connection: close}, so that the server's closing ends the exchange. */
    private String request(String method, String path, String contentType, String body) {
        StringBuilder r = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: localhost\r\n")
                .append("Authorization: Bearer ").append(admin).append("\r\nConnection: close\r\n");
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (contentType != null) {
            r.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (body != null) {
            r.append("Content-Length: ").append(bytes.length).append("\r\n");
        }
        return r.append("\r\n").append(body == null ? "" : body).toString();
    }

    /** Sends raw bytes and reads until the server closes the connection. */
    private Response exchange(String request) throws Exception {
        NetSocket socket = await(net.connect(gateway.httpPort(), "127.0.0.1"));
        Buffer received = Buffer.buffer();
        Promise<Void> closed = Promise.promise();
        socket.handler(received::appendBuffer);
        socket.closeHandler(v -> closed.tryComplete());
        await(socket.write(Buffer.buffer(request.getBytes(StandardCharsets.UTF_8))));
        // a server that kept the connection open would make this fail (GatewayHarness.await waits 20 s at most)
        await(closed.future());
        return Response.parse(received.toString(StandardCharsets.UTF_8));
    }

    private record Response(int status, Map<String, String> headers, String body) {
        static Response parse(String raw) {
            int headEnd = raw.indexOf("\r\n\r\n");
            assertThat(headEnd).as("a complete HTTP response: " + raw).isPositive();
            String[] lines = raw.substring(0, headEnd).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            return new Response(status, headers, raw.substring(headEnd + 4));
        }

        JsonObject json() {
            return new JsonObject(body);
        }
    }
}
