package org.smartenergy.platform.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link GrpcEdge#consolidateFlushes} on a real HTTP/2 (prior knowledge, as gRPC clients speak it) connection. */
@ExtendWith(VertxExtension.class)
class GrpcEdgeFlushTest {

    @Test
    void anHttp2ConnectionGetsOneFlushConsolidationHandlerOnTheApplicationSideOfItsHttp2Handler(Vertx vertx)
            throws Exception {
        // GIVEN an HTTP/2 server that consolidates flushes, and notes its connection's pipeline on a request
        CompletableFuture<java.util.List<String>> pipeline = new CompletableFuture<>();
        CompletableFuture<String> http2Handler = new CompletableFuture<>();
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setPort(0).setHost("127.0.0.1"))
                .connectionHandler(GrpcEdge::consolidateFlushes)
                .requestHandler(request -> {
                    ConnectionBase connection = (ConnectionBase) request.connection();
                    // a second call (a repeated connection event) must not add another
                    GrpcEdge.consolidateFlushes(request.connection());
                    pipeline.complete(connection.channel().pipeline().names());
                    http2Handler.complete(connection.channel().pipeline()
                            .context(io.netty.handler.codec.http2.Http2ConnectionHandler.class).name());
                    request.response().end("ok");
                });
        GatewayHarness.await(server.listen());
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
        try {
            // WHEN a client calls it over HTTP/2
            String body = GatewayHarness.await(client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
                    .compose(request -> request.send().compose(response -> response.body())))
                    .toString();
            java.util.List<String> names = pipeline.get(10, TimeUnit.SECONDS);
            // THEN the call works and the handler sits once, right after the HTTP/2 handler
            assertThat(body).isEqualTo("ok");
            assertThat(names).containsOnlyOnce("sep-flush-consolidation");
            int at = names.indexOf("sep-flush-consolidation");
            assertThat(names.get(at - 1)).as("the handler before it").isEqualTo(http2Handler.get(10, TimeUnit.SECONDS));
        } finally {
            GatewayHarness.await(client.close());
            GatewayHarness.await(server.close());
        }
    }
}
