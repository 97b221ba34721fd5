package dev.psp.engine.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.psp.engine.crypto.AeadBackends;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The PSP workload's tallies: packets and payload bytes of what was delivered, failures by reason. */
class PspWorkloadTest {

    @Test
    void failedPacketsLeaveThePayloadTally() throws Exception {
        // 16 slots with payloads 64, 200, 300, 500 in turn; slots 0, 3, 6, 9, 12, 15 carry a corrupted ICV
        BenchOptions o = BenchOptions.parse(new String[] {"--mode", "decrypt", "--ring", "16", "--burst", "8",
                "--flows", "3", "--corrupt-every", "3"});
        int[] payloads = {64, 200, 300, 500};
        try (PspWorkload w = new PspWorkload(o, AeadBackends.jdk(), payloads, 1)) {
            for (int i = 0; i < 4; i++) {
                w.runBurst();
            }
            assertEquals(32, w.packetsIn());
            assertEquals(20, w.packetsOut());
            long corrupted = 64 + 500 + 300 + 200 + 64 + 500;
            assertEquals(2 * (4 * (64 + 200 + 300 + 500) - corrupted), w.payloadBytesOut());
            assertEquals(Map.of("rx-auth-fail", 12L), w.drops());
            assertNull(w.counterMismatch());
        }
    }
}
