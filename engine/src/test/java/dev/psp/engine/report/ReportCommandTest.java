package dev.psp.engine.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
    @TempDir
    Path tmp;

    int run(ByteArrayOutputStream err, String... args) {
        return ReportCommand.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void badArgumentsExit2WithOneLine() throws Exception {
        Path good = tmp.resolve("r.json");
        Files.writeString(good, ResultsIO.write(Fixtures.run("abc", null, 1, 1)));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        for (String[] args : List.of(new String[] {good.toString()}, new String[] {"-o", "x.html"},
                new String[] {"-o"}, new String[] {"-o", "x.html", "--nope", good.toString()},
                new String[] {"-o", tmp.resolve("x.html").toString(), tmp.resolve("missing.json").toString()},
                new String[] {"-o", tmp.resolve("x.html").toString(), empty.toString()},
                new String[] {"-o", "x.html", "--threshold", "-3", good.toString()})) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(2, run(err, args), String.join(" ", args));
            String e = err.toString(StandardCharsets.UTF_8).trim();
            assertEquals(1, e.lines().count(), e);
            assertTrue(e.startsWith("psp report: "), e);
        }
    }

    @Test
    void writesOneFileFromAPspBenchFile() throws Exception {
        Path bench = Path.of(getClass().getResource("/report/psp-bench.json").toURI());
        Path out = tmp.resolve("sub/report.html");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(err, "-o", out.toString(), "--title", "A <b> title", bench.toString()),
                err.toString(StandardCharsets.UTF_8));
        String page = Files.readString(out);
        assertTrue(page.contains("<title>A &lt;b&gt; title</title>"));
        assertTrue(page.contains("\"format\":\"psp-bench/1\""));
        assertTrue(!page.contains("@@"), "every placeholder replaced");
    }
}
