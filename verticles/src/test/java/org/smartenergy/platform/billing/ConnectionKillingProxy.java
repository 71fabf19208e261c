package org.smartenergy.platform.billing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.ArrayList;
import java.util.List;

/**
 * A TCP proxy in front of the broker whose connections a test can cut, to simulate a consumer losing its
 * connection without touching any other client of the shared broker.
 */
final class ConnectionKillingProxy {

    private final Vertx vertx;
    private final String targetHost;
    private final int targetPort;
    private final List<NetSocket> sockets = new ArrayList<>();
    private NetServer server;
    private NetClient client;

    ConnectionKillingProxy(Vertx vertx, String targetHost, int targetPort) {
        this.vertx = vertx;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
    }

    /** @return the port the proxy listens on (127.0.0.1) */
    Future<Integer> start() {
        client = vertx.createNetClient();
        server = vertx.createNetServer().connectHandler(in -> {
            in.pause();
            client.connect(targetPort, targetHost)
                    .onSuccess(out -> {
                        synchronized (sockets) {
                            sockets.add(in);
                            sockets.add(out);
                        }
                        in.pipeTo(out);
                        out.pipeTo(in);
                        in.resume();
                    })
                    .onFailure(e -> in.close());
        });
        return server.listen(0, "127.0.0.1").map(NetServer::actualPort);
    }

    /** Closes every proxied connection (both sides); new connections are still accepted. */
    Future<Void> killConnections() {
        List<NetSocket> toClose;
        synchronized (sockets) {
            toClose = new ArrayList<>(sockets);
            sockets.clear();
        }
        return Future.join(toClose.stream().map(NetSocket::close).toList()).mapEmpty();
    }

    Future<Void> stop() {
        return killConnections()
                .eventually(() -> server == null ? Future.succeededFuture() : server.close())
                .eventually(() -> client == null ? Future.succeededFuture() : client.close());
    }
}
