package dev.psp.engine.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.psp.engine.crypto.AeadBackends;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The PSP workload's tallies: packets and payload bytes of what was delivered, failures by reason. */
class PspWorkloadTest {

    @Test
    void failedPacketsLeaveThePayloadTally() throws Exception {
        // 12 slots with payloads 64, 200, 300, 500 in turn; slots 0, 3, 6, 9 (64, 500, 300, 200 B) carry a corrupted ICV
        BenchOptions o = BenchOptions.parse(new String[] {"--mode", "decrypt", "--ring", "12", "--burst", "6",
                "--flows", "3", "--corrupt-every", "3"});
        int[] payloads = {64, 200, 300, 500};
        try (PspWorkload w = new PspWorkload(o, AeadBackends.jdk(), payloads, 1)) {
            for (int i = 0; i < 4; i++) { // twice round the ring
                w.runBurst();
            }
            assertEquals(24, w.packetsIn());
            assertEquals(16, w.packetsOut());
            long corrupted = 64 + 500 + 300 + 200;
            assertEquals(2 * (3 * (64 + 200 + 300 + 500) - corrupted), w.payloadBytesOut());
            assertEquals(Map.of("rx-auth-fail", 8L), w.drops());
            assertNull(w.counterMismatch());
        }
    }

    /** {@code --gro}: each burst is one flow's in-order run, so GRO delivers it as one super-packet; the rest still counts segments. */
    @Test
    void groMergesEachFlowsRunAndCountsSegments() throws Exception {
        BenchOptions o = BenchOptions.parse(new String[] {"--mode", "decrypt", "--gro", "--ring", "64", "--burst", "16",
                "--flows", "3"});
        int[] payloads = {1000};
        try (PspWorkload g = new PspWorkload(o, AeadBackends.jdk(), payloads, 1, true);
             PspWorkload plain = new PspWorkload(o, AeadBackends.jdk(), payloads, 1, false)) {
            for (int i = 0; i < 8; i++) { // twice round the ring
                assertEquals(16, g.runBurst());
                assertEquals(16, plain.runBurst());
            }
            assertEquals(128, g.packetsOut());
            assertEquals(8, g.groPacketsOut(), "one super-packet of 16 segments per burst");
            assertEquals(128 * 1000, g.payloadBytesOut());
            assertNull(g.counterMismatch());
            assertEquals(Map.of(), g.drops());
            assertEquals(128, plain.packetsOut());
            assertEquals(0, plain.groPacketsOut());
            assertNull(plain.counterMismatch());
        }
        // 16 jumbo segments do not fit one 64 KB super-packet: 7 + 7 + 2
        try (PspWorkload g = new PspWorkload(o, AeadBackends.jdk(), new int[] {8900}, 1, true)) {
            assertEquals(16, g.runBurst());
            assertEquals(3, g.groPacketsOut());
            assertNull(g.counterMismatch());
        }
        BenchOptions noGro = BenchOptions.parse(new String[] {"--mode", "decrypt", "--tcp"});
        assertThrows(IllegalArgumentException.class, () -> new PspWorkload(noGro, AeadBackends.jdk(), payloads, 1, true));
    }

    /** Packets the decoder drops leave gaps: GRO delivers the runs around them and every segment is still counted once. */
    @Test
    void groWithFailuresKeepsTheCountsBalanced() throws Exception {
        BenchOptions o = BenchOptions.parse(new String[] {"--mode", "decrypt", "--gro", "--ring", "32", "--burst", "16",
                "--flows", "2", "--corrupt-every", "8"});
        try (PspWorkload g = new PspWorkload(o, AeadBackends.jdk(), new int[] {500}, 1, true)) {
            int ok = g.runBurst() + g.runBurst(); // slots 0, 8 | 16, 24 corrupted
            assertEquals(32 - 4, ok);
            assertEquals(Map.of("rx-auth-fail", 4L), g.drops());
            assertEquals((32 - 4) * 500, g.payloadBytesOut());
            // runs between the holes: [1-7] [9-15] | [17-23] [25-31]
            assertEquals(4, g.groPacketsOut());
            assertNull(g.counterMismatch());
        }
    }
}
