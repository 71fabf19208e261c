package org.smartenergy.platform.gateway;

import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.domain.tariff.BillView;
import org.smartenergy.platform.domain.tariff.BillingPeriod;
import org.smartenergy.proto.v1.Bill;
import org.smartenergy.proto.v1.BillLine;
import org.smartenergy.proto.v1.BillingServiceGrpcService;
import org.smartenergy.proto.v1.GetBillRequest;

import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code energy.v1.BillingService}: a device reads its own bills with its bearer token. The bill comes from the same
 * {@link BillQueries} as the operator API's, as a domain {@link BillView} mapped to the protobuf messages here.
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

    /** Maps a bill to its protobuf form (the same values, as decimal strings, as the operator API's JSON). */
    static Bill toProto(BillView view) {
        org.smartenergy.platform.domain.tariff.Bill bill = view.bill();
        Bill.Builder proto = Bill.newBuilder()
                .setDeviceId(view.deviceId())
                .setPeriod(view.periodName())
                .setPeriodStart(bill.period().start().toString())
                .setPeriodEnd(bill.period().end().toString())
                .setStatus(view.status() == BillView.Status.ISSUED ? Bill.Status.ISSUED : Bill.Status.OPEN)
                .setIssuedAt(view.issuedAt() == null ? "" : view.issuedAt().toString())
                .setTariffId(bill.tariffId())
                .setTariffVersion(bill.tariffVersion())
                .setCurrency(bill.currency().getCurrencyCode())
                .setSubtotal(bill.subtotal().toPlainString())
                .setTaxTotal(bill.taxTotal().toPlainString())
                .setAdjustmentTotal(bill.adjustmentTotal().toPlainString())
                .setTotal(bill.total().toPlainString())
                .setKwh(bill.totalKwh().toPlainString())
                .setReadings(bill.readingCount());
        bill.lines().forEach(line -> proto.addLines(line(line, null)));
        bill.taxLines().forEach(line -> proto.addTaxes(line(line, null)));
        List<BillingPeriod> corrected = view.correctedPeriods();
        List<org.smartenergy.platform.domain.tariff.BillLine> adjustments = bill.adjustmentLines();
        for (int i = 0; i < adjustments.size(); i++) {
            proto.addAdjustments(line(adjustments.get(i), i < corrected.size() ? corrected.get(i) : null));
        }
        return proto.build();
    }

    private static BillLine line(org.smartenergy.platform.domain.tariff.BillLine line, BillingPeriod corrected) {
        return BillLine.newBuilder()
                .setKind(line.kind().name().toLowerCase(Locale.ROOT))
                .setDescription(line.description())
                .setQuantity(line.quantity().toPlainString())
                .setUnit(line.unit().symbol())
                .setUnitPrice(line.unitPrice().toPlainString())
                .setAmount(line.amount().toPlainString())
                .setCorrectedPeriodStart(corrected == null ? "" : corrected.start().toString())
                .build();
    }
}
