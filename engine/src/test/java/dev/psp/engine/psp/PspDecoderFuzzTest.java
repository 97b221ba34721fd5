package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzzing of the receive path and the transmit path on arbitrary frames. In the default
 * suite it replays the seeds (regression mode, in a surefire fork of its own: Jazzer's agent
 * stays in the JVM that loads it); coverage-guided fuzzing:
 * {@code JAZZER_FUZZ=1 mvn -B -pl ffm-bindings,engine surefire:test@jazzer} (README, "Tests").
 * Invariants: nothing throws, every packet lands in exactly one counter, a delivered packet is
 * authenticated and never longer than what came in, and whatever seals opens back to the input.
 */
class PspDecoderFuzzTest {
    // created lazily, inside the fuzz run: codec classes must load after Jazzer's agent so they are instrumented
    private static CodecHarness h;
    private static PspDecoder dec;
    private static TxSa sa;

    private static void init() {
        if (h == null) {
            h = new CodecHarness(RoundTripTest.MK0, RoundTripTest.MK1);
            dec = h.decoder(Mode.AUTO);
            sa = h.install(TxSa.builder().mode(Mode.TUNNEL).cryptOffset(1).vc(true, 1)
                    .ivSource(new CounterIvSource(1)), 0x1234, 0);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void openNeverMisbehaves(byte[] data) {
        if (data.length > 60_000) {
            return;
        }
        init();
        PspCounters c = h.rxCounters;
        long before = c.rxPackets + c.rxAuthFail + c.rxError + c.rxBad + c.rxPassthrough;
        Packet p = h.load(data);
        int rc = dec.open(p);
        assertEquals(before + 1, c.rxPackets + c.rxAuthFail + c.rxError + c.rxBad + c.rxPassthrough);
        if (rc == 0) {
            assertTrue(p.authenticated);
            assertTrue(p.length <= data.length);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void sealNeverMisbehavesAndRoundTrips(byte[] data) {
        if (data.length > 60_000) {
            return;
        }
        init();
        long before = h.txCounters.txPackets + h.txCounters.txError;
        Packet p = h.load(data);
        p.sa = sa;
        int rc = h.encoder.seal(p);
        assertEquals(before + 1, h.txCounters.txPackets + h.txCounters.txError);
        if (rc == 0) {
            assertEquals(0, h.decoder(Mode.TUNNEL).open(p));
            org.junit.jupiter.api.Assertions.assertArrayEquals(data, p.toByteArray());
        }
    }
}
