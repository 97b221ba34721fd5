package dev.psp.engine.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.report.BenchResult;
import dev.psp.engine.report.CompareCommand;
import dev.psp.engine.report.ReportCommand;
import dev.psp.engine.report.ResultSet;
import dev.psp.engine.report.ResultsIO;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code psp bench --json} writes psp-results/1 that the dashboard tools (load, compare, report) accept. */
class BenchResultsIOTest {
    @TempDir
    Path dir;

    private static String bench(String... args) {
        BenchRun r = BenchRun.of(args);
        assertEquals(0, r.code(), r.err());
        return r.out();
    }

    private static int tool(String which, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code = which.equals("compare") ? CompareCommand.run(args, o, e) : ReportCommand.run(args, o, e);
        assertTrue(code == 0 || code == 1, which + " exit " + code + ": " + err.toString(StandardCharsets.UTF_8));
        return code;
    }

    @Test
    void jsonLoadsComparesEqualToItselfAndReports() throws Exception {
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        // just over one second: the shortest run with two per-second samples (an interval)
        Files.writeString(a, bench("--sizes", "64,512", "--duration", "1.01", "--warmup", "0", "--json"));
        Files.writeString(b, bench("--latency", "--rate", "20000", "--sizes", "64", "--duration", "0.2", "--warmup",
                "0", "--json", "--backend", "jdk"));

        ResultSet rs = ResultsIO.load(a);
        assertEquals(ResultsIO.PSP_RESULTS, rs.format());
        assertEquals(2, rs.results().size());
        BenchResult r = rs.results().get(0);
        assertEquals("encrypt", r.name());
        assertEquals(List.of("backend", "version", "size", "traffic", "workers", "burst", "keyCache"),
                List.copyOf(r.params().keySet()));
        assertEquals("64", r.params().get("size"));
        assertEquals("Mpps", r.unit());
        assertTrue(r.higherIsBetter());
        assertEquals(((Number) r.extra().get("mpps")).doubleValue(), r.score(), 0);
        assertEquals(2, r.samples().length);
        assertFalse(Double.isNaN(r.scoreError()), "two per-second samples give an interval");
        assertTrue(r.hasInterval());
        assertNull(r.latency());
        assertTrue(rs.meta().toJson().get("commandLine").toString().startsWith("psp bench"));

        // same key as the psp-bench/1 loader derives, so old and new files compare result for result
        String old = Files.readString(a).replace("\"psp-results/1\"", "\"psp-bench/1\"")
                .replaceAll("\"name\":\"[^\"]*\",\"params\":\\{[^}]*\\},", "");
        ResultSet legacy = ResultsIO.parse(old, "legacy");
        assertEquals(rs.results().get(0).key(), legacy.results().get(0).key());
        assertEquals(rs.results().get(1).key(), legacy.results().get(1).key());

        ResultSet lat = ResultsIO.load(b);
        BenchResult l = lat.results().get(0);
        assertNotNull(l.latency());
        assertEquals("us", l.latency().unit());
        assertEquals("20000", l.params().get("rate"));
        assertTrue(l.latency().p50() <= l.latency().max());

        assertEquals(0, tool("compare", a.toString(), a.toString()));
        assertEquals(0, tool("compare", b.toString(), b.toString()));
        tool("compare", a.toString(), b.toString()); // disjoint keys: MISSING/NEW, never a usage error
        Path html = dir.resolve("report.html");
        assertEquals(0, tool("report", "-o", html.toString(), a.toString(), b.toString()));
        assertTrue(Files.readString(html).contains("encrypt"));
    }

    @Test
    void keyOperationModesScoreInOpsPerSecond() throws Exception {
        Path k = dir.resolve("kdf.json");
        Files.writeString(k, bench("--mode", "kdf", "--duration", "0.1", "--warmup", "0", "--json"));
        BenchResult r = ResultsIO.load(k).results().get(0);
        assertEquals("ops/s", r.unit());
        assertEquals(((Number) r.extra().get("opsPerSec")).doubleValue(), r.score(), 1e-3);
        assertTrue(r.score() > 0, "ops/s " + r.score());
        Map<String, Object> j = ResultsIO.toJson(r);
        assertEquals("kdf", j.get("mode"));
    }
}
