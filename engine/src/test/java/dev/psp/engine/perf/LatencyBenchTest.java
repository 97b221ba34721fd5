package dev.psp.engine.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.report.Json;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.report.Latency;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code psp bench --latency}: short paced runs (no timing is asserted), report shape and argument errors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LatencyBenchTest {
    private static void assertMonotone(double[] v, String what) {
        for (int k = 1; k < v.length; k++) {
            assertTrue(v[k - 1] <= v[k], what + ": percentiles not monotone at " + k + ": " + Arrays.toString(v));
        }
    }

    @Test
    void histogramCountsEveryMeasuredPacketAndWarmupIsExcluded() throws BenchOptions.BadOption {
        BenchOptions o = BenchOptions.parse(new String[] {"--latency", "--rate", "20000", "--duration", "0.3",
                "--warmup", "0.1", "--workers", "1", "--sizes", "64", "--backend", "jdk"});
        LineRateHarness.Result r = LatencyBench.measure(o, AeadBackends.jdk(), new int[] {64});
        assertNull(r.problem(), r.problem());
        assertEquals(0, r.failed());
        LatencyBench.Measured m = r.latency();
        assertNotNull(m);
        Histogram h = m.histogram();
        // 0.3 s at 20000 pps: exactly the 6000 scheduled packets, none of the 2000 warmup packets
        assertEquals(6000, h.getTotalCount());
        assertEquals(6000, r.packets());
        assertEquals(0, m.unsent());
        assertEquals(20000.0, m.offeredRate());
        // the window runs from the first measured packet's due time to the last delivery, which comes after the
        // last packet's due time 5999 periods later: never shorter, so the achieved rate never beats the offered one
        assertTrue(r.seconds() >= 5999 / 20000.0 - 1e-9, "window " + r.seconds());
        assertTrue(m.achievedRate() > 0 && m.achievedRate() <= 6000 / (5999 / 20000.0) + 1e-6,
                "achieved " + m.achievedRate());
        Latency l = m.latency();
        assertEquals("us", l.unit());
        assertMonotone(l.values(), "latency");
        assertTrue(l.p50() > 0, l.toString());
        assertEquals(h.getMaxValue() / 1000.0, l.max(), 1e-9);
        assertEquals(1, r.samples().length);
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonCarriesTheLatencyObjectAndRates() {
        BenchRun r = BenchRun.of("--latency", "--rate", "20000", "--duration", "0.3", "--warmup", "0", "--workers", "1",
                "--sizes", "64,512", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        Map<String, Object> doc = (Map<String, Object>) Json.parseStrict(r.out().strip());
        assertEquals("psp-results/1", doc.get("schema"));
        List<Map<String, Object>> results = (List<Map<String, Object>>) doc.get("results");
        assertEquals(2, results.size());
        for (Map<String, Object> res : results) {
            assertEquals("encrypt", res.get("name"));
            Map<String, Object> params = (Map<String, Object>) res.get("params");
            assertEquals("20000", params.get("rate"));
            assertEquals("1", params.get("workers"));
            Map<String, Object> lat = (Map<String, Object>) assertInstanceOf(Map.class, res.get("latency"), res.toString());
            assertEquals(List.of("p50", "p90", "p99", "p99.9", "p99.99", "max", "unit"), List.copyOf(lat.keySet()));
            assertEquals("us", lat.get("unit"));
            double[] v = new double[6];
            for (int k = 0; k < 6; k++) {
                v[k] = (Double) lat.get(Latency.KEYS[k]);
            }
            assertMonotone(v, res.toString());
            assertEquals(20000.0, res.get("offeredRate"));
            assertTrue((Double) res.get("achievedRate") > 0);
            assertTrue(res.containsKey("missedSchedule"));
            assertEquals(6000.0, res.get("latencyCount"));
            assertEquals(6000.0, res.get("packets"));
            assertEquals(0.0, res.get("failed"));
            assertEquals(0.0, res.get("unsent"));
            assertEquals(null, res.get("problem"));
            assertEquals("Mpps", res.get("unit"));
            assertEquals(Boolean.TRUE, res.get("higherIsBetter"));
            assertEquals(res.get("mpps"), res.get("score"));
        }
        assertEquals(64.0, results.get(0).get("size"));
        assertEquals(512.0, results.get(1).get("size"));
    }

    @Test
    void imixTemplatesKeepTheMixBeyondTheCap() {
        int flows = 4096;
        TrafficGenerator gen = new TrafficGenerator(1, flows);
        int[] imix = gen.imixPayloadSizes(256);
        int maxFrame = gen.frameLength(Arrays.stream(imix).max().orElseThrow());
        assertTrue((long) flows * imix.length * maxFrame > LatencyBench.TEMPLATE_BYTES_CAP, "the capped case");
        int[] t = LatencyBench.templatePayloads(flows, imix, maxFrame, LatencyBench.TEMPLATE_BYTES_CAP);
        assertEquals(0, t.length % imix.length, "whole runs of the payload list");
        assertTrue(t.length >= flows, "every flow has a template");
        assertTrue((long) t.length * maxFrame <= LatencyBench.TEMPLATE_BYTES_CAP, "bounded");
        for (int size : Arrays.stream(imix).distinct().toArray()) {
            long inList = Arrays.stream(imix).filter(x -> x == size).count();
            long inTemplates = Arrays.stream(t).filter(x -> x == size).count();
            assertEquals(inList * t.length, inTemplates * imix.length, "share of " + size + "-byte payloads");
        }
        // small cap, small lists: exact layouts
        assertArrayEquals(new int[] {1, 2, 3, 1, 2, 3}, LatencyBench.templatePayloads(5, new int[] {1, 2, 3}, 100, 1000));
        assertArrayEquals(new int[] {1, 1, 2, 2, 3, 3}, LatencyBench.templatePayloads(2, new int[] {1, 2, 3}, 100, 1000));
        assertArrayEquals(new int[] {7, 7, 7}, LatencyBench.templatePayloads(3, new int[] {7}, 1000, 1000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"decrypt", "roundtrip"})
    void decryptAndRoundTripRunCleanThroughThePipeline(String mode) {
        BenchRun r = BenchRun.of("--latency", "--rate", "20000", "--mode", mode, "--duration", "0.2", "--warmup", "0.05",
                "--workers", "2", "--sizes", "200", "--psp-version", "1", "--csv");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        assertEquals(LatencyBench.CSV_HEADER, lines[0]);
        assertTrue(lines[1].startsWith(mode + ","), lines[1]);
        String[] f = lines[1].split(",");
        assertEquals("4000", f[16], "count: " + lines[1]);
        assertEquals("0", f[19], "failed: " + lines[1]);
    }

    @Test
    void tableHasOneRowPerSize() {
        BenchRun t = BenchRun.of("--latency", "--rate", "20000", "--duration", "0.1", "--warmup", "0", "--imix");
        assertEquals(0, t.code(), t.err());
        String[] lines = t.out().strip().split("\n");
        assertEquals(4, lines.length, t.out()); // 2 comment lines, header, one IMIX row
        assertTrue(lines[2].contains("p99.99"), lines[2]);
        assertTrue(lines[3].contains("imix"), lines[3]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--latency", "--latency --sizes 64", "--rate 1000", "--latency --rate 0", "--latency --rate x",
            "--latency --rate 1000 --mode kdf", "--latency --rate 1000 --baseline", "--latency --rate 1000 --backend raw-jdk",
            "--latency --rate 1000 --mode decrypt --corrupt-every 4", "--latency --rate",
            "--latency --rate 1 --duration 0.01", "--latency --rate 100 --duration 0.5"})
    void badArgumentsGiveExitCodeTwoAndOneLine(String args) {
        BenchRun r = BenchRun.of(args.split(" "));
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
        assertTrue(r.err().startsWith("psp bench: "), r.err());
        if (args.equals("--latency")) {
            assertTrue(r.err().contains("--rate"), r.err());
        }
    }
}
