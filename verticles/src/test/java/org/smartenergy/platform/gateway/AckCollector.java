package org.smartenergy.platform.gateway;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.smartenergy.proto.v1.ReadingAck;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/** Client side of StreamReadings in tests: collects acks and the final status. */
final class AckCollector implements StreamObserver<ReadingAck> {

    final Queue<ReadingAck> acks = new ConcurrentLinkedQueue<>();
    final CompletableFuture<Status> done = new CompletableFuture<>();
    private final Consumer<ReadingAck> onAck;

    AckCollector() {
        this(ack -> { });
    }

    AckCollector(Consumer<ReadingAck> onAck) {
        this.onAck = onAck;
    }

    @Override
    public void onNext(ReadingAck ack) {
        if (done.isDone()) {
            throw new AssertionError("ack after the end of the stream: " + ack);
        }
        acks.add(ack);
        onAck.accept(ack);
    }

    @Override
    public void onError(Throwable t) {
        done.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        done.complete(Status.OK);
    }
}
