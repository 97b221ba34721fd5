package dev.psp.engine.report;

import dev.psp.engine.cli.Args;
import dev.psp.engine.cli.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code psp compare BASE HEAD [--threshold PERCENT] [--alpha A]}: a table of every result sorted by change (worst
 * first) with a significance flag, and exit 1 when any result regressed beyond the threshold (default 5%) or
 * failed in HEAD. See {@link Comparison} for how significance is decided.
 */
public final class CompareCommand {
    public static final double DEFAULT_THRESHOLD = 5.0;
    public static final double DEFAULT_ALPHA = 0.01;

    private CompareCommand() {}

    static final String USAGE = "usage: psp compare BASE HEAD [--threshold PERCENT] [--alpha A]";

    /**
     * Exit codes: 0 no regression, 1 a regression, a result failing in head, a unit change or nothing
     * compared, 2 bad arguments or unreadable input (one line on err).
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> files = new ArrayList<>();
        double threshold = DEFAULT_THRESHOLD;
        double alpha = DEFAULT_ALPHA;
        try {
            Args o = Args.parse(args, 0, Set.of("--threshold", "--alpha"), Set.of("--help", "-h"));
            if (o.flag("--help") || o.flag("-h")) {
                out.println(USAGE);
                return 0;
            }
            if (o.get("--threshold") != null) {
                threshold = parseNumber("--threshold", o.get("--threshold"));
                if (threshold < 0) {
                    throw new IllegalArgumentException("--threshold must be >= 0, got " + o.get("--threshold"));
                }
            }
            if (o.get("--alpha") != null) {
                alpha = parseNumber("--alpha", o.get("--alpha"));
                if (!(alpha > 0 && alpha < 1)) {
                    throw new IllegalArgumentException("--alpha must be in (0, 1), got " + o.get("--alpha"));
                }
            }
            files.addAll(o.positional());
            if (files.size() != 2) {
                throw new IllegalArgumentException("expected BASE and HEAD result files, got " + files.size()
                        + " (" + USAGE + ")");
            }
        } catch (IllegalArgumentException | ConfigException e) {
            err.println("psp compare: " + e.getMessage());
            return 2;
        }
        ResultSet base;
        ResultSet head;
        try {
            base = loadOne(Path.of(files.get(0)));
            head = loadOne(Path.of(files.get(1)));
        } catch (IOException | RuntimeException e) {
            err.println("psp compare: " + e.getMessage());
            return 2;
        }
        List<Comparison.Row> rows = Comparison.compare(base, head, threshold, alpha);
        out.printf(Locale.ROOT, "psp compare: base %s (%s) vs head %s (%s), threshold %s%%%n", base.label(),
                files.get(0), head.label(), files.get(1), fmt(threshold));
        out.printf(Locale.ROOT, "significance: Welch's t-test on raw samples (two-sided, alpha %s) when both sides "
                + "have >= 2 samples; else non-overlapping confidence intervals (scoreConfidence or score \u00b1 "
                + "scoreError); else none (change alone decides)%n", fmt(alpha));
        out.print(table(rows));
        List<Comparison.Row> bad = rows.stream().filter(Comparison.Row::failsGate).toList();
        long compared = rows.stream().filter(r -> !Double.isNaN(r.gain())).count();
        long noise = rows.stream().filter(r -> r.verdict() == Comparison.Verdict.NOISE).count();
        if (compared == 0 && bad.isEmpty()) {
            String msg = String.format(Locale.ROOT, "FAIL: nothing compared (%d results in base, %d in head, none in "
                    + "both with a score and the same unit)", base.results().size(), head.results().size());
            out.println(msg);
            err.println("psp compare: " + msg);
            return 1;
        }
        if (bad.isEmpty()) {
            out.printf(Locale.ROOT, "OK: no result regressed by more than %s%% (%d compared, %d worse but within "
                    + "noise)%n", fmt(threshold), compared, noise);
            return 0;
        }
        StringBuilder msg = new StringBuilder();
        msg.append(String.format(Locale.ROOT, "FAIL: %d of %d results regressed by more than %s%%: ", bad.size(),
                rows.size(), fmt(threshold)));
        for (int k = 0; k < bad.size(); k++) {
            Comparison.Row r = bad.get(k);
            msg.append(k == 0 ? "" : "; ").append(r.key()).append(' ');
            if (r.verdict() == Comparison.Verdict.FAILED) {
                msg.append("failed in head (no score)");
            } else if (r.unitChanged()) {
                msg.append("unit changed (" + r.base().unit() + " -> " + r.head().unit() + "): not comparable");
            } else {
                msg.append(String.format(Locale.ROOT, "%+.1f%% (%s -> %s %s, %s is better, %s)", r.change(),
                        fmt(r.base().score()), fmt(r.head().score()), r.head().unit(),
                        r.head().higherIsBetter() ? "higher" : "lower", r.significanceText()));
            }
        }
        out.println(msg);
        err.println("psp compare: " + msg);
        return 1;
    }

    static ResultSet loadOne(Path p) throws IOException {
        if (java.nio.file.Files.isDirectory(p)) {
            List<ResultSet> all = ResultsIO.loadAll(List.of(p));
            return all.getLast(); // a history directory: its newest run
        }
        return ResultsIO.load(p);
    }

    /** The comparison table, one line per key. */
    public static String table(List<Comparison.Row> rows) {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"change", "verdict", "significance", "base", "head", "unit", "benchmark"});
        for (Comparison.Row r : rows) {
            BenchResult any = r.head() != null ? r.head() : r.base();
            lines.add(new String[] {
                Double.isNaN(r.change()) ? "-" : String.format(Locale.ROOT, "%+.1f%%", r.change()),
                r.verdict().name(),
                r.significanceText(),
                scoreText(r.base()),
                scoreText(r.head()),
                any.unit() + (any.higherIsBetter() ? " (higher=better)" : " (lower=better)"),
                any.label()});
        }
        int[] w = new int[7];
        for (String[] l : lines) {
            for (int k = 0; k < w.length; k++) {
                w[k] = Math.max(w[k], l[k].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] l : lines) {
            for (int k = 0; k < w.length; k++) {
                boolean right = k == 0 || k == 3 || k == 4;
                String cell = right ? " ".repeat(w[k] - l[k].length()) + l[k] : l[k];
                b.append(k == 0 ? "" : "  ").append(k == w.length - 1 ? cell : right ? cell
                        : cell + " ".repeat(w[k] - l[k].length()));
            }
            b.append('\n');
        }
        return b.toString();
    }

    static String scoreText(BenchResult r) {
        if (r == null) {
            return "-";
        }
        if (r.failed()) {
            return "failed";
        }
        String s = fmt(r.score());
        if (!Double.isNaN(r.scoreError())) {
            s += " \u00b1 " + fmt(r.scoreError());
        }
        return s;
    }

    static String fmt(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        double a = Math.abs(d);
        if (a != 0 && (a >= 1e7 || a < 1e-3)) {
            return String.format(Locale.ROOT, "%.3e", d);
        }
        String s = String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.3f" : "%.4f", d);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    /** A finite number, a trailing % allowed; one error line naming the option otherwise. */
    static double parseNumber(String name, String v) {
        String t = v.trim();
        if (t.endsWith("%")) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            double d = Double.parseDouble(t);
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " expects a number, got \"" + v + "\"");
        }
    }
}
