package dev.psp.engine.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares the results of two runs key by key ({@link BenchResult#key()}).
 *
 * <p>Significance is noise-aware: when both sides have at least two raw samples, Welch's t-test on the samples
 * (two-sided, significant when p &lt; alpha); otherwise, when both sides have a confidence interval (from
 * {@code scoreConfidence} or {@code score ± scoreError}), significant when the intervals do not overlap; with
 * neither, no noise estimate exists and every change counts as significant. A result <em>regresses</em> when it
 * got worse (respecting {@code higherIsBetter}) by more than the threshold and the change is significant.
 */
public final class Comparison {

    /** What happened to one key. */
    public enum Verdict {
        /** Worse by more than the threshold, and significant. */
        REGRESSION,
        /** The head run of this benchmark failed (no score) where the base had one. */
        FAILED,
        /** Worse by more than the threshold, but within the noise. */
        NOISE,
        /** Within the threshold. */
        OK,
        /** Better by more than the threshold, and significant. */
        IMPROVED,
        /** Only in the head run. */
        NEW,
        /** Only in the base run. */
        MISSING,
        /** Units differ (or both failed): not compared. */
        INCOMPARABLE
    }

    /**
     * @param change percent change of head vs base score (raw: -20 means the number got 20% smaller)
     * @param gain   percent change in the good direction (-20 means 20% worse whatever the unit's direction)
     * @param method "welch", "ci" (non-overlapping intervals), "none" (no noise information) or "-"
     * @param p      Welch's two-sided p-value, NaN for other methods
     */
    public record Row(String key, BenchResult base, BenchResult head, double change, double gain, String method,
                      double p, boolean significant, Verdict verdict) {
        public boolean failsGate() {
            return verdict == Verdict.REGRESSION || verdict == Verdict.FAILED || unitChanged();
        }

        /** Both sides measured, in different units: the gate cannot vouch for it (a regression could hide). */
        public boolean unitChanged() {
            return verdict == Verdict.INCOMPARABLE && base != null && head != null && !base.failed() && !head.failed()
                    && !base.unit().equals(head.unit());
        }

        /** e.g. "welch p=0.0003", "ci disjoint", "ci overlap", "none". */
        public String significanceText() {
            return switch (method) {
                case "welch" -> "welch p=" + fmtP(p);
                case "ci" -> significant ? "ci disjoint" : "ci overlap";
                default -> method;
            };
        }
    }

    private Comparison() {}

    /** Compares base and head; rows sorted worst first (by gain), then new/missing/incomparable. */
    public static List<Row> compare(ResultSet base, ResultSet head, double thresholdPercent, double alpha) {
        Map<String, BenchResult> b = index(base);
        Map<String, BenchResult> h = index(head);
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, BenchResult> e : b.entrySet()) {
            BenchResult hr = h.get(e.getKey());
            rows.add(hr == null ? new Row(e.getKey(), e.getValue(), null, Double.NaN, Double.NaN, "-", Double.NaN, false,
                    Verdict.MISSING) : row(e.getKey(), e.getValue(), hr, thresholdPercent, alpha));
        }
        for (Map.Entry<String, BenchResult> e : h.entrySet()) {
            if (!b.containsKey(e.getKey())) {
                rows.add(new Row(e.getKey(), null, e.getValue(), Double.NaN, Double.NaN, "-", Double.NaN, false,
                        Verdict.NEW));
            }
        }
        rows.sort(Comparator.comparingInt((Row r) -> rank(r.verdict()))
                .thenComparingDouble(r -> Double.isNaN(r.gain()) ? 0 : r.gain())
                .thenComparing(Row::key));
        return rows;
    }

    private static int rank(Verdict v) {
        return switch (v) {
            case FAILED -> 0;
            case REGRESSION, NOISE, OK, IMPROVED -> 1;
            case INCOMPARABLE -> 2;
            case MISSING -> 3;
            case NEW -> 4;
        };
    }

    static Map<String, BenchResult> index(ResultSet rs) {
        Map<String, BenchResult> m = new LinkedHashMap<>();
        for (BenchResult r : rs.results()) {
            m.put(r.key(), r); // a repeated key: the later measurement wins
        }
        return m;
    }

    static Row row(String key, BenchResult base, BenchResult head, double threshold, double alpha) {
        if (head.failed()) { // failing in head fails the gate, whatever base did
            return new Row(key, base, head, Double.NaN, Double.NaN, "-", Double.NaN, true, Verdict.FAILED);
        }
        if (base.failed() || head.failed() || !base.unit().equals(head.unit()) || base.score() == 0) {
            return new Row(key, base, head, Double.NaN, Double.NaN, "-", Double.NaN, false, Verdict.INCOMPARABLE);
        }
        double change = (head.score() - base.score()) / Math.abs(base.score()) * 100;
        boolean hib = head.higherIsBetter();
        double gain = hib ? change : -change;
        String method;
        double p = Double.NaN;
        boolean significant;
        if (base.samples().length >= 2 && head.samples().length >= 2) {
            method = "welch";
            p = Stats.welch(base.samples(), head.samples()).p();
            significant = p < alpha;
        } else if (base.hasInterval() && head.hasInterval()) {
            method = "ci";
            double[] a = base.scoreConfidence();
            double[] c = head.scoreConfidence();
            double aLo = Math.min(a[0], a[1]);
            double aHi = Math.max(a[0], a[1]);
            double cLo = Math.min(c[0], c[1]);
            double cHi = Math.max(c[0], c[1]);
            significant = aHi < cLo || cHi < aLo;
        } else {
            method = "none";
            significant = true;
        }
        Verdict v;
        if (gain < -threshold) {
            v = significant ? Verdict.REGRESSION : Verdict.NOISE;
        } else if (gain > threshold && significant) {
            v = Verdict.IMPROVED;
        } else {
            v = Verdict.OK;
        }
        return new Row(key, base, head, change, gain, method, p, significant, v);
    }

    static String fmtP(double p) {
        if (Double.isNaN(p)) {
            return "?";
        }
        if (p < 1e-4) {
            return String.format(java.util.Locale.ROOT, "%.1e", p);
        }
        return String.format(java.util.Locale.ROOT, "%.4f", p);
    }
}
