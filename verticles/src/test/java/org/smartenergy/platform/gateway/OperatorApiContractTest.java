package org.smartenergy.platform.gateway;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.json.schema.OutputUnit;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIVersion;
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
import org.smartenergy.platform.gateway.http.OperatorApiContract;
import org.smartenergy.platform.gateway.http.OperatorRouter;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smartenergy.platform.gateway.GatewayHarness.await;

/**
 * The operator API and its OpenAPI 3.1 document agree: every route the router serves is documented and every
 * documented operation is routed; the document is served without a token and loads as OpenAPI 3.1; a request that
 * breaks the document where no handler checked is refused with 400 naming the parameter or field, after 401 and
 * 403, while the handlers' own messages and valid requests are unchanged.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class OperatorApiContractTest {

    private static final String DEVICE = "meter-1";
    private static final String FLAT_TARIFF = """
            {"id": "flat-1", "currency": "EUR", "zone": "Europe/Berlin", "billingCycle": {"anchorDay": 1},
             "energy": {"type": "flat", "pricePerKwh": "0.30"}}""";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private MongoServer mongoServer;
    private MongoClient mongo;
    private MongoDeviceRegistry devices;
    private MongoReadingStore store;
    private BillPorts ports;
    private GatewayOptions options;
    private GatewayVerticle gateway;
    private String admin;
    private String viewer;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        mongoServer = new MongoServer(new MemoryBackend());
        mongoServer.bind("127.0.0.1", 0);
        InetSocketAddress address = mongoServer.getLocalAddress();
        mongo = MongoClient.createShared(vertx, new JsonObject()
                .put("connection_string", "mongodb://127.0.0.1:" + address.getPort())
                .put("db_name", "contract-test")
                .put("serverSelectionTimeoutMS", 2_000), "contract-test-" + System.nanoTime());
        devices = new MongoDeviceRegistry(mongo);
        store = new MongoReadingStore(mongo, "usage_hours");
        TariffRepository tariffs = new TariffRepository(mongo);
        BillRepository bills = new BillRepository(mongo);
        await(devices.init().compose(v -> store.init()).compose(v -> tariffs.init()).compose(v -> bills.init()));
        ports = new BillPorts(new BillService(tariffs, bills, store, null, Clock.systemUTC(), Duration.ofHours(48)));
        options = GatewayOptions.withSecret(GatewayHarness.SECRET).withPorts(0, 0);
        gateway = new GatewayVerticle(OperatorRouter::serve,
                options, devices, store, ports, ports, new SimpleMeterRegistry());
        await(vertx.deployVerticle(gateway));
        admin = OperatorTokens.mint(vertx, GatewayHarness.SECRET, options.jwtIssuer(), "test-admin",
                List.of(OperatorTokens.ADMIN), Duration.ofMinutes(5));
        viewer = OperatorTokens.mint(vertx, GatewayHarness.SECRET, options.jwtIssuer(), "test-viewer",
                List.of(OperatorTokens.VIEWER), Duration.ofMinutes(5));
        assertThat(send("POST", "/api/v1/devices", admin, "{\"deviceId\": \"" + DEVICE + "\"}").statusCode())
                .isEqualTo(201);
    }

    @AfterEach
    void stop(Vertx vertx) throws Exception {
        try {
            await(vertx.undeploy(gateway.deploymentID()));
            await(mongo.close());
        } finally {
            mongoServer.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- routes and document agree

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedOperationIsRouted(Vertx vertx) throws Exception {
        // GIVEN the router the gateway serves (with tariffs and bills) and the document
        Router router = await(new OperatorRouter(vertx, OperatorTokens.provider(vertx, GatewayHarness.SECRET,
                options.jwtIssuer()), devices, (deviceId, change) -> { }, store, ports, ports, () -> true).router());
        OperatorApiContract contract = await(OperatorApiContract.load(vertx));

        // WHEN the operations of every route are listed
        Set<String> routed = new TreeSet<>();
        for (Route route : router.getRoutes()) {
            routed.addAll(OperatorApiContract.routeKeys(route));
        }

        // THEN the router and the document hold exactly the same operations, the public ones included
        assertThat(routed).contains("GET /health/live", "GET /api/v1/openapi.json", "POST /api/v1/tariffs",
                "GET /api/v1/devices/{id}/bills/{period}", "GET /api/v1/devices/{id}/bills/current");
        assertThat(contract.operationKeys()).containsExactlyElementsOf(routed);
    }

    @Test
    void routesAreNamedAsTheDocumentNamesThemColonParametersAndLiteralColonsIncluded(Vertx vertx) {
        // GIVEN routes written the ways Vert.x Web allows
        Router router = Router.router(vertx);
        Route parameter = router.get("/api/v1/devices/:id/bills/:period");
        Route literalColon = router.postWithRegex("/api/v1/devices:import");
        Route quoted = router.postWithRegex("\\Q/api/v1/devices:export\\E");
        Route pattern = router.getWithRegex("/api/v1/devices/[a-z]+");
        Route shared = router.route("/api/*");

        // THEN each is the document's "METHOD /path/{param}", and what is not one operation is none
        assertThat(OperatorApiContract.routeKeys(parameter)).containsExactly("GET /api/v1/devices/{id}/bills/{period}");
        assertThat(OperatorApiContract.routeKeys(literalColon)).containsExactly("POST /api/v1/devices:import");
        assertThat(OperatorApiContract.routeKeys(quoted)).containsExactly("POST /api/v1/devices:export");
        assertThat(OperatorApiContract.routeKeys(pattern)).isEmpty();
        assertThat(OperatorApiContract.routeKeys(shared)).isEmpty();
    }

    // ---------------------------------------------------------------- the document

    @Test
    void theDocumentIsServedWithoutATokenAndIsValidOpenApi31(Vertx vertx) throws Exception {
        // WHEN the document is fetched without a token
        HttpResponse<String> response = send("GET", OperatorRouter.OPENAPI_PATH, null, null);

        // THEN it is the resource, byte for byte, as JSON
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.body()).isEqualTo(resource());
        JsonObject served = new JsonObject(response.body());
        assertThat(served.getString("openapi")).startsWith("3.1.");

        // AND it passes the OpenAPI 3.1 schema, and vertx-openapi's loader compiles it with every operation
        OpenAPIVersion version = OpenAPIVersion.fromContract(served);
        assertThat(version).isEqualTo(OpenAPIVersion.V3_1);
        OutputUnit result = await(version.getRepository(vertx, "app://")
                .compose(repository -> version.validateContract(vertx, repository, served)));
        assertThat(result.getValid()).as(String.valueOf(result.getErrors())).isTrue();
        // (vertx-openapi 5.0.7 refuses request media types it cannot validate, such as the import's CSV and JSON
        // lines: the gateway loads the document without them and leaves those bodies to the handler)
        OpenAPIContract contract = await(OpenAPIContract.from(vertx, OperatorApiContract.loadableView(served)));
        assertThat(contract.operations()).hasSize(await(OperatorApiContract.load(vertx)).operationKeys().size());
    }

    // ---------------------------------------------------------------- validation

    @Test
    void aRequestBreakingTheDocumentWhereNoHandlerCheckedIs400NamingTheParameterOrField() throws Exception {
        // GIVEN a stored tariff
        assertThat(send("POST", "/api/v1/tariffs", admin, FLAT_TARIFF).statusCode()).isEqualTo(201);

        // WHEN a version below 1 is asked for THEN 400 naming the query parameter (it was a 404 before)
        assertBadRequest(send("GET", "/api/v1/tariffs/flat-1?version=0", viewer, null), "query parameter version");
        // WHEN a device id longer than any device's THEN 400 naming the path parameter
        assertBadRequest(send("GET", "/api/v1/devices/" + "m".repeat(65), viewer, null), "path parameter id");
        assertBadRequest(send("GET", "/api/v1/devices/" + "m".repeat(65) + "/bills", viewer, null),
                "path parameter id");
        // WHEN a body carries a field the operation does not know THEN 400 naming it, and nothing is created
        assertBadRequest(send("POST", "/api/v1/devices", admin, "{\"deviceId\": \"meter-9\", \"nmae\": \"typo\"}"),
                "nmae");
        assertThat(send("GET", "/api/v1/devices/meter-9", viewer, null).statusCode()).isEqualTo(404);
        // WHEN a pinned version below 1 is assigned THEN 400 naming the body field
        assertBadRequest(send("PUT", "/api/v1/devices/" + DEVICE + "/tariff", admin,
                "{\"tariffId\": \"flat-1\", \"version\": 0}"), "/version");
    }

    @Test
    void authenticationAndRolesAreCheckedBeforeTheDocument() throws Exception {
        String invalid = "/api/v1/devices/" + "m".repeat(65) + "/tariff";
        // WHEN an invalid request comes without a token THEN 401, with a viewer's token THEN 403, as before
        assertThat(send("PUT", invalid, null, "{\"tariffId\": \"flat-1\", \"extra\": 1}").statusCode()).isEqualTo(401);
        assertThat(send("PUT", invalid, viewer, "{\"tariffId\": \"flat-1\", \"extra\": 1}").statusCode())
                .isEqualTo(403);
        assertThat(send("GET", "/api/v1/tariffs/x?version=0", null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void whatTheHandlersCheckIsStillAnsweredWithTheirOwnMessages() throws Exception {
        // WHEN values break bounds the handlers check themselves THEN their messages, not the document's
        assertMessage(send("GET", "/api/v1/tariffs/flat-1?version=abc", viewer, null),
                "version must be a whole number");
        assertMessage(send("GET", "/api/v1/analytics/top-consumers?limit=0", viewer, null),
                "limit must be a whole number from 1 to 1000");
        assertMessage(send("GET", "/api/v1/devices/" + DEVICE + "/usage", viewer, null),
                "query parameters from, to (ISO-8601 instants) and step (hour|day) are required");
        assertMessage(send("GET", "/api/v1/devices/" + DEVICE + "/usage?from=2026-01-01T00:00:00Z"
                + "&to=2026-01-02T00:00:00Z&step=week", viewer, null), "step must be hour or day");
        assertMessage(send("GET", "/api/v1/devices/" + DEVICE + "/bills/99999-01", viewer, null),
                "the period must be yyyy-MM (the month its first day is in), or current");
        assertMessage(send("POST", "/api/v1/devices", admin, "{\"deviceId\": \"" + "m".repeat(65) + "\"}"),
                "deviceId must be a string of 1 to 64 characters");
        assertMessage(send("POST", "/api/v1/devices", admin, "{\"deviceId\": 5}"),
                "deviceId must be a string of 1 to 64 characters");
        assertMessage(send("POST", "/api/v1/devices", admin, "[1]"),
                "the body must be a JSON object ({\"deviceId\": ..., \"name\": ...}), was an array");
        assertMessage(send("DELETE", "/api/v1/devices/" + DEVICE + "/tariff?effectiveTo=later", admin, null),
                "effectiveTo must be an ISO-8601 instant such as \"2026-01-15T00:00:00Z\"");
        HttpResponse<String> tariff = send("POST", "/api/v1/tariffs", admin, FLAT_TARIFF.replace("\"EUR\"", "5"));
        assertThat(tariff.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(tariff.body()).getJsonArray("problems")).isNotEmpty();
    }

    @Test
    void validRequestsStillWork() throws Exception {
        // WHEN well-formed requests are sent THEN they are served
        HttpResponse<String> created = send("POST", "/api/v1/tariffs", admin, FLAT_TARIFF);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(send("GET", "/api/v1/tariffs/flat-1?version=1", viewer, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/v1/tariffs", viewer, null).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/api/v1/devices", admin, "{\"deviceId\": \"1.5\", \"name\": \"cellar\"}")
                .statusCode()).isEqualTo(201);
        assertThat(send("GET", "/api/v1/devices/1.5", viewer, null).statusCode()).isEqualTo(200);
        HttpResponse<String> assigned = send("PUT", "/api/v1/devices/" + DEVICE + "/tariff", admin,
                "{\"tariffId\": \"flat-1\", \"version\": 1}");
        assertThat(assigned.statusCode()).as(assigned.body()).isEqualTo(200);
        assertThat(send("GET", "/api/v1/devices/" + DEVICE + "/usage?from=2026-01-01T00:00:00Z"
                + "&to=2026-01-02T00:00:00Z&step=hour", viewer, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/v1/devices/" + DEVICE + "/bills/current", viewer, null).statusCode())
                .isEqualTo(200);
        assertThat(send("GET", "/api/v1/devices/" + DEVICE + "/bills", viewer, null).statusCode()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- helpers

    private static void assertBadRequest(HttpResponse<String> response, String named) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonObject body = new JsonObject(response.body());
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("error", "message");
        assertThat(body.getString("error")).isEqualTo("bad_request");
        assertThat(body.getString("message")).contains(named);
    }

    private static void assertMessage(HttpResponse<String> response, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(new JsonObject(response.body()).getString("message")).isEqualTo(message);
    }

    private static String resource() throws Exception {
        try (InputStream in = OperatorApiContract.class.getClassLoader()
                .getResourceAsStream(OperatorApiContract.RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<String> send(String method, String path, String jwt, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(10));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (jwt != null) {
            request.header("Authorization", "Bearer " + jwt);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
