package dev.psp.engine.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsIOTest {
    @TempDir
    Path tmp;

    static Path resource(String name) throws Exception {
        return Path.of(ResultsIOTest.class.getResource("/report/" + name).toURI());
    }

    @Test
    void loadsPspBench1() throws Exception {
        ResultSet rs = ResultsIO.load(resource("psp-bench.json"));
        assertEquals("psp-bench/1", rs.format());
        assertEquals("0123456789ab+dirty", rs.label());
        assertEquals(List.of("aes", "avx2", "vaes"), rs.meta().cpuFlags());
        assertEquals(2, rs.meta().cores());
        assertEquals("OpenSSL 3.0.17", rs.meta().backends().get("openssl"));
        BenchResult r = rs.results().getFirst();
        assertEquals("encrypt", r.name());
        assertEquals("encrypt{backend=jdk,burst=32,keyCache=true,size=64,traffic=fixed,version=0,workers=1}", r.key());
        assertEquals(2.5, r.score());
        assertEquals("Mpps", r.unit());
        assertTrue(r.higherIsBetter());
        assertEquals(5, r.samples().length);
        assertTrue(r.scoreError() > 0 && r.scoreError() < 1, "99.9% interval from the samples: " + r.scoreError());
        assertEquals(1.28, r.extra().get("gbps"));
        BenchResult failed = rs.results().get(1);
        assertTrue(failed.failed());
        assertEquals("352.5", failed.params().get("size"));
        assertEquals("backend unavailable", failed.extra().get("problem"));
    }

    @Test
    void pspResults1IsASupersetThatRoundTrips() throws Exception {
        ResultSet bench = ResultsIO.load(resource("psp-bench.json"));
        String text = ResultsIO.write(bench);
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = (Map<String, Object>) Json.parse(text);
        assertEquals("psp-results/1", doc.get("schema"));
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) ((List<?>) doc.get("results")).getFirst();
        for (String k : List.of("mode", "backend", "version", "size", "workers", "burst", "mpps", "gbps", "nsPerPacket",
                "packets", "seconds", "samples", "name", "params", "score", "scoreError", "scoreConfidence", "unit",
                "higherIsBetter", "latency")) {
            assertTrue(first.containsKey(k), "psp-results/1 keeps/adds " + k);
        }
        ResultSet again = ResultsIO.parse(text, "again.json");
        assertEquals("psp-results/1", again.format());
        assertEquals(bench.meta(), again.meta());
        for (int k = 0; k < bench.results().size(); k++) {
            BenchResult a = bench.results().get(k);
            BenchResult b = again.results().get(k);
            assertEquals(a.key(), b.key());
            assertEquals(a.score(), b.score());
            assertEquals(a.scoreError(), b.scoreError(), 1e-12);
            assertArrayEquals(a.samples(), b.samples());
        }
        // With latency from an HdrHistogram.
        Histogram h = new Histogram(3);
        for (int v = 1; v <= 10_000; v++) {
            h.recordValue(v * 1000L);
        }
        Latency lat = Latency.of(h, TimeUnit.NANOSECONDS, TimeUnit.MICROSECONDS);
        assertEquals("us", lat.unit());
        assertEquals(5000, lat.p50(), 10);
        assertEquals(9900, lat.p99(), 20);
        assertEquals(10000, lat.max(), 20);
        BenchResult withLat = new BenchResult("x", Map.of("a", "1"), 1, 0.1, null, "Mpps", true, new double[] {1, 1},
                lat, null);
        ResultSet one = ResultsIO.parse(ResultsIO.write(new ResultSet("psp-results/1", null, RunMeta.empty(),
                List.of(withLat))), "x");
        assertEquals(lat, one.results().getFirst().latency());
        assertArrayEquals(new double[] {0.9, 1.1}, one.results().getFirst().scoreConfidence(), 1e-12);
    }

    @Test
    void importsJmhJson() throws Exception {
        ResultSet rs = ResultsIO.load(resource("jmh.json"));
        assertEquals("jmh", rs.format());
        assertEquals(4, rs.results().size(), "3 primary + 1 secondary metric");
        BenchResult seal = rs.results().getFirst();
        assertEquals("dev.psp.bench.AeadBench.seal{backend=jdk,mode=thrpt,size=64}", seal.key());
        assertEquals("ops/s", seal.unit());
        assertTrue(seal.higherIsBetter());
        assertEquals(6, seal.samples().length, "rawData of both forks");
        assertArrayEquals(new double[] {2472222.3, 2552468.7}, seal.scoreConfidence());
        BenchResult gc = rs.results().get(1);
        assertEquals("dev.psp.bench.AeadBench.seal:gc.alloc.rate.norm", gc.name());
        assertFalse(gc.higherIsBetter());
        BenchResult open = rs.results().get(3);
        assertFalse(open.higherIsBetter(), "us/op");
        assertNotNull(open.latency());
        assertEquals("us", open.latency().unit());
        assertEquals(2.1, open.latency().p999());
        assertEquals(31.2, open.latency().max());
        assertTrue(rs.meta().jdk().startsWith("OpenJDK 64-Bit Server VM"));
        assertNull(rs.meta().commit());
    }

    /** A JMH entry missing its primary metric, or with malformed raw data, metrics or params, is refused, not skipped. */
    @Test
    void rejectsMalformedJmhEntries() throws Exception {
        String jmh = Files.readString(resource("jmh.json"));
        String[][] cases = {
            {"\"primaryMetric\"", "\"primaryMetricX\""},
            {"\"rawData\" : [", "\"rawData\" : \"x\", \"rawDataWas\" : ["},
            {"\"secondaryMetrics\" : {", "\"secondaryMetrics\" : { \"x\" : 5,"},
            {"\"params\" : {", "\"params\" : { \"p\" : [\"a\"],"},
        };
        for (String[] c : cases) {
            String bad = jmh.replaceFirst(java.util.regex.Pattern.quote(c[0]), java.util.regex.Matcher.quoteReplacement(c[1]));
            assertFalse(bad.equals(jmh), "fixture changed: " + c[1]);
            Path p = tmp.resolve("bad-jmh.json");
            Files.writeString(p, bad);
            IOException e = assertThrows(IOException.class, () -> ResultsIO.load(p), c[1]);
            assertTrue(e.getMessage().contains("bad-jmh.json") && e.getMessage().contains("JMH entry"), e.getMessage());
            assertEquals(-1, e.getMessage().indexOf('\n'));
        }
    }

    /** Different parameter sets never share a key: separators inside names or values are escaped. */
    @Test
    void parameterSetsWithSeparatorsInTheirValuesKeepDistinctKeys() {
        BenchResult a = new BenchResult("d", java.util.Map.of("a", "1,b=2"), 1, Double.NaN, null, "Mpps", true, null, null, null);
        java.util.Map<String, String> two = new java.util.LinkedHashMap<>();
        two.put("a", "1");
        two.put("b", "2");
        BenchResult b = new BenchResult("d", two, 1, Double.NaN, null, "Mpps", true, null, null, null);
        assertFalse(a.key().equals(b.key()), a.key() + " vs " + b.key());
        assertEquals("d{a=1,b=2}", b.key(), "plain keys unchanged");
        assertEquals("d{a=1\\,b\\=2}", a.key());
    }

    /** A device, a directory or a file far too large for results (a capture given by mistake) is one clear line, read no further. */
    @Test
    void refusesWhatCannotBeAResultsFile() throws Exception {
        Path big = tmp.resolve("big.json");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(ResultsIO.MAX_BYTES + 1); // sparse
        }
        IOException e = assertThrows(IOException.class, () -> ResultsIO.load(big));
        assertTrue(e.getMessage().contains("big.json") && e.getMessage().contains("larger than"), e.getMessage());
        e = assertThrows(IOException.class, () -> ResultsIO.load(tmp));
        assertTrue(e.getMessage().endsWith("is a directory"), e.getMessage());
        if (Files.exists(Path.of("/dev/null"))) {
            e = assertThrows(IOException.class, () -> ResultsIO.load(Path.of("/dev/null")));
            assertTrue(e.getMessage().endsWith("not a regular file"), e.getMessage());
        }
        e = assertThrows(IOException.class, () -> ResultsIO.load(tmp.resolve("missing.json")));
        assertTrue(e.getMessage().endsWith("no such file"), e.getMessage());
    }

    @Test
    void rejectsUnknownSchemasWithTheFileName() throws Exception {
        Path p = tmp.resolve("other.json");
        Files.writeString(p, "{\"schema\":\"other/9\",\"results\":[]}");
        IOException e = assertThrows(IOException.class, () -> ResultsIO.load(p));
        assertTrue(e.getMessage().contains("other.json") && e.getMessage().contains("unsupported schema"),
                e.getMessage());
    }

    @Test
    void historyDirectoryIsOrderedByTime() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("hist"));
        // File names sort the other way round from the times.
        Files.writeString(dir.resolve("a.json"), ResultsIO.write(Fixtures.run("ccc", "2026-03-01T00:00:00Z", 1, 1)));
        Files.writeString(dir.resolve("b.json"), ResultsIO.write(Fixtures.run("bbb", "2026-02-01T00:00:00Z", 1, 1)));
        Files.writeString(dir.resolve("c.json"), ResultsIO.write(Fixtures.run("aaa", "2026-01-01T00:00:00Z", 1, 1)));
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        List<ResultSet> runs = ResultsIO.loadAll(List.of(dir));
        assertEquals(List.of("aaa", "bbb", "ccc"), runs.stream().map(ResultSet::label).toList());
    }

    @Test
    void exportsBmfAndCsv() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, ExportCommand.run(new String[] {"--format", "bmf", resource("psp-bench.json").toString(),
            resource("jmh.json").toString()}, o, e), err.toString(StandardCharsets.UTF_8));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Map<String, Object>>> bmf =
                (Map<String, Map<String, Map<String, Object>>>) Json.parse(out.toString(StandardCharsets.UTF_8));
        Map<String, Map<String, Object>> enc =
                bmf.get("encrypt{backend=jdk,burst=32,keyCache=true,size=64,traffic=fixed,version=0,workers=1}");
        assertEquals(2.5, enc.get("throughput").get("value"));
        assertTrue((Double) enc.get("throughput").get("lower_value") < 2.5);
        assertTrue((Double) enc.get("throughput").get("upper_value") > 2.5);
        assertEquals(1.28, enc.get("gbps").get("value"));
        assertEquals(31.2, bmf.get("dev.psp.bench.AeadBench.open{backend=jdk,mode=sample,size=64}")
                .get("latency-max").get("value"));
        assertEquals(0.412, bmf.get("dev.psp.bench.AeadBench.open{backend=jdk,mode=sample,size=64}")
                .get("latency").get("value"));
        assertFalse(bmf.keySet().stream().anyMatch(k -> k.startsWith("decrypt")), "failed results are left out");

        Path csv = tmp.resolve("out.csv");
        out.reset();
        assertEquals(0, ExportCommand.run(new String[] {"--format=csv", "-o", csv.toString(),
            resource("psp-bench.json").toString()}, o, e));
        List<String> lines = Files.readAllLines(csv);
        assertEquals(3, lines.size());
        assertTrue(lines.get(0).startsWith("commit,dirty,time,host,source,name,params,key,score"), lines.get(0));
        assertTrue(lines.get(1).contains(",encrypt,backend=jdk;version=0;size=64;"), lines.get(1));
        assertTrue(lines.get(1).contains("\"encrypt{backend=jdk,burst=32"), "quoted key: " + lines.get(1));

        err.reset();
        assertEquals(2, ExportCommand.run(new String[] {"--format", "xml", "x.json"}, o, e));
        assertEquals("psp export: unknown format \"xml\" (expected bmf, csv or json)",
                err.toString(StandardCharsets.UTF_8).trim());
    }
}
