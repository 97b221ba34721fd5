package dev.psp.engine.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.report.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Runs the harness briefly (no timing is asserted) and checks its reports and its argument errors. */
class LineRateHarnessTest {
    private static final List<String> META_KEYS = List.of("commit", "dirty", "time", "host", "cpuModel", "cpuFlags",
            "cores", "kernel", "jdk", "backends", "commandLine");
    /** The psp-bench/1 members, all kept in psp-results/1. */
    private static final List<String> RESULT_KEYS = List.of("mode", "backend", "version", "size", "traffic", "workers",
            "burst", "keyCache", "mpps", "gbps", "nsPerPacket", "opsPerSec", "packets", "failed", "seconds", "samples",
            "drops", "problem");
    /** What psp-results/1 adds. */
    private static final List<String> RESULTS_KEYS = List.of("name", "params", "score", "scoreError", "scoreConfidence",
            "unit", "higherIsBetter");

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> results(BenchRun r, int expected) {
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        Map<String, Object> doc = (Map<String, Object>) assertInstanceOf(Map.class, Json.parseStrict(r.out().strip()));
        assertEquals("psp-results/1", doc.get("schema"));
        Map<String, Object> meta = (Map<String, Object>) assertInstanceOf(Map.class, doc.get("meta"));
        for (String k : META_KEYS) {
            assertTrue(meta.containsKey(k), "meta lacks " + k);
        }
        assertTrue(((Map<String, Object>) meta.get("backends")).containsKey("jdk"));
        List<Map<String, Object>> results = (List<Map<String, Object>>) assertInstanceOf(List.class, doc.get("results"));
        assertEquals(expected, results.size());
        for (Map<String, Object> res : results) {
            for (String k : RESULT_KEYS) {
                assertTrue(res.containsKey(k), "result lacks " + k + ": " + res);
            }
            for (String k : RESULTS_KEYS) {
                assertTrue(res.containsKey(k), "result lacks " + k + ": " + res);
            }
            assertEquals(res.get("mode"), res.get("name"));
            Map<String, Object> params = (Map<String, Object>) res.get("params");
            assertEquals(List.of("backend", "version", "size", "traffic", "workers", "burst", "keyCache"),
                    List.copyOf(params.keySet()));
            assertEquals(res.get("backend"), params.get("backend"));
            assertEquals(Boolean.TRUE, res.get("higherIsBetter"));
            assertTrue(!res.containsKey("latency"), "no latency in a throughput run");
            boolean ops = res.get("mode").equals("rx-assoc") || res.get("mode").equals("kdf");
            assertEquals(ops ? "ops/s" : "Mpps", res.get("unit"));
            assertEquals(res.get(ops ? "opsPerSec" : "mpps"), res.get("score"));
            assertTrue((Double) res.get("packets") > 0, res.toString());
            assertEquals(0.0, res.get("failed"), res.toString());
            assertEquals(Map.of(), res.get("drops"));
            assertEquals(null, res.get("problem"));
            assertTrue((Double) res.get("mpps") > 0);
            assertTrue(!((List<?>) res.get("samples")).isEmpty());
        }
        return results;
    }

    @ParameterizedTest
    @ValueSource(strings = {"encrypt", "decrypt", "roundtrip"})
    void everyModeReportsCleanJson(String mode) {
        BenchRun r = BenchRun.of("--mode", mode, "--sizes", "64,1400", "--duration", "0.2", "--warmup", "0", "--ring", "64",
                "--json");
        List<Map<String, Object>> res = results(r, 2);
        assertEquals(mode, res.get(0).get("mode"));
        assertEquals(64.0, res.get(0).get("size"));
        assertEquals(1400.0, res.get(1).get("size"));
    }

    @Test
    void baselinesRunInTheSameReport() {
        BenchRun r = BenchRun.of("--baseline", "--sizes", "100", "--duration", "0.2", "--warmup", "0", "--workers", "2",
                "--psp-version", "1", "--json");
        List<Map<String, Object>> res = results(r, 3);
        assertEquals(List.of("encrypt", "raw-encrypt", "raw-encrypt"), res.stream().map(m -> m.get("mode")).toList());
        String best = dev.psp.engine.crypto.AeadBackends.best().name();
        assertEquals(List.of(best, best, "raw-jdk"), res.stream().map(m -> m.get("backend")).toList());
        assertEquals(2.0, res.get(0).get("workers"));
    }

