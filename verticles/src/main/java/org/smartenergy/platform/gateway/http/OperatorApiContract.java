package org.smartenergy.platform.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.json.schema.common.dsl.SchemaType;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.RequestBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.smartenergy.platform.gateway.http.HttpErrors.error;

/**
 * The operator API's OpenAPI 3.1 document ({@value #RESOURCE}) and the request validation it drives.
 *
 * <p>The document is loaded and compiled once ({@link #load}: vertx-openapi's contract loader checks it against the
 * OpenAPI 3.1 schema), served as is at {@code GET /api/v1/openapi.json}, and every request that passed
 * authentication and its route's role check is validated against the operation of the route the router matched
 * ({@link #validateThenNext}): its path, query, header and cookie parameters and its JSON body. A violation is a
 * 400 {@code bad_request} naming the parameter or the body location. A new route needs nothing but its path in the
 * document; a route missing from it is found by the consistency test, not at run time.
 *
 * <p>Keywords a schema (or a parameter, for {@code required}) lists in {@value #HANDLER_CHECKED} are left out of the
 * validation: the handler checks them itself with its own, documented message ({@code "*"}: the whole schema). So
 * the document stays exact for clients while no answer the API gave before changes. Bodies and parameters are
 * converted by the type the document gives them (a string parameter is never read as a number), not by
 * vertx-openapi's {@code RequestValidator}, which would re-decode values Vert.x Web already decoded and read
 * {@code "1.5"} as a number whatever the schema. Media types vertx-openapi cannot load (CSV, JSON lines) are left out
 * of the compiled contract and their bodies to their handler.
 */
public final class OperatorApiContract {

    /** Where the document lies on the class path. */
    public static final String RESOURCE = "openapi/operator-api.json";
    /** The extension listing the keywords of a schema or parameter that the handler checks instead. */
    public static final String HANDLER_CHECKED = "x-checked-by-handler";

    private static final Logger LOG = LoggerFactory.getLogger(OperatorApiContract.class);
    private static final String KEY = OperatorApiContract.class.getName();
    private static final Pattern JSON_NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    private final Buffer document;
    private final Map<String, OperationCheck> operations;

    private OperatorApiContract(Buffer document, Map<String, OperationCheck> operations) {
        this.document = document;
        this.operations = operations;
    }

    /**
     * Reads, checks and compiles the document (the blocking parts run on a worker, inside vertx-openapi).
     *
     * @return the contract, or fails with the reason the document is not a valid OpenAPI 3.1 document
     */
    public static Future<OperatorApiContract> load(Vertx vertx) {
        return vertx.fileSystem().readFile(RESOURCE)
                .compose(bytes -> OpenAPIContract.from(vertx, loadableView(bytes.toJsonObject()))
                        .map(contract -> new OperatorApiContract(bytes, compile(contract))));
    }

    /** @return the document exactly as written */
    public Buffer document() {
        return document;
    }

    /** @return every documented operation as {@code "METHOD /path/{param}"}, sorted */
    public Set<String> operationKeys() {
        return new TreeSet<>(operations.keySet());
    }

    /**
     * The operations a route serves, as {@code "METHOD /path/{param}"}: Vert.x {@code :param} segments become
     * {@code {param}}; a regular-expression route counts if its expression is a literal path (such as
     * {@code /api/v1/devices:import}, where a colon is not a parameter). Routes without a method or with a
     * wildcard path (shared handlers) serve none.
     */
    public static Set<String> routeKeys(Route route) {
        return RouteTemplates.operations(route);
    }

    /** Makes this contract available to {@link #validateThenNext} for the rest of the request. */
    void attach(RoutingContext ctx) {
        ctx.put(KEY, this);
        ctx.next();
    }

    /**
     * Validates the request against the operation of the route being run and continues, or answers 400. Called
     * once a request is authenticated and holds a role the route accepts, so 401 and 403 come first as before.
     */
    static void validateThenNext(RoutingContext ctx) {
        OperatorApiContract contract = ctx.get(KEY);
        if (contract == null) {
            ctx.next();
            return;
        }
        String problem = contract.problem(ctx);
        if (problem == null) {
            ctx.next();
        } else {
            LOG.debug("request refused by the OpenAPI document [method: {}, path: {}]: {}", ctx.request().method(),
                    HttpErrors.shorten(ctx.request().path()), problem);
            error(ctx, 400, "bad_request", problem);
        }
    }

