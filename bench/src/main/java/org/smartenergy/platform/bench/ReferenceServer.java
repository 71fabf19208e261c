package org.smartenergy.platform.bench;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.smartenergy.proto.v1.MeterGatewayGrpc;
import org.smartenergy.proto.v1.Reading;
import org.smartenergy.proto.v1.ReadingAck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's bare reference: a plain grpc-java {@code MeterGateway} on loopback that acks every reading at once
 * with {@code ACCEPTED}: no token check, no validation, no broker, no store. What the same load generator reaches
 * against it is the ceiling the platform's acked rate is compared with. {@code bench} runs it as a separate JVM
 * (through {@link #main}, so the benchmark needs no launcher; also the hidden subcommand {@code bench-reference}); it prints {@value #READY} followed by its port once it listens, and
 * exits when its standard input closes, so it cannot outlive the benchmark that started it.
 */
@Command(name = "bench-reference", hidden = true, mixinStandardHelpOptions = true,
        description = "Reference MeterGateway that acks every reading at once (started by bench).")
public final class ReferenceServer implements Callable<Integer> {

    /** First line on standard output once the server listens, followed by the port. */
    static final String READY = "bench-reference listening on port ";

    @Option(names = "--port", defaultValue = "0", description = "Port on 127.0.0.1; 0: any free port (default: ${DEFAULT-VALUE}).")
    int port;

    /** The separate JVM {@code bench} starts: same options as {@code bench-reference}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ReferenceServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        // acks are computed on the transport thread: there is nothing to wait for
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .directExecutor()
                .addService(new AckAll())
                .build()
                .start();
        System.out.println(READY + server.getPort());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() != -1) {
            // the parent keeps standard input open for as long as it wants the server
        }
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        return 0;
    }

    /** Acks every reading as accepted, in order, at once. */
    static final class AckAll extends MeterGatewayGrpc.MeterGatewayImplBase {

        @Override
        public void sendReading(Reading reading, StreamObserver<ReadingAck> responses) {
            responses.onNext(ack(reading));
            responses.onCompleted();
        }

        @Override
        public StreamObserver<Reading> streamReadings(StreamObserver<ReadingAck> responses) {
            return new StreamObserver<>() {
                @Override
                public void onNext(Reading reading) {
                    responses.onNext(ack(reading));
                }

                @Override
                public void onError(Throwable t) {
                    // the client went away: nothing to clean up
                }

                @Override
                public void onCompleted() {
                    responses.onCompleted();
                }
            };
        }

        private static ReadingAck ack(Reading reading) {
            return ReadingAck.newBuilder()
                    .setDeviceId(reading.getDeviceId())
                    .setSeq(reading.getSeq())
                    .setOutcome(ReadingAck.Outcome.ACCEPTED)
                    .build();
        }
    }
}
