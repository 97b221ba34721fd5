package dev.psp.engine.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.AbstractHistogram;

/**
 * Latency percentiles of one result: p50, p90, p99, p99.9, p99.99 and max, in {@code unit} (e.g. "ns", "us").
 * Any value may be NaN when unknown.
 */
public record Latency(double p50, double p90, double p99, double p999, double p9999, double max, String unit) {

    /** JSON member names, in spectrum order, and their percentile (max = 100). */
    public static final String[] KEYS = {"p50", "p90", "p99", "p99.9", "p99.99", "max"};
    public static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99, 100};

    public Latency {
        unit = unit == null || unit.isBlank() ? "ns" : unit;
    }

    /**
     * Percentiles of an HdrHistogram whose values were recorded in {@code recorded} units, expressed in
     * {@code unit} (e.g. recorded in nanoseconds, reported in microseconds).
     */
    public static Latency of(AbstractHistogram h, TimeUnit recorded, TimeUnit unit) {
        double scale = (double) recorded.toNanos(1) / unit.toNanos(1);
        return new Latency(h.getValueAtPercentile(50) * scale, h.getValueAtPercentile(90) * scale,
                h.getValueAtPercentile(99) * scale, h.getValueAtPercentile(99.9) * scale,
                h.getValueAtPercentile(99.99) * scale, h.getMaxValue() * scale, symbol(unit));
    }

    static String symbol(TimeUnit u) {
        return switch (u) {
            case NANOSECONDS -> "ns";
            case MICROSECONDS -> "us";
            case MILLISECONDS -> "ms";
            case SECONDS -> "s";
            case MINUTES -> "min";
            case HOURS -> "h";
            case DAYS -> "d";
        };
    }

    /** The values in {@link #KEYS} order. */
    public double[] values() {
        return new double[] {p50, p90, p99, p999, p9999, max};
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        double[] v = values();
        for (int k = 0; k < KEYS.length; k++) {
            m.put(KEYS[k], v[k]);
        }
        m.put("unit", unit);
        return m;
    }

    static Latency fromJson(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            return null;
        }
        return new Latency(num(m.get("p50")), num(m.get("p90")), num(m.get("p99")), num(m.get("p99.9")),
                num(m.get("p99.99")), num(m.get("max")), m.get("unit") instanceof String s ? s : "ns");
    }

    static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
