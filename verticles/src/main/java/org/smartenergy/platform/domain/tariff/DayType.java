package org.smartenergy.platform.domain.tariff;

/**
 * Kind of local calendar day, for time-of-use bands. A date listed in the tariff's holidays is a {@link #HOLIDAY}
 * whatever weekday it falls on; otherwise Saturday and Sunday are {@link #WEEKEND}, the rest {@link #WEEKDAY}.
 */
public enum DayType {
    WEEKDAY, WEEKEND, HOLIDAY
}
