package dev.psp.engine.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders runs into one self-contained HTML page: uPlot (from the webjar on the classpath), the report's own
 * script and style, and the data are inlined, so the file opens from disk with no network.
 */
public final class HtmlReport {
    public static final String UPLOT_VERSION = "1.6.30";
    static final String UPLOT_DIR = "META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/dist/";
    static final String OWN_DIR = "dev/psp/engine/report/";

    private HtmlReport() {}

    /** The report page for runs (oldest first), with the history band at ±thresholdPercent. */
    public static String render(List<ResultSet> runs, double thresholdPercent, String title) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to report");
        }
        String data = Json.write(data(runs, thresholdPercent));
        String page = resource(OWN_DIR + "report.html");
        // Replace the data last: it is the only part that could contain a placeholder-like string.
        return page.replace("@@TITLE@@", escapeHtml(title))
                .replace("@@UPLOT_VERSION@@", UPLOT_VERSION)
                .replace("@@UPLOT_CSS@@", safeInStyle(resource(UPLOT_DIR + "uPlot.min.css")))
                .replace("@@REPORT_CSS@@", safeInStyle(resource(OWN_DIR + "report.css")))
                .replace("@@UPLOT_JS@@", safeInScript(resource(UPLOT_DIR + "uPlot.iife.min.js")))
                .replace("@@REPORT_JS@@", safeInScript(resource(OWN_DIR + "report.js")))
                .replace("@@DATA@@", data);
    }

    /** The JSON the page's script reads. */
    static Map<String, Object> data(List<ResultSet> runs, double threshold) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("generated", Instant.now().toString());
        d.put("threshold", threshold);
        List<Object> rs = new ArrayList<>();
        for (ResultSet run : runs) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("label", run.label());
            r.put("source", run.source());
            r.put("format", run.format());
            r.put("meta", run.meta().toJson());
            List<Object> results = new ArrayList<>();
            for (BenchResult b : run.results()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("key", b.key());
                m.put("label", b.label());
                m.put("name", b.name());
                m.put("params", b.params());
                m.put("score", b.score());
                m.put("err", b.scoreError());
                m.put("ci", b.scoreConfidence());
                m.put("unit", b.unit());
                m.put("hib", b.higherIsBetter());
                m.put("n", b.samples().length);
                m.put("latency", b.latency() == null ? null : b.latency().toJson());
                results.add(m);
            }
            r.put("results", results);
            rs.add(r);
        }
        d.put("runs", rs);
        if (runs.size() >= 2) {
            ResultSet base = runs.get(runs.size() - 2);
            ResultSet head = runs.getLast();
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("base", base.label());
            c.put("head", head.label());
            c.put("method", String.format(Locale.ROOT, "Threshold %s%%. Significance: Welch's t-test on the raw samples "
                    + "(alpha %s) when both runs have samples, else non-overlapping confidence intervals, else none.",
                    CompareCommand.fmt(threshold), CompareCommand.fmt(CompareCommand.DEFAULT_ALPHA)));
            List<Object> rows = new ArrayList<>();
            for (Comparison.Row row : Comparison.compare(base, head, threshold, CompareCommand.DEFAULT_ALPHA)) {
                BenchResult any = row.head() != null ? row.head() : row.base();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("change", row.change());
                m.put("verdict", row.verdict().name());
                m.put("significance", row.significanceText());
                m.put("base", CompareCommand.scoreText(row.base()));
                m.put("head", CompareCommand.scoreText(row.head()));
                m.put("unit", any.unit() + (any.higherIsBetter() ? " \u2191" : " \u2193"));
                m.put("label", any.label());
                rows.add(m);
            }
            c.put("rows", rows);
            d.put("compare", c);
        }
        return d;
    }

    static String resource(String path) {
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + path + " is missing from this build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String safeInScript(String js) {
        return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT");
    }

    static String safeInStyle(String css) {
        return css.replace("</style", "<\\/style");
    }

    static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
