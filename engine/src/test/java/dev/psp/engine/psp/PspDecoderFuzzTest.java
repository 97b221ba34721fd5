package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;

/**
 * Jazzer fuzzing of the receive path and the transmit path on arbitrary frames. In the default
 * suite it replays the seeds (regression mode, in a surefire fork of its own: Jazzer's agent
 * stays in the JVM that loads it); coverage-guided fuzzing:
 * {@code bash scripts/fuzz.sh} (README, set-up).
 * Invariants: nothing throws, every packet lands in exactly one counter, a delivered packet is
 * authenticated and never longer than what came in, and whatever seals opens back to the input.
 * The open seeds ({@code PspDecoderFuzzTestInputs/openNeverMisbehaves}, raw frames as
 * {@code data}) are one frame sealed with this test's SA (the seal seed, tunnel mode, VC, crypt
 * offset 1), the same with its last ICV byte flipped and cut 8 bytes short; in replay the valid
 * one must be delivered ({@link #validOpenSeedDelivered}), or the replay only reaches rejections.
 */
class PspDecoderFuzzTest {
    // created lazily, inside the fuzz run: codec classes must load after Jazzer's agent so they are instrumented
    private static CodecHarness h;
    private static PspDecoder dec;
    private static TxSa sa;
    private static int opens;
    private static int delivered;

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
        opens++;
        assertEquals(before + 1, c.rxPackets + c.rxAuthFail + c.rxError + c.rxBad + c.rxPassthrough);
        if (rc == 0) {
            delivered++;
            assertTrue(p.authenticated);
            assertTrue(p.length <= data.length);
        }
    }

    /** Replay mode: the valid seed went all the way through open (not checked while fuzzing). */
    @AfterAll
    static void validOpenSeedDelivered() {
        String fuzz = System.getenv("JAZZER_FUZZ");
        if (opens > 0 && (fuzz == null || fuzz.isEmpty())) {
            assertTrue(delivered > 0, "no openNeverMisbehaves seed was delivered (" + opens
                    + " replayed): the valid sealed seed is missing or stale (SA or master keys changed?)");
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