    /** @return why the request breaks the document, or null if it does not (or no operation is documented) */
    String problem(RoutingContext ctx) {
        Route route = ctx.currentRoute();
        String template = route == null ? null : RouteTemplates.template(route);
        OperationCheck operation = template == null ? null
                : operations.get(ctx.request().method().name() + " " + template);
        if (operation == null) {
            LOG.debug("no documented operation for the route [method: {}, route: {}]", ctx.request().method(),
                    route == null ? null : route.getName());
            return null;
        }
        for (ParameterCheck parameter : operation.parameters()) {
            String problem = parameter.problem(ctx);
            if (problem != null) {
                return problem;
            }
        }
        return operation.body() == null ? null : bodyProblem(ctx, operation.body());
    }

    /**
     * A body that is empty, not JSON, or of a type other than JSON is left to the handler, which answers it with
     * its own message (see {@link JsonBodies}).
     */
    private static String bodyProblem(RoutingContext ctx, Validator body) {
        if (ctx.body() == null || ctx.body().length() <= 0) {
            return null;
        }
        Object value;
        try {
            value = Json.decodeValue(ctx.body().buffer());
        } catch (DecodeException e) {
            return null;
        }
        OutputUnit result = body.validate(value);
        return Boolean.TRUE.equals(result.getValid()) ? null : "the body is invalid: " + describe(result);
    }

    private static String describe(OutputUnit result) {
        List<String> details = new ArrayList<>();
        List<OutputUnit> errors = result.getErrors() == null || result.getErrors().isEmpty()
                ? List.of(result) : result.getErrors();
        for (OutputUnit error : errors) {
            String at = error.getInstanceLocation() == null || error.getInstanceLocation().isEmpty()
                    ? "" : "at " + error.getInstanceLocation() + ": ";
            String detail = at + error.getError();
            if (!details.contains(detail)) {
                details.add(detail);
            }
        }
        return HttpErrors.shorten(String.join("; ", details));
    }

    // ---------------------------------------------------------------- compiling

    /** The document as vertx-openapi can load it: request and response media types it does not know are left out. */
    public static JsonObject loadableView(JsonObject document) {
        JsonObject view = document.copy();
        dropUnsupportedMediaTypes(view);
        JsonObject paths = view.getJsonObject("paths", new JsonObject());
        for (String path : paths.fieldNames()) {
            JsonObject item = paths.getJsonObject(path);
            for (String method : item.fieldNames()) {
                if (item.getValue(method) instanceof JsonObject op && op.getValue("requestBody") instanceof JsonObject rb
                        && rb.getJsonObject("content") != null && rb.getJsonObject("content").isEmpty()) {
                    op.remove("requestBody");
                }
            }
        }
        return view;
    }

    private static void dropUnsupportedMediaTypes(Object node) {
        if (node instanceof JsonObject object) {
            if (object.getValue("content") instanceof JsonObject content) {
                content.fieldNames().removeIf(type -> type.contains("/") && !MediaType.isMediaTypeSupported(type));
            }
            object.forEach(entry -> dropUnsupportedMediaTypes(entry.getValue()));
        } else if (node instanceof JsonArray array) {
            array.forEach(OperatorApiContract::dropUnsupportedMediaTypes);
        }
    }

    private static Map<String, OperationCheck> compile(OpenAPIContract contract) {
        SchemaRepository repository = contract.getSchemaRepository();
        Map<String, OperationCheck> checks = new HashMap<>();
        for (Operation operation : contract.operations()) {
            List<ParameterCheck> parameters = new ArrayList<>();
            for (Parameter parameter : operation.getParameters()) {
                parameters.add(ParameterCheck.of(repository, operation, parameter));
            }
            String key = operation.getHttpMethod().name() + " " + operation.getOpenAPIPath();
            checks.put(key, new OperationCheck(operation.getOperationId(), parameters,
                    jsonBodyValidator(repository, operation.getRequestBody())));
        }
        return checks;
    }

