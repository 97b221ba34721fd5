package dev.psp.engine.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.psp.engine.crypto.AeadBackends;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code psp bench --tso-mss}: both sides seal every segment of each super-packet and count segments and payload alike. */
class TsoWorkloadTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void bothSidesSealEverySegmentOfEachSuperPacket(boolean tso) throws Exception {
        for (String ip : new String[] {"--tcp", "--ipv6"}) {
            // 4500 bytes at MSS 1000: 4 full segments and one of 500; ring 20 = 4 super-packets of 5 segments
            BenchOptions o = BenchOptions.parse(new String[] {"--tso-mss", "1000", "--sizes", "4500", "--ring", "20", "--burst", "5",
                    "--flows", "3", ip});
            try (TsoWorkload w = new TsoWorkload(o, AeadBackends.best(), new int[] {4500}, 1, tso)) {
                assertEquals(5, w.segmentsPerSuperPacket());
                for (int i = 0; i < 9; i++) { // round the ring twice and then some
                    assertEquals(5, w.runBurst());
                }
                assertEquals(45, w.packetsIn());
                assertEquals(45, w.packetsOut());
                assertEquals(9 * 4500, w.payloadBytesOut());
                assertEquals(Map.of(), w.drops());
                assertNull(w.counterMismatch());
                w.resetCounts();
                assertEquals(5, w.runBurst());
                assertEquals(4500, w.payloadBytesOut());
                assertNull(w.counterMismatch());
            }
        }
    }

    @org.junit.jupiter.api.Test
    void needsASuperPacketLargerThanTheMss() throws Exception {
        BenchOptions o = BenchOptions.parse(new String[] {"--tso-mss", "1000", "--sizes", "4500"});
        assertThrows(IllegalArgumentException.class, () -> new TsoWorkload(o, AeadBackends.jdk(), new int[] {1000}, 1, true));
        BenchOptions plain = BenchOptions.parse(new String[] {"--sizes", "4500"});
        assertThrows(IllegalArgumentException.class, () -> new TsoWorkload(plain, AeadBackends.jdk(), new int[] {4500}, 1, true));
    }
}
