package dev.psp.engine.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's example: docs/example-results/ (a history of six commits, the last with a jdk regression) rendered
 * into docs/report-example.png. Checks that the committed example still renders and draws; with
 * {@code -Dpsp.report.writeDocs=true} it regenerates the example results and the screenshot.
 */
class DocsExampleTest {
    static final Path DOCS = Path.of("..", "docs");
    static final boolean WRITE = Boolean.getBoolean("psp.report.writeDocs");

    @TempDir
    Path tmp;

    @Test
    void exampleRendersAndEveryChartDraws() throws Exception {
        Path results = DOCS.resolve("example-results");
        if (WRITE) {
            Files.createDirectories(results);
            String[] commits = {"3f1c2a9", "7b04d12", "a9e55c0", "c21f7e4", "e6d0b38", "f84a1d7"};
            double[] factor = {1.0, 1.02, 1.01, 1.04, 1.03, 1.03};
            for (int k = 0; k < commits.length; k++) {
                ResultSet rs = Fixtures.run(commits[k], "2026-11-" + (20 + k) + "T09:30:00Z", 100 + k, factor[k],
                        k == commits.length - 1 ? 0.88 : 1.0);
                Files.writeString(results.resolve(String.format("%02d-%s.json", k + 1, commits[k])),
                        ResultsIO.write(rs) + "\n");
            }
        }
        assumeTrue(Files.isDirectory(results), "docs/example-results not found from " + Path.of("").toAbsolutePath());
        Path html = tmp.resolve("report-example.html");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ReportCommand.run(new String[] {"-o", html.toString(), "--title", "PSP benchmark report (example)",
            results.toString()}, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));

        // The example's last commit regresses the jdk backend by 12%: the gate catches it.
        Path[] files = Files.list(results).sorted().toArray(Path[]::new);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int gate = CompareCommand.run(new String[] {files[files.length - 2].toString(),
            files[files.length - 1].toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(1, gate, out.toString(StandardCharsets.UTF_8));

        Chromium.assumeAvailable();
        Chromium.Result dom = Chromium.dumpDom(html, tmp);
        Matcher m = Pattern.compile("<pre id=\"status\"[^>]*>([^<]*)</pre>").matcher(dom.out());
        assertTrue(m.find(), dom.err());
        String status = m.group(1).replace("&quot;", "\"");
        assertTrue(status.contains("\"ok\":true"), status);
        if (WRITE) {
            Path png = DOCS.resolve("report-example.png");
            Chromium.Result r = Chromium.screenshot(html, png, tmp);
            assertTrue(Files.exists(png), r.err());
            long size = Files.size(png);
            assertTrue(size < 500 * 1024, "docs screenshot must stay under 500 KB, is " + size);
        }
    }
}
