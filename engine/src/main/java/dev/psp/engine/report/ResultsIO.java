package dev.psp.engine.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads psp-bench/1, psp-results/1 and JMH JSON into {@link ResultSet}s and writes psp-results/1.
 *
 * <p>psp-results/1 is a superset of psp-bench/1: the same {@code schema}/{@code meta}/{@code results}
 * layout, each result keeping the psp bench members (mode, backend, version, size, workers, burst, mpps,
 * gbps, nsPerPacket, packets, seconds, samples, ...) and adding name, params, score, scoreError,
 * scoreConfidence, unit, higherIsBetter, samples (in the unit of score) and latency.
 */
public final class ResultsIO {
    public static final String PSP_BENCH = "psp-bench/1";
    public static final String PSP_RESULTS = "psp-results/1";
    public static final String JMH = "jmh";

    /** Confidence of intervals computed from samples (like JMH's default 99.9%). */
    public static final double CONFIDENCE = 0.999;

    /** Members of a psp-results/1 result that are modelled; all others are kept in {@link BenchResult#extra}. */
    static final Set<String> STANDARD = Set.of("name", "params", "score", "scoreError", "scoreConfidence", "unit",
            "higherIsBetter", "samples", "latency");

    /** psp-bench/1 members that identify a measurement, in this order, when present. */
    static final List<String> BENCH_PARAMS = List.of("backend", "version", "size", "traffic", "workers", "burst",
            "keyCache");

    private ResultsIO() {}

