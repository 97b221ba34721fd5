package dev.psp.engine.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * One measured result, normalised from psp-bench/1, psp-results/1 or JMH JSON.
 *
 * @param name           benchmark name (psp bench: the mode, e.g. "encrypt"; JMH: the benchmark method)
 * @param params         parameters, in source order (psp bench: backend, version, size, workers, ...)
 * @param score          the primary score, NaN when the run failed
 * @param scoreError     half-width of the confidence interval, NaN when unknown
 * @param scoreConfidence {lower, upper} or null when unknown
 * @param unit           unit of score and samples (e.g. "Mpps", "ns/op", "ops/s")
 * @param higherIsBetter true for throughput, false for times
 * @param samples        raw samples in {@code unit} (may be empty)
 * @param latency        latency percentiles, or null
 * @param extra          other members of the source result kept verbatim (psp bench: mpps, gbps, drops, ...)
 */
public record BenchResult(String name, Map<String, String> params, double score, double scoreError,
                          double[] scoreConfidence, String unit, boolean higherIsBetter, double[] samples,
                          Latency latency, Map<String, Object> extra) {

    public BenchResult {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params == null ? Map.of() : params));
        samples = samples == null ? new double[0] : samples.clone();
        unit = unit == null ? "" : unit;
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra == null ? Map.of() : extra));
        if (scoreConfidence != null && (scoreConfidence.length != 2 || Double.isNaN(scoreConfidence[0])
                || Double.isNaN(scoreConfidence[1]))) {
            scoreConfidence = null;
        }
        if (scoreConfidence == null && !Double.isNaN(score) && !Double.isNaN(scoreError)) {
            scoreConfidence = new double[] {score - scoreError, score + scoreError};
        }
    }

    /** The comparison key: name plus parameters sorted by name, e.g. {@code encrypt{backend=jdk,size=64}}. */
    public String key() {
        if (params.isEmpty()) {
            return name;
        }
        StringJoiner j = new StringJoiner(",", name + "{", "}");
        new TreeMap<>(params).forEach((k, v) -> j.add(escape(k) + "=" + escape(v)));
        return j.toString();
    }

    /** A key's separators ({@code \ , = { }}) inside a name or value, backslash-escaped: distinct params, distinct keys. */
    static String escape(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean special = c == '\\' || c == ',' || c == '=' || c == '{' || c == '}';
            if (special && b == null) {
                b = new StringBuilder(s.length() + 4).append(s, 0, i);
            }
            if (b != null) {
                b.append(special ? "\\" : "").append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /** Human label: name and parameters in source order, e.g. {@code encrypt backend=jdk size=64}. */
    public String label() {
        StringBuilder b = new StringBuilder(name);
        params.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }

    public boolean failed() {
        return Double.isNaN(score);
    }

    /** Has a usable interval (from the source or from the samples). */
    public boolean hasInterval() {
        return scoreConfidence != null;
    }
}
