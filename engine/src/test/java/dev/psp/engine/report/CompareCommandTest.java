package dev.psp.engine.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareCommandTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    Run compare(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CompareCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Path write(String name, ResultSet rs) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, ResultsIO.write(rs));
        return p;
    }

    @Test
    void identicalInputsPass() throws Exception {
        ResultSet rs = Fixtures.run("a1", "2026-01-01T00:00:00Z", 1, 1.0);
        Path base = write("base.json", rs);
        Path head = write("head.json", rs);
        Run r = compare(base.toString(), head.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("OK: no result regressed by more than 5%"), r.out());
        assertEquals("", r.err());
        // Every key is in the table, with a welch significance.
        assertTrue(r.out().contains("welch p="), r.out());
    }

    @Test
    void injected20PercentRegressionFailsWithAClearMessage() throws Exception {
        ResultSet base = Fixtures.run("a1", "2026-01-01T00:00:00Z", 1, 1.0);
        List<BenchResult> results = new ArrayList<>(base.results());
        BenchResult victim = results.get(3); // encrypt jdk 1024
        ResultSet one = Fixtures.scaled(new ResultSet(base.format(), null, base.meta(), List.of(victim)), 0.8);
        results.set(3, one.results().getFirst());
        ResultSet head = new ResultSet(base.format(), "head", base.meta(), results);
        Run r = compare(write("base.json", base).toString(), write("head.json", head).toString());
        assertEquals(1, r.code(), r.out() + r.err());
        String err = r.err().trim();
        assertEquals(1, err.lines().count(), "one line on err: " + err);
        assertTrue(err.startsWith("psp compare: FAIL: 1 of "), err);
        assertTrue(err.contains("regressed by more than 5%"), err);
        assertTrue(err.contains(victim.key() + " -20.0%"), err);
        assertTrue(err.contains("higher is better"), err);
        // The worst change is the first row of the table.
        String firstRow = r.out().lines().filter(l -> l.contains("REGRESSION") || l.contains("OK ")).findFirst()
                .orElseThrow();
        assertTrue(firstRow.contains("REGRESSION") && firstRow.contains("-20.0%"), r.out());
    }

    @Test
    void noiseWithinTheSamplesSpreadPasses() throws Exception {
        // Noisy samples (±15%): a 6% drop of the mean is beyond the threshold but not significant.
        Random rnd = new Random(42);
        double[] a = new double[8];
        double[] b = new double[8];
        for (int k = 0; k < a.length; k++) {
            a[k] = 10 * (1 + 0.15 * rnd.nextGaussian());
            b[k] = 9.4 * (1 + 0.15 * rnd.nextGaussian());
        }
        BenchResult ra = result("encrypt", a, "Mpps", true);
        BenchResult rb = result("encrypt", b, "Mpps", true);
        Run r = compare(write("base.json", set(ra)).toString(), write("head.json", set(rb)).toString());
        double change = (rb.score() - ra.score()) / ra.score() * 100;
        assertTrue(change < -5, "fixture must be worse than the threshold, is " + change);
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("NOISE"), r.out());
        assertTrue(r.out().contains("1 worse but within noise"), r.out());
    }

    @Test
    void smallNoiseAroundTheSameMeanPassesForEveryFixtureResult() throws Exception {
        ResultSet base = Fixtures.run("a1", "2026-01-01T00:00:00Z", 1, 1.0);
        ResultSet head = Fixtures.run("b2", "2026-01-02T00:00:00Z", 2, 1.0); // other seed, same means, 1% noise
        Run r = compare(write("base.json", base).toString(), write("head.json", head).toString());
        assertEquals(0, r.code(), r.out() + r.err());
    }

    @Test
    void lowerIsBetterIsRespected() throws Exception {
        double[] base = {100, 101, 99, 100, 100};
        double[] slower = {120, 121, 119, 120, 120};
        double[] faster = {80, 81, 79, 80, 80};
        Path b = write("b.json", set(result("latency", base, "ns/op", false)));
        Run up = compare(b.toString(), write("h1.json", set(result("latency", slower, "ns/op", false))).toString());
        assertEquals(1, up.code(), up.out());
        assertTrue(up.err().contains("+20.0%") && up.err().contains("lower is better"), up.err());
        Run down = compare(b.toString(), write("h2.json", set(result("latency", faster, "ns/op", false))).toString());
        assertEquals(0, down.code(), down.out());
        assertTrue(down.out().contains("IMPROVED"), down.out());
    }

    @Test
    void withoutSamplesTheIntervalsDecide() throws Exception {
        BenchResult base = new BenchResult("x", Map.of(), 100, 2, null, "ops/s", true, null, null, null);
        BenchResult overlapping = new BenchResult("x", Map.of(), 93, 6, null, "ops/s", true, null, null, null);
        BenchResult disjoint = new BenchResult("x", Map.of(), 80, 2, null, "ops/s", true, null, null, null);
        Path b = write("b.json", set(base));
        Run noise = compare(b.toString(), write("h1.json", set(overlapping)).toString());
        assertEquals(0, noise.code(), noise.out());
        assertTrue(noise.out().contains("ci overlap"), noise.out());
        Run bad = compare(b.toString(), write("h2.json", set(disjoint)).toString());
        assertEquals(1, bad.code(), bad.out());
        assertTrue(bad.err().contains("ci disjoint"), bad.err());
        // No noise information at all: the change alone decides.
        BenchResult bare = new BenchResult("x", Map.of(), 100, Double.NaN, null, "ops/s", true, null, null, null);
        BenchResult bare2 = new BenchResult("x", Map.of(), 90, Double.NaN, null, "ops/s", true, null, null, null);
        Run none = compare(write("b3.json", set(bare)).toString(), write("h3.json", set(bare2)).toString());
        assertEquals(1, none.code(), none.out());
        assertTrue(none.out().contains(" none "), none.out());
    }

    @Test
    void thresholdOptionAndMissingNewFailed() throws Exception {
        ResultSet base = Fixtures.run("a1", "2026-01-01T00:00:00Z", 1, 1.0);
        ResultSet head = Fixtures.scaled(base, 0.9);
        Path b = write("b.json", base);
        Path h = write("h.json", head);
        assertEquals(1, compare(b.toString(), h.toString()).code());
        assertEquals(0, compare(b.toString(), h.toString(), "--threshold", "15").code());
        assertEquals(0, compare("--threshold=15%", b.toString(), h.toString()).code());
        // A result that failed in head fails the gate; missing and new ones are listed only.
        BenchResult ok = result("a", new double[] {1, 1.01, 0.99}, "Mpps", true);
        BenchResult failed = new BenchResult("a", Map.of("size", "64"), Double.NaN, Double.NaN, null, "Mpps", true, null, null,
                null);
        Run f = compare(write("f1.json", set(ok)).toString(), write("f2.json", set(failed)).toString());
        assertEquals(1, f.code(), f.out());
        assertTrue(f.err().contains("failed in head"), f.err());
        BenchResult c = result("c", new double[] {2, 2.01, 1.99}, "Mpps", true);
        Run mn = compare(write("m1.json", set(ok, c)).toString(),
                write("m2.json", set(result("b", new double[] {1, 1}, "Mpps", true), c)).toString());
        assertEquals(0, mn.code(), mn.out()); // c compared; a (missing) and b (new) are listed only
        assertTrue(mn.out().contains("MISSING") && mn.out().contains("NEW"), mn.out());
    }

    /** A score that is no measurement (infinite, or a negative rate or time) is a failed result, never a pass. */
    @Test
    void impossibleScoresFailTheGate() throws Exception {
        String bench = Files.readString(Path.of(getClass().getResource("/report/psp-bench.json").toURI()));
        Path base = tmp.resolve("base.json");
        Files.writeString(base, bench);
        for (String bad : List.of("1e999", "-2.5", "-1e999")) {
            // the head's samples agree with its score, so only the score itself can be the problem
            String head = bench.replaceFirst("\"mpps\": *2\\.5", "\"mpps\": " + bad)
                    .replaceFirst("\"samples\": *\\[2\\.4, *2\\.5, *2\\.6, *2\\.5, *2\\.5\\]",
                            "\"samples\": [" + bad + ", " + bad + "]");
            assertFalse(head.equals(bench), "fixture changed: " + bad);
            Path h = tmp.resolve("head.json");
            Files.writeString(h, head);
            Run r = compare(base.toString(), h.toString());
            assertEquals(1, r.code(), bad + ": " + r.out() + r.err());
            assertTrue(r.err().contains("failed in head"), bad + ": " + r.err());
        }
        // psp-results/1: an infinite or negative time or rate the same
        for (double bad : new double[] {Double.POSITIVE_INFINITY, -1}) {
            for (boolean hib : new boolean[] {true, false}) {
                BenchResult ok = result("a", new double[] {1, 1.01, 0.99}, hib ? "Mpps" : "ns/op", hib);
                BenchResult odd = new BenchResult("a", Map.of("size", "64"), bad, Double.NaN, null, hib ? "Mpps" : "ns/op",
                        hib, null, null, null);
                Path f1 = write("r1.json", set(ok));
                Path f2 = tmp.resolve("r2.json");
                Files.writeString(f2, ResultsIO.write(set(odd)).replace("\"Infinity\"", "1e999"));
                Run r = compare(f1.toString(), f2.toString());
                assertEquals(1, r.code(), bad + " " + hib + ": " + r.out() + r.err());
                assertTrue(r.err().contains("failed in head"), r.err());
            }
        }
    }

    /** A result whose packets failed or that reports a problem is a failed benchmark: never a pass. */
    @Test
    void failedPacketsOrAProblemFailTheGate() throws Exception {
        String bench = Files.readString(Path.of(getClass().getResource("/report/psp-bench.json").toURI()));
        Path base = tmp.resolve("base.json");
        Files.writeString(base, bench);
        for (String[] bad : List.of(new String[] {"\"failed\":0", "\"failed\":5"},
                new String[] {"\"problem\":null", "\"problem\":\"worker 0 died\""})) {
            String head = bench.replaceFirst(bad[0], bad[1]);
            assertFalse(head.equals(bench), bad[1]);
            Path h = tmp.resolve("head.json");
            Files.writeString(h, head);
            Run r = compare(base.toString(), h.toString());
            assertEquals(1, r.code(), bad[1] + ": " + r.out() + r.err());
            assertTrue(r.err().contains("failed in head"), bad[1] + ": " + r.err());
        }
    }

    /** A gate that compared nothing, a unit that changed, or a result failing on both sides never passes. */
    @Test
    void nothingComparedAUnitChangeOrAFailureOnBothSidesFailsTheGate() throws Exception {
        BenchResult ok = result("a", new double[] {1, 1.01, 0.99}, "ops/us", true);
        BenchResult other = result("b", new double[] {1, 1.01, 0.99}, "ops/us", true);
        BenchResult otherUnit = result("a", new double[] {1e6, 1.01e6, 0.99e6}, "ops/s", true);
        BenchResult failed = new BenchResult("a", Map.of("size", "64"), Double.NaN, Double.NaN, null, "ops/us", true, null,
                null, null);
        Path base = write("base.json", set(ok));
        for (ResultSet head : List.of(set(), set(other), set(otherUnit))) {
            Run r = compare(base.toString(), write("head.json", head).toString());
            assertEquals(1, r.code(), r.out() + r.err());
            assertTrue(r.err().startsWith("psp compare: FAIL"), r.err());
        }
        Run r = compare(write("f1.json", set(failed)).toString(), write("f2.json", set(failed)).toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("failed in head"), r.err());
    }

    @Test
    void badArgumentsExit2WithOneLine() throws Exception {
        Path b = write("b.json", Fixtures.run("a1", null, 1, 1.0));
        for (String[] args : List.of(new String[] {}, new String[] {b.toString()},
                new String[] {b.toString(), b.toString(), "--threshold"},
                new String[] {b.toString(), b.toString(), "--threshold", "abc"},
                new String[] {b.toString(), b.toString(), "--bogus"},
                new String[] {b.toString(), tmp.resolve("nope.json").toString()})) {
            Run r = compare(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertEquals(1, r.err().trim().lines().count(), r.err());
            assertTrue(r.err().startsWith("psp compare: "), r.err());
        }
        Files.writeString(tmp.resolve("broken.json"), "{\"schema\":\"psp-bench/1\",");
        Run r = compare(b.toString(), tmp.resolve("broken.json").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("broken.json") && r.err().contains("line 1"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    static BenchResult result(String name, double[] samples, String unit, boolean hib) {
        return new BenchResult(name, Map.of("size", "64"), Stats.mean(samples),
                Stats.halfWidth(samples, ResultsIO.CONFIDENCE), null, unit, hib, samples, null, null);
    }

    static ResultSet set(BenchResult... r) {
        return new ResultSet(ResultsIO.PSP_RESULTS, null, RunMeta.empty(), List.of(r));
    }
}
