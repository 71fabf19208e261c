package org.smartenergy.platform.queue;

import com.rabbitmq.client.AMQP;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.smartenergy.platform.queue.UnconfirmedException.Cause;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ConfirmingPublisher} against a fake channel that hands out delivery tags like a RabbitMQ channel in confirm
 * mode and lets each test send the broker's confirms. Every step runs on one Vert.x context, as in the verticle;
 * a step starts only after the tasks the previous one queued (delivery tags, confirms) have run.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ConfirmingPublisherTest {

    /** Long enough never to fire in the tests that are not about the timeout. */
    private static final long NO_TIMEOUT_MS = 60_000;

    private Context context;
    private FakeChannel channel;
    private ConfirmingPublisher publisher;

    @BeforeEach
    void setUp(Vertx vertx) {
        context = vertx.getOrCreateContext();
        channel = new FakeChannel();
    }

    @Test
    void completesEachMessageOnItsAckInPublishingOrder(VertxTestContext ctx) {
        List<Future<Long>> published = new ArrayList<>();
        List<Long> completionOrder = new ArrayList<>();
        steps(ctx,
                // GIVEN a ready publisher WHEN three messages are published
                () -> {
                    connect(NO_TIMEOUT_MS);
                    for (int i = 0; i < 3; i++) {
                        Future<Long> f = publisher.publish(properties(), body(), written -> { });
                        f.onSuccess(completionOrder::add);
                        published.add(f);
                    }
                },
                // THEN none is complete before the broker confirmed it
                () -> {
                    assertThat(channel.publishedTags).containsExactly(1L, 2L, 3L);
                    assertThat(published).noneMatch(Future::isComplete);
                    // WHEN the broker acks each, in order
                    channel.ack(1, false);
                    channel.ack(2, false);
                    channel.ack(3, false);
                },
                // THEN each completes with its delivery tag, in that order
                () -> {
                    assertThat(published).allMatch(Future::succeeded);
                    assertThat(published).extracting(Future::result).containsExactly(1L, 2L, 3L);
                    assertThat(completionOrder).containsExactly(1L, 2L, 3L);
                });
    }

    @Test
    void outOfOrderAcksCompleteExactlyTheMessagesTheyName(VertxTestContext ctx) {
        List<Future<Long>> published = new ArrayList<>();
        steps(ctx,
                () -> {
                    // GIVEN three published messages
                    connect(NO_TIMEOUT_MS);
                    for (int i = 0; i < 3; i++) {
                        published.add(publisher.publish(properties(), body(), written -> { }));
                    }
                },
                // WHEN the broker acks the third, then the first
                () -> {
                    channel.ack(3, false);
                    channel.ack(1, false);
                },
                // THEN those two are complete and the second still waits
                () -> {
                    assertThat(published.get(0).succeeded()).isTrue();
                    assertThat(published.get(2).succeeded()).isTrue();
                    assertThat(published.get(1).isComplete()).isFalse();
                    // WHEN the second is acked
                    channel.ack(2, false);
                },
                // THEN it completes too
                () -> assertThat(published.get(1).result()).isEqualTo(2L));
    }

    @Test
    void multipleAckCompletesEveryMessageUpToItsTagAndMultipleNackFailsTheRest(VertxTestContext ctx) {
        List<Future<Long>> published = new ArrayList<>();
        steps(ctx,
                () -> {
                    // GIVEN five published messages
                    connect(NO_TIMEOUT_MS);
                    for (int i = 0; i < 5; i++) {
                        published.add(publisher.publish(properties(), body(), written -> { }));
                    }
                },
                // WHEN the broker acks "up to 3" in one confirm
                () -> channel.ack(3, true),
                // THEN messages 1..3 are complete and 4 and 5 still wait
                () -> {
                    assertThat(published.subList(0, 3)).allMatch(Future::succeeded);
                    assertThat(published.subList(3, 5)).noneMatch(Future::isComplete);
                    // WHEN it nacks "up to 5"
                    channel.nack(5, true);
                },
                // THEN 4 and 5 fail as refused
                () -> published.subList(3, 5).forEach(f ->
                        assertUnconfirmed(f, Cause.NACK, "broker refused the batch")));
    }

    @Test
    void nackFailsTheMessageAsRefused(VertxTestContext ctx) {
        List<Future<Long>> published = new ArrayList<>();
        steps(ctx,
                () -> {
                    // GIVEN two published messages
                    connect(NO_TIMEOUT_MS);
                    published.add(publisher.publish(properties(), body(), written -> { }));
                    published.add(publisher.publish(properties(), body(), written -> { }));
                },
                // WHEN the broker nacks the first
                () -> channel.nack(1, false),
                // THEN only the first fails, with cause NACK
                () -> {
                    assertUnconfirmed(published.get(0), Cause.NACK, "broker refused the batch");
                    assertThat(published.get(1).isComplete()).isFalse();
                    // AND a later ack for it changes nothing, while the second is still acked normally
                    channel.ack(2, true);
                },
                () -> {
                    assertUnconfirmed(published.get(0), Cause.NACK, "broker refused the batch");
                    assertThat(published.get(1).result()).isEqualTo(2L);
                });
    }

    @Test
    void failsAMessageNotConfirmedWithinTheTimeoutAndIgnoresItsLateConfirm(VertxTestContext ctx) {
        List<Future<Long>> published = new ArrayList<>();
        // GIVEN a publisher that waits 100 ms for a confirm WHEN a message gets none
        context.runOnContext(v -> ctx.verify(() -> {
            connect(100);
            published.add(publisher.publish(properties(), body(), written -> { }));
            published.get(0).onComplete(ar -> steps(ctx,
                    // THEN it fails with cause TIMEOUT
                    () -> {
                        assertUnconfirmed(published.get(0), Cause.TIMEOUT, "broker did not confirm within 100 ms");
                        // WHEN its confirm arrives late, merged with the confirm of the next message
                        published.add(publisher.publish(properties(), body(), written -> { }));
                    },
                    () -> channel.ack(2, true),
                    // THEN the next message completes and nothing else changes
                    () -> {
                        assertThat(published.get(1).result()).isEqualTo(2L);
                        assertUnconfirmed(published.get(0), Cause.TIMEOUT, "broker did not confirm within 100 ms");
                    }));
        }));
    }

    @Test
    void newChannelFailsOutstandingMessagesAndPublishesOnTheNewOneWithRestartedTags(VertxTestContext ctx) {
        List<Future<Long>> published = new ArrayList<>();
        List<Handler<ConfirmChannel.Confirmation>> oldListener = new ArrayList<>();
        steps(ctx,
                () -> {
                    // GIVEN two messages waiting for confirms on the first channel
                    connect(NO_TIMEOUT_MS);
                    published.add(publisher.publish(properties(), body(), written -> { }));
                    published.add(publisher.publish(properties(), body(), written -> { }));
                },
                () -> {
                    oldListener.add(channel.confirms);
                    // WHEN the connection is re-established (a new channel, tags restart)
                    channel.reconnect();
                    long gen = publisher.newGeneration("reconnected before the batch was confirmed");
                    // THEN both fail at once as connection failures, before the new channel is even ready
                    published.forEach(f ->
                            assertUnconfirmed(f, Cause.CONNECTION, "reconnected before the batch was confirmed"));
                    assertThat(publisher.isReady()).isFalse();
                    publisher.enableConfirms(gen);
                },
                () -> {
                    assertThat(publisher.isReady()).isTrue();
                    // WHEN a message is published on the new channel
                    published.add(publisher.publish(properties(), body(), written -> { }));
                },
                () -> {
                    // AND the old channel's listener still delivers an ack for its tag 1
                    oldListener.get(0).handle(new ConfirmChannel.Confirmation(1, false, true));
                },
                () -> {
                    // THEN the new message, whose tag is 1 again, is not credited with the old channel's confirm
                    assertThat(channel.publishedTags).containsExactly(1L, 2L, 1L);
                    assertThat(published.get(2).isComplete()).isFalse();
                    // WHEN the new channel acks it
                    channel.ack(1, false);
                },
                // THEN it completes
                () -> assertThat(published.get(2).result()).isEqualTo(1L));
    }

    @Test
    void channelReplacedBehindItsBackFailsThatMessageAndReattachesConfirms(VertxTestContext ctx) {
        List<Future<Long>> published = new ArrayList<>();
        steps(ctx,
                () -> {
                    // GIVEN a message published and waiting on the first channel
                    connect(NO_TIMEOUT_MS);
                    published.add(publisher.publish(properties(), body(), written -> { }));
                },
                () -> {
                    // WHEN the client replaces the channel on its own (not in confirm mode: tag 0) and one more is
                    // published
                    channel.replaceChannel();
                    published.add(publisher.publish(properties(), body(), written -> { }));
                },
                () -> {
                    // THEN both fail as connection failures, and confirms are enabled on the new channel
                    assertUnconfirmed(published.get(0), Cause.CONNECTION,
                            "broker channel was replaced before the batch was confirmed");
                    assertUnconfirmed(published.get(1), Cause.CONNECTION,
                            "broker channel was replaced while publishing");
                    assertThat(channel.enabled).isEqualTo(2);
                    assertThat(publisher.isReady()).isTrue();
                    // AND the next message goes out with tag 1 on the new channel
                    published.add(publisher.publish(properties(), body(), written -> { }));
                },
                () -> channel.ack(1, false),
                () -> assertThat(published.get(2).result()).isEqualTo(1L));
    }

    @Test
    void lostConnectionFailsOutstandingMessagesAndRefusesNewOnesBeforeTheyReachTheChannel(VertxTestContext ctx) {
        List<Future<Long>> published = new ArrayList<>();
        List<AsyncResult<Void>> writes = new ArrayList<>();
        steps(ctx,
                () -> {
                    // GIVEN a message waiting for its confirm
                    connect(NO_TIMEOUT_MS);
                    published.add(publisher.publish(properties(), body(), writes::add));
                },
                () -> {
                    // WHEN the connection is found closed
                    channel.connected = false;
                    publisher.checkConnection();
                    // THEN the message fails as a connection failure at once
                    assertUnconfirmed(published.get(0), Cause.CONNECTION,
                            "connection to the broker was lost before the batch was confirmed");
                    assertThat(publisher.isReady()).isFalse();
                    // WHEN another is published
                    published.add(publisher.publish(properties(), body(), writes::add));
                    // THEN it fails without reaching the channel, and its write was reported failed first
                    assertUnconfirmed(published.get(1), Cause.CONNECTION, "broker unavailable: not connected");
                    assertThat(channel.publishedTags).containsExactly(1L);
                    assertThat(writes).extracting(AsyncResult::succeeded).containsExactly(true, false);
                });
    }

    @Test
    void publishCallThatThrowsOrFailsFailsTheMessageAfterReportingTheWrite(VertxTestContext ctx) {
        List<Future<Long>> published = new ArrayList<>();
        List<AsyncResult<Void>> writes = new ArrayList<>();
        steps(ctx,
                () -> {
                    connect(NO_TIMEOUT_MS);
                    // WHEN the client throws from publish (it does when its connection is already closed)
                    channel.publishFailure = new IllegalStateException("channel closed");
                    published.add(publisher.publish(properties(), body(), writes::add));
                    // THEN the message fails as a connection failure naming the cause
                    assertUnconfirmed(published.get(0), Cause.CONNECTION,
                            "publishing to the broker failed: channel closed");
                    assertThat(writes).hasSize(1);
                    assertThat(writes.get(0).failed()).isTrue();
                });
    }

    @Test
    void drainedCompletesOnlyOnceTheLastMessageIsConfirmed(VertxTestContext ctx) {
        List<Future<Long>> published = new ArrayList<>();
        List<Future<Void>> drained = new ArrayList<>();
        steps(ctx,
                () -> {
                    // GIVEN two messages waiting
                    connect(NO_TIMEOUT_MS);
                    published.add(publisher.publish(properties(), body(), written -> { }));
                    published.add(publisher.publish(properties(), body(), written -> { }));
                },
                () -> {
                    // WHEN draining starts and the first is acked
                    drained.add(publisher.drained());
                    channel.ack(1, false);
                },
                () -> {
                    // THEN draining is not over
                    assertThat(drained.get(0).isComplete()).isFalse();
                    // WHEN the second is nacked
                    channel.nack(2, false);
                },
                // THEN it is
                () -> assertThat(drained.get(0).succeeded()).isTrue());
    }

    @Test
    void refusesToPublishBeforeConfirmsAreEnabled(VertxTestContext ctx) {
        steps(ctx, () -> {
            // GIVEN a publisher whose channel is not in confirm mode yet
            publisher = new ConfirmingPublisher(context, channel, "ex", "rk", NO_TIMEOUT_MS, "test");
            // WHEN a message is published THEN it fails at once without reaching the channel
            assertUnconfirmed(publisher.publish(properties(), body(), written -> { }), Cause.CONNECTION,
                    "broker unavailable: not connected");
            assertThat(channel.publishedTags).isEmpty();
        });
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Creates the publisher and makes it ready on the fake channel (synchronous on the fake). */
    private void connect(long confirmTimeoutMs) {
        publisher = new ConfirmingPublisher(context, channel, "ex", "rk", confirmTimeoutMs, "test");
        long gen = publisher.newGeneration("connected");
        publisher.enableConfirms(gen);
        assertThat(publisher.isReady()).isTrue();
    }

    private static void assertUnconfirmed(Future<Long> future, Cause cause, String reason) {
        assertThat(future.failed()).as("failed").isTrue();
        assertThat(future.cause()).isInstanceOf(UnconfirmedException.class).hasMessage(reason);
        assertThat(((UnconfirmedException) future.cause()).cause()).isEqualTo(cause);
    }

    /**
     * Runs the steps on the context one after the other, each queued after the tasks its predecessor queued; fails
     * the test on the first assertion error and completes it after the last step.
     */
    private void steps(VertxTestContext ctx, Runnable... steps) {
        runFrom(ctx, steps, 0);
    }

    private void runFrom(VertxTestContext ctx, Runnable[] steps, int index) {
        context.runOnContext(v -> {
            if (index == steps.length) {
                ctx.completeNow();
                return;
            }
            try {
                steps[index].run();
            } catch (Throwable e) {
                ctx.failNow(e);
                return;
            }
            runFrom(ctx, steps, index + 1);
        });
    }

    private static AMQP.BasicProperties properties() {
        return new AMQP.BasicProperties.Builder().build();
    }

    private static Buffer body() {
        return Buffer.buffer("batch");
    }

    /** A channel in the manner of RabbitMQ's: tags count from 1 in confirm mode, 0 outside it. */
    private static final class FakeChannel implements ConfirmChannel {
        boolean connected = true;
        boolean confirmMode;
        long lastTag;
        int enabled;
        Handler<Confirmation> confirms;
        RuntimeException publishFailure;
        final List<Long> publishedTags = new ArrayList<>();

        @Override
        public boolean isConnected() {
            return connected;
        }

        @Override
        public Future<Void> enableConfirms(Handler<Confirmation> confirms, Handler<Throwable> failures) {
            this.confirms = confirms;
            confirmMode = true;
            enabled++;
            return Future.succeededFuture();
        }

        @Override
        public Future<Void> publish(String exchange, String routingKey, AMQP.BasicProperties properties, Buffer body,
                                    Handler<Long> deliveryTag) {
            if (publishFailure != null) {
                throw publishFailure;
            }
            long tag = confirmMode ? ++lastTag : 0;
            publishedTags.add(tag);
            deliveryTag.handle(tag);
            return Future.succeededFuture();
        }

        void ack(long tag, boolean multiple) {
            confirms.handle(new Confirmation(tag, multiple, true));
        }

        void nack(long tag, boolean multiple) {
            confirms.handle(new Confirmation(tag, multiple, false));
        }

        /** A new connection: a new channel, not in confirm mode, whose tags start again. */
        void reconnect() {
            replaceChannel();
        }

        /** The client opened a new channel: the old listener hears nothing more, tags start again. */
        void replaceChannel() {
            confirmMode = false;
            lastTag = 0;
            confirms = null;
        }
    }
}
