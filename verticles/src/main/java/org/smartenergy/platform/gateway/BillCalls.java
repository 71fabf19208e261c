package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.proto.v1.Bill;
import org.smartenergy.proto.v1.BillLine;
import org.smartenergy.proto.v1.BillingServiceGrpcService;
import org.smartenergy.proto.v1.GetBillRequest;

import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * {@code energy.v1.BillingService}: a device reads its own bills with its bearer token. The bill comes from the same
 * {@link BillQueries} as the operator API's, as the same JSON, mapped to the protobuf messages here.
 */
final class BillCalls {

    private static final String GET_BILL = "GetBill";
    private static final java.util.regex.Pattern PERIOD = java.util.regex.Pattern.compile("\\d{4}-\\d{2}");
    private static final Logger LOG = LoggerFactory.getLogger(BillCalls.class);

    private final DeviceAuthenticator authenticator;
    private final BillQueries bills;
    private final GatewayMetrics metrics;

    BillCalls(DeviceAuthenticator authenticator, BillQueries bills, GatewayMetrics metrics) {
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.bills = Objects.requireNonNull(bills, "bills");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    void bind(GrpcServer server) {
        server.callHandler(BillingServiceGrpcService.GetBill, request -> {
            try {
                getBill(request);
            } catch (RuntimeException e) {
                // a bug in the handler must end the call with INTERNAL, never with vertx-grpc's UNKNOWN
                fail(request, e);
            }
        });
    }

    private void getBill(GrpcServerRequest<GetBillRequest, Bill> request) {
        // the request message is not looked at before the caller is authenticated
        request.pause();
        Future<GetBillRequest> received = request.last();
        authenticator.authenticate(request.headers().get(ReadingCalls.AUTHORIZATION))
                .compose(deviceId -> {
                    request.resume();
                    return received.compose(message -> answer(deviceId, message));
                })
                .onSuccess(bill -> {
                    metrics.callEnded(GET_BILL, GrpcStatus.OK);
                    request.response().end(bill).onFailure(t -> LOG.debug("bill not delivered: {}", t.toString()));
                })
                .onFailure(e -> fail(request, e));
    }

    private Future<Bill> answer(String deviceId, GetBillRequest message) {
        if (!deviceId.equals(message.getDeviceId())) {
            LOG.debug("bill of another device refused [deviceId: {}, requested: {}]", deviceId,
                    message.getDeviceId());
            return Future.failedFuture(new GatewayException(GatewayException.Kind.PERMISSION_DENIED,
                    "the token does not belong to device '" + message.getDeviceId() + "'"));
        }
        if (message.getPeriod().isEmpty()) {
            return bills.current(deviceId).map(BillCalls::toProto);
        }
        YearMonth month;
        try {
            // four-digit years only: YearMonth.parse also takes "+999999999-12", which no period can be
            if (!PERIOD.matcher(message.getPeriod()).matches()) {
                throw new DateTimeParseException("not yyyy-MM", message.getPeriod(), 0);
            }
            month = YearMonth.parse(message.getPeriod());
        } catch (DateTimeParseException e) {
            return Future.failedFuture(new GatewayException(GatewayException.Kind.INVALID_ARGUMENT,
                    "period must be yyyy-MM, such as 2026-11"));
        }
        return bills.forPeriod(deviceId, month)
                .map(BillCalls::toProto);
    }

    private void fail(GrpcServerRequest<GetBillRequest, Bill> request, Throwable failure) {
        ErrorMapping.Mapped mapped = ErrorMapping.map(failure);
        metrics.callEnded(GET_BILL, mapped.grpcStatus());
        LOG.debug("call ended [method: {}, status: {}]: {}", GET_BILL, mapped.grpcStatus(), mapped.message());
        try {
            request.response().status(mapped.grpcStatus()).statusMessage(mapped.message()).end()
                    .onFailure(t -> LOG.debug("status not delivered: {}", t.toString()));
        } catch (IllegalStateException alreadyEnded) {
            LOG.debug("status not sent, call already ended [method: {}]", GET_BILL);
        }
    }

    /** Maps the API JSON of a bill ({@code BillJson#view}) to its protobuf form. */
    static Bill toProto(JsonObject json) {
        JsonObject tariff = json.getJsonObject("tariff");
        Bill.Builder bill = Bill.newBuilder()
                .setDeviceId(json.getString("deviceId"))
                .setPeriod(json.getString("period"))
                .setPeriodStart(json.getString("periodStart"))
                .setPeriodEnd(json.getString("periodEnd"))
                .setStatus("issued".equals(json.getString("status")) ? Bill.Status.ISSUED : Bill.Status.OPEN)
                .setIssuedAt(Objects.requireNonNullElse(json.getString("issuedAt"), ""))
                .setTariffId(tariff.getString("id"))
                .setTariffVersion(tariff.getInteger("version"))
                .setCurrency(json.getString("currency"))
                .setSubtotal(json.getString("subtotal"))
                .setTaxTotal(json.getString("taxTotal"))
                .setAdjustmentTotal(json.getString("adjustmentTotal"))
                .setTotal(json.getString("total"))
                .setKwh(json.getString("kwh"))
                .setReadings(json.getInteger("readings"));
        lines(json.getJsonArray("lines")).forEach(bill::addLines);
        lines(json.getJsonArray("taxes")).forEach(bill::addTaxes);
        lines(json.getJsonArray("adjustments")).forEach(bill::addAdjustments);
        return bill.build();
    }

    private static java.util.List<BillLine> lines(JsonArray array) {
        java.util.List<BillLine> lines = new java.util.ArrayList<>();
        for (int i = 0; array != null && i < array.size(); i++) {
            JsonObject o = array.getJsonObject(i);
            JsonObject corrected = o.getJsonObject("correctedPeriod");
            lines.add(BillLine.newBuilder()
                    .setKind(o.getString("kind"))
                    .setDescription(o.getString("description"))
                    .setQuantity(o.getString("quantity"))
                    .setUnit(o.getString("unit"))
                    .setUnitPrice(o.getString("unitPrice"))
                    .setAmount(o.getString("amount"))
                    .setCorrectedPeriodStart(corrected == null ? "" : corrected.getString("start"))
                    .build());
        }
        return lines;
    }
}
