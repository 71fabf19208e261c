package org.smartenergy.platform.node;

import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * mongo-java-server's H2 backend with every command's changes in the file before the command's reply is sent.
 *
 * <p>{@link H2Backend#H2Backend(String)} opens its MVStore with H2's defaults and does not commit per command:
 * changes reach the file when the MVStore's background writer commits (about every second,
 * {@code autoCommitDelay}, or when the unsaved changes outgrow {@code autoCommitBufferSize}) or on close. A reply
 * "inserted" therefore meant "in memory", and a process killed within that second lost writes the client had been
 * told were acknowledged (with {@code w=majority&journal=true}, which the server accepts and ignores).
 *
 * <p>Here each command is followed by {@link MVStore#commit()}, which writes the new chunk to the file (the
 * operating system's page cache, no fsync) in the calling thread, before mongo-java-server's wire handler writes the
 * reply: what was acknowledged survives the process (kill -9, a JVM crash, an OOM kill), not a power cut or an OS
 * crash. The background writer is off ({@code autoCommitDisabled}): it stores asynchronously, and a command whose
 * changes it had just taken would find nothing left to commit and be answered before they were written. Without
 * it every store is synchronous and under the MVStore's store lock, so {@code commit()} also waits for another
 * thread's commit that took this command's changes. The writer's other job, rewriting chunks that are mostly dead
 * so their space can be reused, is done here by a thread of its own once a second ({@link MVStore#compact}, under
 * the store lock).
 *
 * <p>The price, besides a chunk write per command: dead chunks are kept for the MVStore's retention time (45 s) before
 * their space is reused, and there are now many more of them, so the file carries about 45 s of written chunks
 * (120 MB instead of 19 MB after {@code EmbeddedMongoCommitCost}'s 15 s of writes). The retention time stays: it is
 * what keeps older data intact when the operating system, not the process, dies.
 *
 * <p>One commit per command, not per document: the billing verticle's bulk write of a batch is one {@code update}
 * command, so one chunk written. A command that changed nothing (a query, a filter that matched nothing) costs the
 * store lock and the check for unsaved changes. Both wire paths go through {@link #handleCommand}: OP_MSG
 * ({@code handleMessage} delegates to it) and commands over OP_QUERY.
 */
final class CommittingH2Backend extends H2Backend {

    private static final Logger LOG = LoggerFactory.getLogger(CommittingH2Backend.class);
    /** Chunks are rewritten while less than this percentage of their content is live (H2's auto-compact default). */
    private static final int TARGET_FILL_RATE = 90;
    /** At most about this much is rewritten per round, so a round holds the store lock only briefly. */
    private static final int COMPACT_BYTES_PER_ROUND = 2 * 1024 * 1024;

    private final MVStore store;
    /**
     * Held by a command from its first change to its commit, and by compaction. {@link MVStore#commit()} writes every
     * unsaved change of the store, whichever thread made it, and mongo-java-server changes a collection's maps one
     * after another (an insert, also an upsert's, writes the document first and its {@code _id} index entry after).
     * Without the lock, one worker thread's commit could write another's command half done, and a kill right after
     * left a document whose {@code _id} its index did not know: seen once in {@code StandaloneCrashProcessIT}, where
     * every later upsert of that hour failed with "Document with key ... already existed". So commands run one at a
     * time.
     */
    private final ReentrantLock commandLock = new ReentrantLock();
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "embedded-mongo-compaction");
        t.setDaemon(true);
        return t;
    });

    /** @param store an MVStore on a file without auto-commit, owned by this backend from now on */
    private CommittingH2Backend(MVStore store) {
        super(store);
        this.store = store;
        housekeeping.scheduleWithFixedDelay(this::compact, 1, 1, TimeUnit.SECONDS);
    }

    /** Opens (or creates) the MVStore file, H2's defaults except the background writer. */
    static CommittingH2Backend open(String fileName) {
        return new CommittingH2Backend(new MVStore.Builder().fileName(fileName).autoCommitDisabled().open());
    }

    @Override
    public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
        commandLock.lock();
        try {
            return super.handleCommand(channel, databaseName, command, query);
        } finally {
            try {
                // also after a failed command: an unordered bulk write that failed on one document applied the others
                store.commit();
            } finally {
                commandLock.unlock();
            }
        }
    }

    private void compact() {
        commandLock.lock();
        try {
            if (store.compact(TARGET_FILL_RATE, COMPACT_BYTES_PER_ROUND)) {
                store.commit();
            }
        } catch (RuntimeException e) {
            LOG.warn("embedded store compaction failed; the file may grow: {}", e.toString());
        } finally {
            commandLock.unlock();
        }
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        try {
            housekeeping.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        super.close();
    }
}
