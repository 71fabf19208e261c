package org.smartenergy.platform.node;

import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import org.h2.mvstore.MVStore;

/**
 * mongo-java-server's H2 backend with every command's changes in the file before the command's reply is sent.
 *
 * <p>{@link H2Backend} opens its MVStore with H2's defaults and does not commit per command: changes reach the file
 * when the MVStore's background writer commits (about every second, {@code autoCommitDelay}, or when the unsaved
 * changes outgrow {@code autoCommitBufferSize}) or on close. A reply
 * "inserted" therefore meant "in memory", and a process killed within that second lost writes the client had been
 * told were acknowledged (with {@code w=majority&journal=true}, which the server accepts and ignores). Here each
 * command is followed by {@link MVStore#commit()}, which writes the new chunk to the file (the operating system's
 * page cache, without fsync) in the calling thread, before mongo-java-server's wire handler writes the reply: what
 * was acknowledged survives the process (kill -9, a JVM crash, OOM kill), not a power cut or an OS crash.
 *
 * <p>One commit per command, not per document: the billing verticle's bulk write of a batch is one {@code update}
 * command, so one commit. A command that changed nothing (a query, a filter that matched nothing) costs only the
 * MVStore's check for unsaved changes. Both wire paths go through {@link #handleCommand}: OP_MSG
 * ({@code handleMessage} delegates to it) and commands over OP_QUERY.
 */
final class CommittingH2Backend extends H2Backend {

    private final MVStore store;

    /** @param store an MVStore on a file, owned by this backend from now on (closed by {@link #close()}) */
    CommittingH2Backend(MVStore store) {
        super(store);
        this.store = store;
    }

    /** Opens (or creates) the MVStore file with H2's defaults, as {@link H2Backend#H2Backend(String)} does. */
    static CommittingH2Backend open(String fileName) {
        return new CommittingH2Backend(new MVStore.Builder().fileName(fileName).open());
    }

    @Override
    public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
        try {
            return super.handleCommand(channel, databaseName, command, query);
        } finally {
            // also after a failed command: an unordered bulk write that failed on one document applied the others
            if (store.hasUnsavedChanges()) {
                store.commit();
            }
        }
    }
}
