package dev.psp.engine.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renders a report from fixture history and checks, in headless Chromium, that every chart drew. */
class ReportChromiumTest {
    @TempDir
    static Path tmp;

    static Path html;

    @BeforeAll
    static void render() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("results"));
        String[] commits = {"a1b2c3d", "b2c3d4e", "c3d4e5f", "d4e5f60"};
        double[] factor = {1.0, 1.01, 0.99, 0.93};
        for (int k = 0; k < commits.length; k++) {
            ResultSet rs = Fixtures.run(commits[k], "2026-11-2" + k + "T10:00:00Z", 17 + k, factor[k]);
            Files.writeString(dir.resolve(commits[k] + ".json"), ResultsIO.write(rs));
        }
        // Plus a JMH file and a psp-bench/1 file in the same report (different keys).
        Path jmh = Path.of(ReportChromiumTest.class.getResource("/report/jmh.json").toURI());
        html = tmp.resolve("report.html");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ReportCommand.run(new String[] {"-o", html.toString(), dir.toString(), jmh.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("5 runs"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void pageIsSelfContained() throws Exception {
        String page = Files.readString(html);
        assertTrue(page.contains("uPlot"), "uPlot is inlined");
        assertFalse(Pattern.compile("<(script|link)[^>]+(src|href)=", Pattern.CASE_INSENSITIVE).matcher(page).find(),
                "no external scripts or stylesheets");
        assertFalse(page.contains("http://") && page.contains("src=\"http"), "no network references");
    }

    @Test
    void everyChartDrawsWithoutConsoleErrors() throws Exception {
        Chromium.assumeAvailable();
        Chromium.Result r = Chromium.dumpDom(html, tmp);
        Matcher m = Pattern.compile("<pre id=\"status\"[^>]*>([^<]*)</pre>").matcher(r.out());
        assertTrue(m.find(), "status element in dumped DOM; exit " + r.code() + "; stderr:\n" + r.err());
        String statusText = m.group(1).replace("&quot;", "\"").replace("&amp;", "&");
        assertTrue(statusText.startsWith("{"), "page script finished and wrote its status: " + statusText);
        @SuppressWarnings("unchecked")
        Map<String, Object> status = (Map<String, Object>) Json.parse(statusText);
        assertEquals(List.of(), status.get("errors"), "page errors");
        assertEquals(List.of(), status.get("blank"), "blank charts");
        double charts = ((Number) status.get("charts")).doubleValue();
        // history + (encrypt, decrypt) x size + (encrypt, decrypt) x workers + latency (ns) + latency (us, JMH)
        assertTrue(charts >= 7, "expected at least 7 charts, got " + statusText);
        assertEquals(charts, ((Number) status.get("drawn")).doubleValue(), statusText);
        assertEquals(Boolean.TRUE, status.get("ok"), statusText);
        assertEquals(List.of(), Chromium.consoleErrors(r.err()), "console errors in chromium's log");
    }

    @Test
    void screenshotIsProduced() throws Exception {
        Chromium.assumeAvailable();
        Path png = tmp.resolve("report.png");
        Chromium.Result r = Chromium.screenshot(html, png, tmp);
        assertTrue(Files.exists(png), "screenshot written; exit " + r.code() + "; stderr:\n" + r.err());
        byte[] b = Files.readAllBytes(png);
        assertTrue(b.length > 20_000, "a non-trivial PNG, got " + b.length + " bytes");
        assertEquals((byte) 0x89, b[0]);
        assertEquals('P', b[1]);
        // Kept for a person to look at.
        Files.createDirectories(Path.of("target"));
        Files.copy(png, Path.of("target/report-chromium.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(html, Path.of("target/report-chromium.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
