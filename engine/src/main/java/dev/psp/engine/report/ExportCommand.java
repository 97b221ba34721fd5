package dev.psp.engine.report;

import dev.psp.engine.cli.Args;
import dev.psp.engine.cli.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * {@code psp export --format bmf|csv|json RESULTS... [-o FILE]}: Bencher Metric Format, CSV (one row per result
 * per run) or psp-results/1 (one run only). Writes to standard output without {@code -o}.
 */
public final class ExportCommand {
    static final String USAGE = "usage: psp export --format bmf|csv|json RESULTS... [-o FILE]";

    private ExportCommand() {}

    /** Exit codes: 0 written, 2 bad arguments or unreadable input (one line on err). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String format = null;
        String output = null;
        Path outFile;
        List<Path> inputs = new ArrayList<>();
        try {
            Args o = Args.parse(args, 0, Set.of("--format", "-f", "--output", "-o"), Set.of("--help", "-h"));
            if (o.flag("--help") || o.flag("-h")) {
                out.println(USAGE);
                return 0;
            }
            String f = o.get("--format", o.get("-f"));
            format = f == null ? null : f.toLowerCase(Locale.ROOT);
            output = o.get("--output", o.get("-o"));
            for (String in : o.positional()) {
                inputs.add(Path.of(in));
            }
            if (format == null) {
                throw new IllegalArgumentException("--format bmf|csv|json is required (" + USAGE + ")");
            }
            if (!List.of("bmf", "csv", "json").contains(format)) {
                throw new IllegalArgumentException("unknown format \"" + format + "\" (expected bmf, csv or json)");
            }
            if (inputs.isEmpty()) {
                throw new IllegalArgumentException("no results given (" + USAGE + ")");
            }
            outFile = output == null ? null : OutputFile.of(output, inputs);
        } catch (IllegalArgumentException | ConfigException e) {
            err.println("psp export: " + e.getMessage());
            return 2;
        }
        try {
            List<ResultSet> runs = ResultsIO.loadAll(inputs);
            String text = switch (format) {
                case "bmf" -> bmf(runs, err);
                case "csv" -> csv(runs);
                default -> {
                    if (runs.size() != 1) {
                        throw new IllegalArgumentException("json export takes exactly one run, got " + runs.size());
                    }
                    yield ResultsIO.write(runs.getFirst()) + "\n";
                }
            };
            if (outFile == null) {
                out.print(text);
            } else {
                OutputFile.write(outFile, text, false);
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("psp export: " + e.getMessage());
            return 2;
        }
    }

    /**
     * Bencher Metric Format: {@code {key: {measure: {value, lower_value, upper_value}}}}. The primary score is the
     * measure "throughput" when higher is better, "latency" for times, else a slug of its unit; latency percentiles
     * become "latency-p50" .. "latency-max"; psp bench's gbps becomes "gbps". Several runs are merged (a key seen
     * again overrides, with a warning on err).
     */
    public static String bmf(List<ResultSet> runs, PrintStream err) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (ResultSet rs : runs) {
            for (BenchResult r : rs.results()) {
                if (r.failed()) {
                    continue;
                }
                Map<String, Object> measures = new LinkedHashMap<>();
                Map<String, Object> primary = new LinkedHashMap<>();
                primary.put("value", r.score());
                if (r.scoreConfidence() != null) {
                    primary.put("lower_value", Math.min(r.scoreConfidence()[0], r.scoreConfidence()[1]));
                    primary.put("upper_value", Math.max(r.scoreConfidence()[0], r.scoreConfidence()[1]));
                }
                measures.put(measureName(r), primary);
                if (r.extra().get("gbps") instanceof Number g && !Double.isNaN(g.doubleValue())) {
                    measures.put("gbps", Map.of("value", g.doubleValue()));
                }
                if (r.latency() != null) {
                    double[] v = r.latency().values();
                    for (int k = 0; k < v.length; k++) {
                        if (!Double.isNaN(v[k])) {
                            measures.put("latency-" + Latency.KEYS[k], Map.of("value", v[k]));
                        }
                    }
                }
                if (root.put(r.key(), measures) != null && err != null) {
                    err.println("psp export: warning: " + r.key() + " appears more than once; the later run wins");
                }
            }
        }
        return Json.write(root) + "\n";
    }

    static String measureName(BenchResult r) {
        if (r.higherIsBetter()) {
            return "throughput";
        }
        String u = r.unit().toLowerCase(Locale.ROOT);
        if (u.matches("(ns|us|\u00b5s|ms|s)(/.*)?")) {
            return "latency";
        }
        String slug = u.replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        return slug.isEmpty() ? "value" : slug;
    }

    static final String[] CSV_HEADER = {"commit", "dirty", "time", "host", "source", "name", "params", "key", "score",
        "scoreError", "ciLower", "ciUpper", "unit", "higherIsBetter", "samples", "p50", "p90", "p99", "p99.9",
        "p99.99", "max", "latencyUnit"};

    /** One row per result per run (oldest run first); params as {@code k=v;k=v}; samples as a count. */
    public static String csv(List<ResultSet> runs) {
        StringBuilder b = new StringBuilder();
        b.append(String.join(",", CSV_HEADER)).append('\n');
        for (ResultSet rs : runs) {
            RunMeta m = rs.meta();
            for (BenchResult r : rs.results()) {
                List<String> row = new ArrayList<>();
                row.add(s(m.commit()));
                row.add(m.dirty() == null ? "" : m.dirty().toString());
                row.add(s(m.time()));
                row.add(s(m.host()));
                row.add(s(rs.source()));
                row.add(r.name());
                StringJoiner p = new StringJoiner(";");
                r.params().forEach((k, v) -> p.add(k + "=" + v));
                row.add(p.toString());
                row.add(r.key());
                row.add(n(r.score()));
                row.add(n(r.scoreError()));
                row.add(r.scoreConfidence() == null ? "" : n(r.scoreConfidence()[0]));
                row.add(r.scoreConfidence() == null ? "" : n(r.scoreConfidence()[1]));
                row.add(r.unit());
                row.add(Boolean.toString(r.higherIsBetter()));
                row.add(Integer.toString(r.samples().length));
                double[] lat = r.latency() == null ? null : r.latency().values();
                for (int k = 0; k < Latency.KEYS.length; k++) {
                    row.add(lat == null ? "" : n(lat[k]));
                }
                row.add(r.latency() == null ? "" : r.latency().unit());
                StringJoiner line = new StringJoiner(",");
                row.forEach(c -> line.add(quote(c)));
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    private static String s(String v) {
        return v == null ? "" : v;
    }

    private static String n(double d) {
        return Double.isNaN(d) ? "" : Json.number(new StringBuilder(), d).toString();
    }

    static String quote(String c) {
        if (c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r")) {
            return '"' + c.replace("\"", "\"\"") + '"';
        }
        return c;
    }
}
