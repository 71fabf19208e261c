package org.smartenergy.platform.billing.bills;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.Callable;

/**
 * Where {@link BillService} runs the tariff arithmetic. Rating is CPU work that grows with the readings of a period
 * (a month of one-minute readings is tens of thousands of intervals, re-rated for every adjustable period), so on a
 * node it runs on Vert.x's worker pool ({@link #workerPool}) and never on an event loop that also serves loggers.
 */
@FunctionalInterface
public interface RatingExecutor {

    /** Computes on the calling thread: for tests and tools that have no event loop to protect. */
    RatingExecutor CALLER = new RatingExecutor() {
        @Override
        public <T> Future<T> run(Callable<T> work) {
            try {
                return Future.succeededFuture(work.call());
            } catch (Exception e) {
                return Future.failedFuture(e);
            }
        }
    };

    /**
     * @return an executor running the work on {@code vertx}'s worker pool, unordered (bills of different devices do
     *         not wait for each other); the future completes on the caller's context
     */
    static RatingExecutor workerPool(Vertx vertx) {
        return new RatingExecutor() {
            @Override
            public <T> Future<T> run(Callable<T> work) {
                return vertx.executeBlocking(work, false);
            }
        };
    }

    /** Runs {@code work} and completes with its result or its exception. */
    <T> Future<T> run(Callable<T> work);
}