    private static Validator jsonBodyValidator(SchemaRepository repository, RequestBody body) {
        if (body == null) {
            return null;
        }
        for (Map.Entry<String, MediaType> type : body.getContent().entrySet()) {
            String mime = type.getKey().toLowerCase(Locale.ROOT);
            if (mime.startsWith(HttpErrors.JSON) || (mime.startsWith("application/") && mime.contains("+json"))) {
                JsonObject schema = type.getValue().getOpenAPIModel().getJsonObject("schema");
                JsonObject enforced = schema == null ? new JsonObject() : (JsonObject) enforced(schema);
                return enforced.isEmpty() ? null : repository.validator(JsonSchema.of(enforced));
            }
        }
        return null;
    }

    /**
     * The schema without the keywords the handler checks (recursively), and without the repository's annotations,
     * so the validator runs on this copy and not on the schema as written; {@code {}} accepts everything.
     */
    static Object enforced(Object node) {
        if (node instanceof JsonObject object) {
            JsonArray handled = object.getValue(HANDLER_CHECKED) instanceof JsonArray a ? a : new JsonArray();
            if (handled.contains("*")) {
                return new JsonObject();
            }
            JsonObject kept = new JsonObject();
            object.forEach(entry -> {
                // "__absolute_uri__" and the like point the validator back at the schema as written: dropped
                if (!entry.getKey().equals(HANDLER_CHECKED) && !handled.contains(entry.getKey())
                        && !entry.getKey().startsWith("__")) {
                    kept.put(entry.getKey(), enforced(entry.getValue()));
                }
            });
            return kept;
        }
        if (node instanceof JsonArray array) {
            JsonArray kept = new JsonArray();
            array.forEach(value -> kept.add(enforced(value)));
            return kept;
        }
        return node;
    }

    private record OperationCheck(String operationId, List<ParameterCheck> parameters, Validator body) {
    }

    /** One parameter: where it is, whether it must be there, the type its text is read as, and its schema. */
    private record ParameterCheck(String name, Location in, boolean required, SchemaType type, Validator schema) {

        static ParameterCheck of(SchemaRepository repository, Operation operation, Parameter parameter) {
            if (parameter.getSchemaType() == SchemaType.ARRAY || parameter.getSchemaType() == SchemaType.OBJECT) {
                throw new IllegalArgumentException("operation " + operation.getOperationId() + ": parameter "
                        + parameter.getName() + " is an array or object, which the operator API does not read");
            }
            JsonObject model = parameter.getOpenAPIModel();
            boolean requiredChecked = model.getValue(HANDLER_CHECKED) instanceof JsonArray a && a.contains("required");
            JsonObject enforced = (JsonObject) enforced(model.getJsonObject("schema", new JsonObject()));
            return new ParameterCheck(parameter.getName(), parameter.getIn(),
                    parameter.isRequired() && !requiredChecked, parameter.getSchemaType(),
                    enforced.isEmpty() ? null : repository.validator(JsonSchema.of(enforced)));
        }

        String problem(RoutingContext ctx) {
            String raw = switch (in) {
                case PATH -> ctx.pathParam(name);
                case QUERY -> ctx.queryParams().get(name);
                case HEADER -> ctx.request().getHeader(name);
                case COOKIE -> {
                    Cookie cookie = ctx.request().getCookie(name);
                    yield cookie == null ? null : cookie.getValue();
                }
            };
            String what = in.name().toLowerCase(Locale.ROOT) + " parameter " + name;
            if (raw == null) {
                return required ? what + " is required" : null;
            }
            if (schema == null) {
                return null;
            }
            OutputUnit result = schema.validate(typed(raw));
            return Boolean.TRUE.equals(result.getValid()) ? null : what + " is invalid: " + describe(result);
        }

        /** The parameter's text as the type the document gives it; text that is not of that type stays text. */
        private Object typed(String raw) {
            return switch (type) {
                case INTEGER, NUMBER -> JSON_NUMBER.matcher(raw).matches() ? Json.decodeValue(raw) : raw;
                case BOOLEAN -> "true".equals(raw) ? Boolean.TRUE : "false".equals(raw) ? Boolean.FALSE : raw;
                default -> raw;
            };
        }
    }
}
