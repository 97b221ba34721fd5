package dev.psp.engine.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.report.Json;
import dev.psp.engine.device.SaTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SA-memory checks: the transmit key slab is 32 bytes per SA; in the slow suite, heap per stored
 * transmit SA is bounded and receive memory does not grow with the number of distinct SPIs.
 */
class SaMemoryTest {
    /**
     * Allowed receive growth (one-sided: the C heap may shrink meanwhile). Process-wide C-heap and
     * JIT noise reach a few MB, so the check runs at 1e6 SPIs, where keeping even 16 bytes per SPI
     * would exceed it.
     */
    static final long RX_SLACK = 16L << 20;

    @Test
    void txKeySlabIs32BytesPerSa() {
        SaMemory.TxResult t = SaMemory.measureTx(100_000);
        assertEquals(100_000L * SaTable.KEY_STRIDE, t.slabBytes(), "key slab: 32 B per SA");
        // the process's native-memory delta (mallinfo2) is reported by the SaMemory tool, not asserted:
        // other threads and the JIT allocate C heap meanwhile; the slab size above is the deterministic part
        // at 1e3 SAs the device's fixed cost (about 1 MB) dominates the per-SA figure: not asserted
    }

    /**
     * The retained-heap delta is whole-process, so in the JVM shared with the other test classes (their threads
     * and the JIT allocate meanwhile) it is noise as much as SAs: slow suite, like the receive check below.
     */
    @Test
    @Tag("slow")
    void txHeapPerSaIsBounded() {
        SaMemory.TxResult t = SaMemory.measureTx(100_000);
        assertTrue(t.heapPerSa() < 128, "heap per SA " + t.heapPerSa());
    }

    /**
     * Process-wide memory deltas are noisy in a JVM shared with the other test classes (their
     * threads and the JIT allocate meanwhile), so this runs with the slow suite
     * ({@code bash scripts/test.sh -Pslow}); the SaMemory tool reports the same figures.
     */
    @Test
    @Tag("slow")
    void receiveMemoryDoesNotGrowWithSpis() {
        for (int n : new int[] {1_000, 1_000_000}) {
            SaMemory.RxResult d = SaMemory.measureRxDevice(n, 1024);
            assertEquals(n, d.opened());
            assertTrue(d.growth() < RX_SLACK, "rx-device growth at " + n + ": " + d);
            SaMemory.RxResult o = SaMemory.measureRxOpen(n, "jdk", 1024);
            assertEquals(n, o.opened());
            assertTrue(o.growth() < RX_SLACK, "rx-open growth at " + n + ": " + o);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonRowsAndBadArguments() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int[] sizes = {1_000};
        SaMemory.measure(sizes, 256, "jdk", true, new PrintStream(o, true, StandardCharsets.UTF_8));
        List<Object> rows = (List<Object>) assertInstanceOf(List.class, Json.parseStrict(o.toString(StandardCharsets.UTF_8).strip()));
        assertEquals(4 + 2 * 4, rows.size());
        for (Object r : rows) {
            Map<String, Object> m = (Map<String, Object>) r;
            assertTrue(((String) m.get("name")).startsWith("sa-memory."));
            assertInstanceOf(Map.class, m.get("params"));
            assertInstanceOf(Number.class, m.get("score"));
            assertTrue(m.containsKey("unit"));
            assertEquals(Boolean.FALSE, m.get("higherIsBetter"));
        }
        for (String bad : new String[] {"--max 1e9", "--bogus", "--max", "--max x", "--cache 3", "--cache=x", "1000"}) {
            ByteArrayOutputStream be = new ByteArrayOutputStream();
            assertEquals(2, SaMemory.run(bad.split(" "), new PrintStream(o), new PrintStream(be, true, StandardCharsets.UTF_8)));
            String err = be.toString(StandardCharsets.UTF_8);
            assertTrue(err.startsWith("SaMemory: ") && err.strip().lines().count() == 1, bad + ": " + err);
        }
    }
}