    @Test
    void allBaselinesRunEveryAvailableBackendsRawAead() {
        BenchRun r = BenchRun.of("--all-baselines", "--backend", "jdk", "--sizes", "64", "--duration", "0.1", "--warmup", "0",
                "--json");
        long available = dev.psp.engine.crypto.AeadBackends.all().stream().filter(b -> b.isAvailable()).count();
        List<Map<String, Object>> res = results(r, (int) available + 2);
        assertEquals("encrypt", res.get(0).get("mode"));
        for (int i = 1; i < res.size(); i++) {
            assertEquals("raw-encrypt", res.get(i).get("mode"));
        }
        assertEquals("raw-jdk", res.get(res.size() - 1).get("backend"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rx-assoc", "kdf"})
    void keyOperationModesReportOpsPerSec(String mode) {
        BenchRun r = BenchRun.of("--mode", mode, "--duration", "0.1", "--warmup", "0", "--psp-version", "1", "--json");
        List<Map<String, Object>> res = results(r, 1);
        assertEquals(mode, res.get(0).get("mode"));
        double ops = ((Number) res.get(0).get("opsPerSec")).doubleValue();
        assertTrue(ops > 0, "opsPerSec " + ops);
        assertEquals(0.0, res.get(0).get("failed"));
    }

    @Test
    void gmacImixAndPerPacketKeysRunClean() {
        BenchRun r = BenchRun.of("--imix", "--psp-version", "3", "--mode", "roundtrip", "--key-cache", "0", "--ipv6",
                "--tcp", "--duration", "0.2", "--warmup", "0", "--json");
        Map<String, Object> res = results(r, 1).get(0);
        assertEquals("imix", res.get("traffic"));
    }

    @Test
    void tableAndCsvHaveOneRowPerRun() {
        BenchRun t = BenchRun.of("--sizes", "64:64:128", "--duration", "0.1", "--warmup", "0");
        assertEquals(0, t.code(), t.err());
        assertEquals(5, t.out().strip().split("\n").length, t.out()); // 2 comment lines, header, 2 rows
        assertTrue(t.out().contains("payload bits"));
        BenchRun c = BenchRun.of("--sizes", "64", "--duration", "0.1", "--warmup", "0", "--csv", "--backend", "raw-jdk");
        assertEquals(0, c.code(), c.err());
        String[] lines = c.out().strip().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[1].startsWith("raw-encrypt,raw-jdk,0,64,fixed,1,32,"), lines[1]);
        // the header names the backend the rows show
        BenchRun k = BenchRun.of("--mode", "kdf", "--duration", "0.05", "--warmup", "0");
        assertEquals(0, k.code(), k.err());
        String[] kl = k.out().strip().split("\n");
        assertTrue(kl[0].startsWith("# psp bench: backend jdk,"), kl[0]);
        assertTrue(kl[3].matches("kdf +jdk .*"), kl[3]);
    }

    @Test
    void roundsInterleaveTheRunsAndReportMedianRatios() {
        BenchRun j = BenchRun.of("--baseline", "--sizes", "64", "--duration", "0.3", "--warmup", "0", "--rounds", "3",
                "--workers", "2", "--json");
        List<Map<String, Object>> res = results(j, 3);
        for (Map<String, Object> m : res) {
            assertEquals(3, ((List<?>) m.get("samples")).size(), "one sample per round: " + m);
            double sec = (Double) m.get("seconds");
            assertTrue(sec >= 0.29 && sec < 1, "the rounds add up to the duration: " + m);
        }
        assertEquals(List.of("encrypt", "raw-encrypt", "raw-encrypt"), res.stream().map(m -> m.get("mode")).toList());
        BenchRun t = BenchRun.of("--baseline", "--sizes", "64,200", "--duration", "0.2", "--warmup", "0", "--rounds", "2");
        assertEquals(0, t.code(), t.err());
        String[] lines = t.out().strip().split("\n");
        assertEquals(3 + 2 * (3 + 2), lines.length, t.out()); // 2 comments + header; per size 3 rows + 2 ratios
        String best = dev.psp.engine.crypto.AeadBackends.best().name();
        assertTrue(lines[6].matches("# size 64: encrypt " + best + " / raw-encrypt " + best
                + " = [0-9.]+ \\(median of 2 rounds, [0-9.]+-[0-9.]+\\)"), lines[6]);
        assertTrue(lines[7].startsWith("# size 64: encrypt " + best + " / raw-encrypt raw-jdk = "), lines[7]);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("= ([0-9.]+) \\(median of 2 rounds, ([0-9.]+)-([0-9.]+)\\)")
                .matcher(lines[6]);
        assertTrue(m.find(), lines[6]);
        double median = Double.parseDouble(m.group(1));
        assertTrue(Double.parseDouble(m.group(2)) <= median && median <= Double.parseDouble(m.group(3)) && median > 0, lines[6]);
    }

    @Test
    void groMeasuresDecryptWithAndWithoutGroInTheSameRun() {
        BenchRun j = BenchRun.of("--mode", "decrypt", "--gro", "--sizes", "1400", "--duration", "0.3", "--warmup", "0",
                "--rounds", "2", "--ring", "64", "--json");
        List<Map<String, Object>> res = results(j, 2);
        assertEquals(List.of("decrypt-gro", "decrypt-gro-off"), res.stream().map(m -> m.get("mode")).toList());
        assertEquals(32.0, res.get(0).get("segmentsPerPacket"), "a burst is one flow's run: one super-packet");
        assertTrue(!res.get(1).containsKey("segmentsPerPacket"));
        BenchRun t = BenchRun.of("--mode", "decrypt", "--gro", "--sizes", "8900", "--duration", "0.1", "--warmup", "0",
                "--baseline", "--ring", "64");
        assertEquals(0, t.code(), t.err());
        String out = t.out();
        assertTrue(out.contains("IPv4/TCP"), "--gro implies TCP: " + out);
        assertTrue(out.contains("# --gro: TCP streams"), out);
        assertTrue(out.matches("(?s).*\\ndecrypt-gro .*\\ndecrypt-gro-off .*\\nraw-decrypt .*\\nraw-decrypt .*"), out);
        // 32 jumbo segments: 7 per 64 KB super-packet, 4 x 7 + 4
        assertTrue(out.contains("# size 8900: decrypt-gro " + dev.psp.engine.crypto.AeadBackends.best().name()
                + ": 6.40 segments per delivered packet"), out);
    }

    @Test
    void tsoMssMeasuresTsoAgainstPreCutSegmentsInTheSameRun() {
        BenchRun j = BenchRun.of("--tso-mss", "1448", "--sizes", "65000", "--duration", "0.3", "--warmup", "0",
                "--rounds", "2", "--ipv6", "--json");
        List<Map<String, Object>> res = results(j, 2);
        assertEquals(List.of("encrypt-tso", "encrypt-tso-off"), res.stream().map(m -> m.get("mode")).toList());
        for (Map<String, Object> m : res) {
            double segments = (Double) m.get("packets");
            assertEquals(0.0, segments % 45, "whole super-packets of 45 segments: " + m);
            assertEquals(65000.0, m.get("size"));
        }
        BenchRun t = BenchRun.of("--tso-mss", "9000", "--sizes", "9001", "--duration", "0.1", "--warmup", "0");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("IPv4/TCP"), "--tso-mss implies TCP: " + t.out());
        assertTrue(t.out().contains("# --tso-mss 9000: each size is one TCP super-packet's payload"), t.out());
        assertTrue(t.out().matches("(?s).*\\nencrypt-tso .*\\nencrypt-tso-off .*"), t.out());
    }

    /**
     * Two workers whose one-second windows do not overlap (more workers than cores, or a late start)
     * processed 2 M packets in two seconds of wall time: 1 Mpps, not the 2 Mpps their own rates sum to.
     */
    @Test
    void rowRatesAreTotalsOverTheWallTimeWindow() throws Exception {
        BenchOptions o = BenchOptions.parse(new String[] {"--sizes", "100", "--workers", "2"});
        LineRateHarness.Row summed = new LineRateHarness.Row();
        LineRateHarness.Row windowed = new LineRateHarness.Row();
        for (LineRateHarness.Row row : List.of(summed, windowed)) {
            row.add(1_000_000, 1_000_000, 100_000_000, 1_000_000_000);
            row.add(1_000_000, 1_000_000, 100_000_000, 1_000_000_000);
        }
        windowed.window(2_000_000_000L);
        double[] none = new double[0];
        LineRateHarness.Result a = summed.result(LineRateHarness.Kind.PSP, dev.psp.engine.crypto.AeadBackends.jdk(), o, new int[] {100}, none, Map.of());
        LineRateHarness.Result b = windowed.result(LineRateHarness.Kind.PSP, dev.psp.engine.crypto.AeadBackends.jdk(), o, new int[] {100}, none, Map.of());
        assertEquals(0.0, a.mpps(), 1e-9, "no window, no rate (no worker measured)");
        assertEquals(1.0, b.mpps(), 1e-9);
        assertEquals(0.8, b.gbps(), 1e-9);
        assertEquals(2.0, b.seconds(), 1e-9);
        assertEquals(1000.0, b.nsPerPacket(), 1e-9, "still one worker's time per packet");
    }

    /** Packet buffers beyond the machine's memory: one line naming the options, exit 2, no stack trace (it was an OutOfMemoryError in the worker). */
    @ParameterizedTest
    @ValueSource(strings = {"--ring 1048576 --sizes 65000", "--ring 1048576 --sizes 65000 --backend raw-jdk",
            "--ring 65536 --sizes 65000 --workers 1024 --burst 1", "--latency --rate 1000 --ring 1048576 --workers 8 --sizes 64",
            "--ring 1048576 --workers 1024 --sizes 64 --burst 1"})
    void buffersBeyondTheMachinesMemoryAreABadArgument(String args) {
        BenchRun r = BenchRun.of((args + " --duration 0.1 --warmup 0").split(" "));
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
        assertTrue(r.err().startsWith("psp bench: ") && r.err().contains("--ring"), r.err());
    }

    /**
     * Off-heap buffers alone just inside the machine's memory, plus the Java heap's descriptors (280 bytes
     * a slot) and the JVM itself: beyond it, so refused (the check once counted the buffers only, and
     * the kernel killed the run, exit 137).
     */
    @Test
    void buffersJustInsideTheMachineButNotWithTheirDescriptorsAreABadArgument() {
        long physical = ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        long offHeapPerWorker = 2L * 1048576 * 704; // two rings of 704-byte slots for 64-byte payloads
        long workers = physical * 97 / 100 / offHeapPerWorker;
        BenchRun r = BenchRun.of("--ring", "1048576", "--workers", Long.toString(workers), "--sizes", "64",
                "--duration", "0.1", "--warmup", "0");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
        assertTrue(r.err().startsWith("psp bench: ") && r.err().contains("--ring"), r.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void failedPacketsAreReportedNotHidden() {
        // ring of 64, every 4th buffer corrupted: exactly a quarter of the packets fail authentication
        BenchRun r = BenchRun.of("--mode", "decrypt", "--corrupt-every", "4", "--ring", "64", "--sizes", "200",
                "--duration", "0.2", "--warmup", "0", "--baseline", "--json");
        assertEquals(1, r.code(), r.err());
        assertEquals(3, r.err().strip().split("\n").length, r.err());
        assertTrue(r.err().contains("packets failed"), r.err());
        Map<String, Object> doc = (Map<String, Object>) Json.parseStrict(r.out().strip());
        List<Map<String, Object>> results = (List<Map<String, Object>>) doc.get("results");
        assertEquals(3, results.size());
        for (Map<String, Object> res : results) {
            double ok = (Double) res.get("packets");
            double failed = (Double) res.get("failed");
            assertEquals(ok / 3, failed, 1e-9, res.toString());
            Map<String, Object> drops = (Map<String, Object>) res.get("drops");
            assertEquals(failed, drops.values().iterator().next(), res.toString());
            assertEquals(null, res.get("problem"), "counters must still balance");
        }
        assertTrue(((Map<String, Object>) results.get(0).get("drops")).containsKey("rx-auth-fail"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--corrupt-every 2", "--sizes 10:0:20", "--sizes abc", "--sizes 64,,128", "--sizes 70000", "--workers 0",
            "--mode foo", "--backend nope", "--key-cache 3", "--bogus", "--duration -1", "--sizes", "--csv --json",
            "--psp-version 4", "--burst x", "--workers=x", "--imix=1", "64", "--seed 1.5", "--ring", "--burst 64 --ring 16",
            "--rounds 0", "--rounds x", "--latency --rate 1000 --rounds 2", "--imix --sizes 64", "--gro",
            "--gro --mode roundtrip", "--gro --mode decrypt --backend raw-jdk", "--gro --mode decrypt --latency --rate 1000",
            "--tso-mss 1448", "--tso-mss 87 --sizes 1000", "--tso-mss 9001 --sizes 20000", "--tso-mss 1448 --sizes 65000 --mode decrypt",
            "--tso-mss 1448 --sizes 65000 --baseline", "--tso-mss 1448 --imix", "--tso-mss 1448 --sizes 65000,1448",
            "--tso-mss 1448 --sizes 65000 --backend raw-jdk", "--tso-mss x --sizes 65000",
            "--mode kdf --sizes 64", "--mode rx-assoc --ipv6", "--mode kdf --baseline", "--mode kdf --imix",
            "--mode rx-assoc --key-cache 0", "--mode kdf --backend jdk", "--mode kdf --tcp", "--mode rx-assoc --flows 4",
            "--mode kdf --ring 64", "--mode kdf --all-baselines", "--sizes 64,64", "--sizes 64:64:192,128",
            "--sizes \u0666\u0664", "--backend raw-jdk --baseline", "--backend raw-jdk --all-baselines",
            "--mode decrypt --corrupt-every 1000", "--mode decrypt --corrupt-every 200", "--mode decrypt --corrupt-every 3 --ring 64",
            "--key-cache 16", "--mode encrypt --key-cache 0"})
    void badArgumentsGiveExitCodeTwoAndOneLine(String args) {
        BenchRun r = BenchRun.of(args.split(" "));
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
        assertTrue(r.err().startsWith("psp bench: "), r.err());
    }

    @Test
    void sizeListsAndRanges() throws BenchOptions.BadOption {
        assertEquals(List.of(64, 512, 1400), BenchOptions.parseSizes("64,512,1400"));
        assertEquals(List.of(64, 128, 192, 256), BenchOptions.parseSizes("64:64:256"));
        assertEquals(List.of(100, 150, 200, 250), BenchOptions.parseSizes("100:50:260"));
        assertEquals(List.of(0, 64, 128, 1500), BenchOptions.parseSizes("0,64:64:128,1500"));
        assertEquals(List.of(7), BenchOptions.parseSizes("7:1:7"));
        assertThrows(BenchOptions.BadOption.class, () -> BenchOptions.parseSizes("256:64:64"));
        assertThrows(BenchOptions.BadOption.class, () -> BenchOptions.parseSizes("1:2"));
        assertThrows(BenchOptions.BadOption.class, () -> BenchOptions.parseSizes("-1"));
    }

    /** JSON numbers keep 4 decimals, and 6 significant digits below 1: a latency run at 500 pps is 0.000499..., not 0.0005 (20% off at 0.00045). */
    @Test
    void smallRatesKeepTheirSignificantDigits() {
        assertEquals("0.000449871", LineRateHarness.decimal4(0.000449871234).toPlainString());
        assertEquals("0.5", LineRateHarness.decimal4(0.5).toPlainString());
        assertEquals("12.3457", LineRateHarness.decimal4(12.345678).toPlainString());
        assertEquals("0", LineRateHarness.decimal4(0).toPlainString());
        assertEquals(null, LineRateHarness.decimal4(Double.NaN));
    }

    @Test
    void optionsParseWithSpaceOrEquals() throws BenchOptions.BadOption {
        BenchOptions o = BenchOptions.parse(new String[] {"--duration=0.25", "--workers", "3", "--mode=decrypt"});
        assertEquals(0.25, o.duration);
        assertEquals(3, o.workers);
        assertEquals(BenchOptions.Mode.DECRYPT, o.mode);
        assertEquals(32, o.burst);
        BenchOptions f = BenchOptions.parse(new String[] {"--tcp", "--ipv6", "--seed", "-5", "--key-cache=0", "--mode=roundtrip",
                "--sizes=64:64:128", "--backend", "jdk"});
        assertTrue(!f.imix && f.tcp && !f.latency);
        assertTrue(BenchOptions.parse(new String[] {"--imix", "--tcp"}).imix);
        assertEquals(6, f.ipVersion);
        assertEquals(-5, f.seed);
        assertEquals(0, f.keyCache);
        assertEquals(List.of(64, 128), f.sizes);
        assertEquals("jdk", f.backend);
    }
}
