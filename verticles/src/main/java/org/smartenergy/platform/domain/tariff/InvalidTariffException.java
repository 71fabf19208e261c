package org.smartenergy.platform.domain.tariff;

import java.util.List;

/**
 * A tariff was refused. Carries every problem found (not only the first), each a sentence naming the offending
 * element, so the author can fix them all in one go.
 */
public final class InvalidTariffException extends RuntimeException {

    private final List<String> problems;

    public InvalidTariffException(List<String> problems) {
        super("invalid tariff: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** @return the problems found, never empty */
    public List<String> problems() {
        return problems;
    }
}
