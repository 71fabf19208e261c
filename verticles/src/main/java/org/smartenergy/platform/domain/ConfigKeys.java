package org.smartenergy.platform.domain;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Refuses configuration keys no option reads, so a misspelt key fails the start instead of silently doing nothing.
 * Each options class keeps the list of keys of its section; a new option is one more entry there.
 */
public final class ConfigKeys {

    private ConfigKeys() {
    }

    /**
     * @param section the section's dotted path, e.g. {@code billing} or {@code rabbitmq.topology}
     * @param present the keys the section holds
     * @param known   the keys it accepts
     * @throws IllegalArgumentException naming every unknown key as {@code section.key}
     */
    public static void requireKnown(String section, Collection<String> present, Set<String> known) {
        List<String> unknown = present.stream().filter(k -> !known.contains(k)).sorted()
                .map(k -> section + "." + k).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(message(unknown));
        }
    }

    /** @return the message naming unknown keys (dotted paths): {@code unknown configuration key billing.prefetchh} */
    public static String message(List<String> unknownPaths) {
        return (unknownPaths.size() == 1 ? "unknown configuration key " : "unknown configuration keys ")
                + String.join(", ", unknownPaths) + " (no such option; see README, Configuration)";
    }
}
