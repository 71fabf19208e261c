package org.smartenergy.platform.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.RegistrationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.smartenergy.platform.ingestion.IngestionApi;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Which cluster members serve ingestion, and which of them left: lets {@link IngestionClient} fail the readings in
 * flight on a member that left at once instead of after {@code gateway.ingestionTimeoutMs} (the clustered event bus
 * only times such a request out; it does not say which member a request went to, nor fail it when that member goes).
 *
 * <p>Polls the cluster manager every {@value #POLL_MS} ms on the owning context: the member list (a local view,
 * which Hazelcast updates within about a second of a member's connections closing, see cluster-config/hazelcast.xml)
 * and the members registered for {@link IngestionApi#BATCH_ADDRESS} and {@link IngestionApi#ADDRESS}. Vert.x's own
 * node listener is left alone: the cluster manager has one listener slot and Vert.x uses it to drop a left member's
 * registrations.
 */
final class IngestionMembers {

    static final long POLL_MS = 250;
    private static final Logger LOG = LoggerFactory.getLogger(IngestionMembers.class);

    private final Vertx vertx;
    private final ContextInternal context;
    private final ClusterManager clusterManager;
    private final Consumer<String> onLeft;
    private final long timer;
    // confined to the owning context
    private Set<String> members = Set.of();
    private Set<String> serving = Set.of();
    private boolean refreshing;

    /**
     * @param onLeft called on the owning context with the node id of a member that served ingestion and left
     * @return null on a Vert.x that is not clustered (nothing can leave)
     */
    static IngestionMembers watch(Vertx vertx, Context context, Consumer<String> onLeft) {
        if (!vertx.isClustered()) {
            return null;
        }
        return new IngestionMembers(vertx, context, onLeft);
    }

    private IngestionMembers(Vertx vertx, Context context, Consumer<String> onLeft) {
        this.vertx = vertx;
        this.context = (ContextInternal) context;
        this.clusterManager = ((VertxInternal) vertx).clusterManager();
        this.onLeft = onLeft;
        context.runOnContext(v -> poll());
        this.timer = vertx.setPeriodic(POLL_MS, t -> poll());
    }

    /** @return the members serving ingestion at the last poll (empty: not known yet, or none) */
    Set<String> serving() {
        return serving;
    }

    void close() {
        vertx.cancelTimer(timer);
    }

    private void poll() {
        Set<String> now = new HashSet<>(clusterManager.getNodes());
        for (String node : members) {
            if (!now.contains(node) && serving.contains(node)) {
                LOG.info("ingestion member left the cluster, failing the readings in flight there [node: {}]", node);
                onLeft.accept(node);
            }
        }
        members = now;
        if (!serving.isEmpty()) {
            Set<String> stillMembers = new HashSet<>(serving);
            stillMembers.retainAll(now);
            serving = Set.copyOf(stillMembers);
        }
        if (refreshing) {
            return;
        }
        refreshing = true;
        // promises of the owning context: their callbacks run on it, whatever thread the cluster manager uses
        Promise<List<RegistrationInfo>> batch = context.promise();
        Promise<List<RegistrationInfo>> single = context.promise();
        clusterManager.getRegistrations(IngestionApi.BATCH_ADDRESS, batch);
        clusterManager.getRegistrations(IngestionApi.ADDRESS, single);
        Future.join(batch.future(), single.future()).onComplete(ar -> {
            refreshing = false;
            if (batch.future().failed() && single.future().failed()) {
                return;
            }
            Set<String> nodes = new HashSet<>();
            for (Future<List<RegistrationInfo>> f : List.of(batch.future(), single.future())) {
                if (f.succeeded() && f.result() != null) {
                    f.result().forEach(r -> nodes.add(r.nodeId()));
                }
            }
            // registrations of a member that left are dropped after it left: the member list decides
            nodes.retainAll(members);
            serving = Set.copyOf(nodes);
        });
    }
}