    /**
     * Loads every argument: a file is one run; a directory contributes each {@code *.json} in it. Runs are
     * returned oldest first (by meta.time, else file modification time).
     */
    public static List<ResultSet> loadAll(List<Path> paths) throws IOException {
        record Dated(ResultSet rs, Instant when, int order) {}
        List<Dated> all = new ArrayList<>();
        int order = 0;
        for (Path p : paths) {
            List<Path> files = new ArrayList<>();
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json"))
                            .filter(Files::isRegularFile).sorted().forEach(files::add);
                }
                if (files.isEmpty()) {
                    throw new IOException(p + ": no *.json results in this directory");
                }
            } else {
                files.add(p);
            }
            for (Path f : files) {
                ResultSet rs = load(f);
                Instant when = rs.meta().instant();
                if (when == null) {
                    when = Files.getLastModifiedTime(f).toInstant();
                }
                all.add(new Dated(rs, when, order++));
            }
        }
        all.sort(Comparator.comparing(Dated::when).thenComparingInt(Dated::order));
        return all.stream().map(Dated::rs).toList();
    }

    /** The largest results file read: psp bench and JMH results are kilobytes to a few megabytes. */
    public static final long MAX_BYTES = 256L << 20;

    /** Loads one file in any supported format. */
    public static ResultSet load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": " + (Files.isDirectory(file) ? "is a directory"
                    : Files.exists(file) ? "not a regular file" : "no such file"));
        }
        if (Files.size(file) > MAX_BYTES) {
            throw new IOException(file + ": larger than " + (MAX_BYTES >> 20) + " MiB (is it a results file?)");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            // MalformedInputException's own message is "Input length = 1"
            throw new IOException(file + ": binary data, not a results file (expected JSON results: " + PSP_BENCH + ", "
                    + PSP_RESULTS + " or a JMH array)", e);
        }
        try {
            return parse(text, file.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses results text; {@code source} names it in messages and labels. */
    public static ResultSet parse(String text, String source) {
        Object root = Json.parse(text);
        if (root instanceof List<?> list) {
            return jmh(list, source);
        }
        if (!(root instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("expected a JSON object (psp-bench/1, psp-results/1) or a JMH array");
        }
        Object schema = m.get("schema");
        if (schema != null && !PSP_BENCH.equals(schema) && !PSP_RESULTS.equals(schema)) {
            throw new IllegalArgumentException("unsupported schema \"" + schema + "\" (expected " + PSP_BENCH + ", "
                    + PSP_RESULTS + " or JMH JSON)");
        }
        if (!(m.get("results") instanceof List<?> results)) {
            throw new IllegalArgumentException("missing \"results\" array");
        }
        List<BenchResult> out = new ArrayList<>();
        int k = 0;
        for (Object o : results) {
            if (!(o instanceof Map<?, ?> r)) {
                throw new IllegalArgumentException("results[" + k + "] is not an object");
            }
            out.add(result(r, k));
            k++;
        }
        return new ResultSet(schema == null ? PSP_RESULTS : schema.toString(), source, RunMeta.fromJson(m.get("meta")),
                out);
    }

    /** One psp-bench/1 or psp-results/1 result. */
    private static BenchResult result(Map<?, ?> r, int index) {
        Map<String, Object> extra = new LinkedHashMap<>();
        r.forEach((k, v) -> {
            if (!STANDARD.contains(String.valueOf(k))) {
                extra.put(String.valueOf(k), v);
            }
        });
        double[] samples = doubles(r.get("samples"));
        Latency latency = Latency.fromJson(r.get("latency"));
        if (r.get("name") instanceof String name) {
            Map<String, String> params = new LinkedHashMap<>();
            if (r.get("params") instanceof Map<?, ?> pm) {
                pm.forEach((k, v) -> params.put(String.valueOf(k), text(v)));
            }
            String unit = r.get("unit") instanceof String u ? u : "";
            double score = brokenRun(r) ? Double.NaN : measured(num(r.get("score")), samples, unit);
            boolean hib = r.get("higherIsBetter") instanceof Boolean b ? b : higherIsBetter(unit, name);
            double err = num(r.get("scoreError"));
            if (Double.isNaN(err) && samples.length >= 2) {
                err = Stats.halfWidth(samples, CONFIDENCE);
            }
            double[] ci = doubles(r.get("scoreConfidence"));
            return new BenchResult(name, params, score, err, ci.length == 2 ? ci : null, unit, hib, samples, latency,
                    extra);
        }
        // psp-bench/1: the mode names the benchmark, identifying members become params, score is mpps.
        if (!(r.get("mode") instanceof String mode)) {
            throw new IllegalArgumentException("results[" + index + "] has neither \"name\" nor \"mode\"");
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String p : BENCH_PARAMS) {
            if (r.containsKey(p) && r.get(p) != null) {
                params.put(p, text(r.get(p)));
            }
        }
        double score = brokenRun(r) ? Double.NaN : measured(num(r.get("mpps")), samples, "Mpps");
        double err = samples.length >= 2 ? Stats.halfWidth(samples, CONFIDENCE) : Double.NaN;
        return new BenchResult(mode, params, score, err, null, "Mpps", true, samples, latency, extra);
    }

    /** JMH's {@code -rf json} output: a list of benchmark objects. */
    private static ResultSet jmh(List<?> list, String source) {
        List<BenchResult> out = new ArrayList<>();
        String jdk = null;
        String cmd = null;
        int k = 0;
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> b) || !(b.get("benchmark") instanceof String bench)) {
                throw new IllegalArgumentException("JMH entry " + k + " has no \"benchmark\"");
            }
            k++;
            if (jdk == null && b.get("vmName") != null) {
                jdk = b.get("vmName") + " " + (b.get("vmVersion") == null ? "" : b.get("vmVersion"));
            }
            if (cmd == null && b.get("jvmArgs") instanceof List<?> ja) {
                cmd = "jmh " + String.join(" ", ja.stream().map(String::valueOf).toList());
            }
            String mode = b.get("mode") instanceof String s ? s : "thrpt";
            String at = "JMH entry " + (k - 1) + " (" + bench + ")";
            Map<String, String> params = new LinkedHashMap<>();
            params.put("mode", mode);
            if (b.get("params") instanceof Map<?, ?> pm) {
                for (Map.Entry<?, ?> e : pm.entrySet()) {
                    if (!(e.getValue() instanceof String || e.getValue() instanceof Number || e.getValue() instanceof Boolean)) {
                        throw new IllegalArgumentException(at + ": param \"" + e.getKey() + "\" is not a string or number");
                    }
                    params.put(String.valueOf(e.getKey()), text(e.getValue()));
                }
            } else if (b.get("params") != null) {
                throw new IllegalArgumentException(at + ": \"params\" is not an object");
            }
            if (!(b.get("primaryMetric") instanceof Map<?, ?> pmx)) {
                throw new IllegalArgumentException(at + " has no \"primaryMetric\" object");
            }
            out.add(jmhMetric(at, bench, params, pmx, "thrpt".equals(mode) ? Boolean.TRUE : null, b));
            if (b.get("secondaryMetrics") instanceof Map<?, ?> sec) {
                for (Map.Entry<?, ?> e : sec.entrySet()) {
                    if (!(e.getValue() instanceof Map<?, ?> sm)) {
                        throw new IllegalArgumentException(at + ": secondary metric \"" + e.getKey() + "\" is not an object");
                    }
                    String metric = String.valueOf(e.getKey());
                    String plain = metric.replace("\u00b7", "");
                    Boolean hib = plain.startsWith("gc") || plain.contains("alloc") ? Boolean.FALSE : null;
                    out.add(jmhMetric(at, bench + ":" + plain, params, sm, hib, Map.of()));
                }
            } else if (b.get("secondaryMetrics") != null) {
                throw new IllegalArgumentException(at + ": \"secondaryMetrics\" is not an object");
            }
        }
        RunMeta meta = new RunMeta(null, null, null, null, null, List.of(), null, null, jdk, Map.of(), cmd);
        return new ResultSet(JMH, source, meta, out);
    }

    private static BenchResult jmhMetric(String at, String name, Map<String, String> params, Map<?, ?> m, Boolean hib,
                                         Map<?, ?> entry) {
        String unit = m.get("scoreUnit") instanceof String u ? u : "";
        double score = num(m.get("score"));
        double err = num(m.get("scoreError"));
        double[] ci = doubles(m.get("scoreConfidence"));
        List<Double> raw = new ArrayList<>();
        if (m.get("rawData") instanceof List<?> forks) {
            for (Object f : forks) {
                if (!(f instanceof List<?> fork) || !fork.stream().allMatch(x -> x instanceof Number)) {
                    throw new IllegalArgumentException(at + ": \"rawData\" of " + name + " is not a list of number lists");
                }
                for (double d : doubles(f)) {
                    raw.add(d);
                }
            }
        } else if (m.get("rawData") != null) {
            throw new IllegalArgumentException(at + ": \"rawData\" of " + name + " is not a list of number lists");
        }
        double[] samples = raw.stream().mapToDouble(Double::doubleValue).toArray();
        score = measured(score, samples, unit);
        if (Double.isNaN(err) && samples.length >= 2) {
            err = Stats.halfWidth(samples, CONFIDENCE);
            ci = new double[0];
        }
        Latency lat = null;
        if (m.get("scorePercentiles") instanceof Map<?, ?> pct && !pct.isEmpty()) {
            String lu = unit.endsWith("/op") ? unit.substring(0, unit.length() - 3) : unit;
            lat = new Latency(num(pct.get("50.0")), num(pct.get("90.0")), num(pct.get("99.0")), num(pct.get("99.9")),
                    num(pct.get("99.99")), num(pct.get("100.0")), lu);
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        for (String key : List.of("forks", "threads", "warmupIterations", "measurementIterations", "jmhVersion")) {
            if (entry.get(key) != null) {
                extra.put(key, entry.get(key));
            }
        }
        return new BenchResult(name, params, score, err, ci.length == 2 ? ci : null, unit,
                hib != null ? hib : higherIsBetter(unit, name), samples, lat, extra);
    }

    /**
     * A psp bench result whose packets failed ({@code failed} > 0: psp bench exits 1 for it) or that
     * reports a {@code problem}: a failed benchmark, whatever its rate (compare once passed it).
     */
    static boolean brokenRun(Map<?, ?> r) {
        return r.get("failed") instanceof Number f && f.doubleValue() != 0
                || r.get("problem") instanceof String p && !p.isEmpty();
    }

    /**
     * The score, or NaN (a failed result) when it cannot be a measurement: infinite, or negative in a unit that
     * cannot be (a time, or a rate such as Mpps or ops/s), or with such a sample. A score of 1e999 once passed
     * the regression gate as an improvement.
     */
    static double measured(double score, double[] samples, String unit) {
        boolean nonNegative = unit.contains("/") || unit.matches("(?i)(ns|us|\u00b5s|ms|s|.*pps|.*bps)");
        if (!Double.isFinite(score) || nonNegative && score < 0) {
            return Double.NaN;
        }
        for (double d : samples) {
            if (!Double.isFinite(d) || nonNegative && d < 0) {
                return Double.NaN;
            }
        }
        return score;
    }

    /** Unit heuristic: per-operation costs and times are lower-is-better, rates higher-is-better. */
    public static boolean higherIsBetter(String unit, String name) {
        String u = unit == null ? "" : unit.trim().toLowerCase(Locale.ROOT);
        if (u.endsWith("/op") || u.equals("ns") || u.equals("us") || u.equals("\u00b5s") || u.equals("ms")
                || u.equals("s") || u.endsWith("/packet") || u.endsWith("/pkt") || u.equals("b") || u.equals("bytes")) {
            return false;
        }
        return true;
    }

    // ---- writing psp-results/1 ----

    /** The psp-results/1 document of one run. */
    public static Map<String, Object> toJson(ResultSet rs) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("schema", PSP_RESULTS);
        root.put("meta", rs.meta().toJson());
        List<Object> results = new ArrayList<>();
        for (BenchResult r : rs.results()) {
            results.add(toJson(r));
        }
        root.put("results", results);
        return root;
    }

    /** One psp-results/1 result: the modelled fields followed by the kept source members. */
    public static Map<String, Object> toJson(BenchResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("params", r.params());
        m.put("score", r.score());
        m.put("scoreError", r.scoreError());
        m.put("scoreConfidence", r.scoreConfidence());
        m.put("unit", r.unit());
        m.put("higherIsBetter", r.higherIsBetter());
        m.put("samples", r.samples());
        m.put("latency", r.latency() == null ? null : r.latency().toJson());
        r.extra().forEach(m::putIfAbsent);
        return m;
    }

    /** psp-results/1 text of one run. */
    public static String write(ResultSet rs) {
        return Json.write(toJson(rs));
    }

    // ---- helpers ----

    static double num(Object o) {
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        if (o instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    static double[] doubles(Object o) {
        if (!(o instanceof List<?> l)) {
            return new double[0];
        }
        double[] d = new double[l.size()];
        for (int k = 0; k < d.length; k++) {
            d[k] = num(l.get(k));
        }
        return d;
    }

    /** Parameter text, as the loaders derive it from a member: integral numbers without ".0". */
    public static String text(Object v) {
        if (v instanceof Double d && d == Math.rint(d) && !d.isInfinite() && Math.abs(d) < 1e15) {
            return Long.toString(d.longValue());
        }
        return String.valueOf(v);
    }
}
