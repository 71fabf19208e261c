package org.smartenergy.platform.gateway;

import com.mongodb.MongoTimeoutException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.grpc.common.GrpcStatus;
import org.junit.jupiter.api.Test;
import org.smartenergy.platform.ingestion.IngestionApi;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorMappingTest {

    @Test
    void unreachableDeviceStoreIsUnavailableNotInternal() {
        ErrorMapping.Mapped mapped = ErrorMapping.map(new MongoTimeoutException("no server"));
        assertThat(mapped.grpcStatus()).isEqualTo(GrpcStatus.UNAVAILABLE);
        assertThat(mapped.httpStatus()).isEqualTo(503);
    }

    @Test
    void ingestionFailuresMapToTheirStatuses() {
        assertThat(ErrorMapping.map(new ReplyException(ReplyFailure.RECIPIENT_FAILURE,
                IngestionApi.FAILURE_UNAVAILABLE, "x")).grpcStatus()).isEqualTo(GrpcStatus.UNAVAILABLE);
        assertThat(ErrorMapping.map(new ReplyException(ReplyFailure.RECIPIENT_FAILURE,
                IngestionApi.FAILURE_OVERLOADED, "x")).grpcStatus()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
        assertThat(ErrorMapping.map(new ReplyException(ReplyFailure.NO_HANDLERS, "x")).grpcStatus())
                .isEqualTo(GrpcStatus.UNAVAILABLE);
        assertThat(ErrorMapping.map(new ReplyException(ReplyFailure.TIMEOUT, "x")).grpcStatus())
                .isEqualTo(GrpcStatus.UNAVAILABLE);
    }

    @Test
    void protocolFailuresKeepTheirStatusAndMessage() {
        ErrorMapping.Mapped unimplemented = ErrorMapping.map(
                new GrpcProtocolException(GrpcStatus.UNIMPLEMENTED, "Can't find decompressor for x"));
        assertThat(unimplemented.grpcStatus()).isEqualTo(GrpcStatus.UNIMPLEMENTED);
        assertThat(unimplemented.message()).isEqualTo("Can't find decompressor for x");
        ErrorMapping.Mapped codec = ErrorMapping.map(new io.vertx.grpc.common.CodecException("bad bytes"));
        assertThat(codec.grpcStatus()).isEqualTo(GrpcStatus.INTERNAL);
        assertThat(codec.message()).isEqualTo("Invalid protobuf byte sequence");
    }

    @Test
    void anythingElseIsInternalAndNeverUnknown() {
        ErrorMapping.Mapped mapped = ErrorMapping.map(new IllegalStateException("bug"));
        assertThat(mapped.grpcStatus()).isEqualTo(GrpcStatus.INTERNAL);
        assertThat(mapped.httpStatus()).isEqualTo(500);
        assertThat(mapped.message()).doesNotContain("bug");
    }
}
