package dev.psp.engine.psp;

import static dev.psp.engine.psp.CraftedHeaders.assertDropped;
import static dev.psp.engine.psp.CraftedHeaders.hdrExtLen;
import static dev.psp.engine.psp.CraftedHeaders.vBit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.psp.engine.Frames;
import dev.psp.engine.wire.Bytes;
import org.junit.jupiter.api.Test;

/**
 * PSP.md: Hdr Ext Len is 1, or 2 with a VC (V=1). Any other value, or 2 without V, is a bad PSP
 * header (rx-bad-header, rx-error), never delivered, even with a valid ICV.
 */
class HdrExtLenTest {
    private final CraftedHeaders crafted = new CraftedHeaders();

    private Packet craft(CodecHarness h, TxSa sa, byte[] frame, java.util.function.Consumer<Packet> edit) {
        return crafted.craft(h, sa, frame, edit);
    }

    @Test
    void hdrExtLen2WithoutAVcIsABadHeader() {
        try (CodecHarness h = new CodecHarness(RoundTripTest.MK0, RoundTripTest.MK1)) {
            int spi = 0x600;
            for (Mode mode : new Mode[] {Mode.TRANSPORT, Mode.TUNNEL}) {
                for (int co : new int[] {0, 2, 3}) {
                    PspDecoder dec = h.decoder(mode);
                    byte[] frame = Frames.spec().v(4).proto(6).payload(64).build();
                    TxSa sa = h.install(TxSa.builder().mode(mode).cryptOffset(co).vc(true, 9)
                            .ivSource(new CounterIvSource(1)), spi++, 0);
                    Packet p = craft(h, sa, frame, q -> vBit(q, false)); // Hdr Ext Len stays 2
                    assertEquals(2, Bytes.u8(p.segment, p.aeadOff + 1));
                    long before = h.rxCounters.reasons[Reason.RX_BAD_HEADER.code()];
                    long err = h.rxCounters.rxError;
                    assertDropped(h, p, dec.open(p), Reason.RX_BAD_HEADER, before);
                    assertEquals(err + 1, h.rxCounters.rxError);
                }
            }
            // the same from a packet sealed without a VC: Hdr Ext Len raised to 2, V left 0
            TxSa sa = h.install(TxSa.builder().mode(Mode.TRANSPORT).ivSource(new CounterIvSource(1)), spi++, 1);
            Packet p = craft(h, sa, Frames.spec().v(6).proto(17).payload(64).build(), q -> hdrExtLen(q, 2));
            long before = h.rxCounters.reasons[Reason.RX_BAD_HEADER.code()];
            assertDropped(h, p, h.decoder(Mode.TRANSPORT).open(p), Reason.RX_BAD_HEADER, before);
            assertEquals(0, h.rxCounters.rxAuthFail);
            assertEquals(0, h.rxCounters.rxBad);
        }
    }

    @Test
    void hdrExtLenIsExactly1OrExactly2WithAVc() {
        try (CodecHarness h = new CodecHarness(RoundTripTest.MK0, RoundTripTest.MK1)) {
            PspDecoder dec = h.decoder(Mode.TRANSPORT);
            byte[] frame = Frames.spec().v(4).proto(6).payload(200).build();
            int spi = 0x700;
            int[][] bad = {{0, 0}, {0, 1}, {1, 1}, {2, 0}, {3, 0}, {3, 1}, {4, 1}, {255, 1}};
            for (int[] c : bad) {
                int hel = c[0];
                boolean v = c[1] != 0;
                TxSa sa = h.install(TxSa.builder().mode(Mode.TRANSPORT).ivSource(new CounterIvSource(1)), spi++, 0);
                Packet p = craft(h, sa, frame, q -> {
                    hdrExtLen(q, hel);
                    vBit(q, v);
                });
                int rc = dec.open(p);
                assertFalse(p.authenticated, "hel " + hel + " v " + v);
                assertEquals(0, h.rxCounters.rxPackets, "hel " + hel + " v " + v);
                // the header rule is checked before the lengths: every bad value is a bad header
                assertEquals(Reason.RX_BAD_HEADER.code(), rc, "hel " + hel + " v " + v + ": " + Reason.of(rc));
            }
            assertEquals(bad.length, h.rxCounters.rxError);
            // the two valid forms, crafted the same way, are delivered
            TxSa plain = h.install(TxSa.builder().mode(Mode.TRANSPORT).ivSource(new CounterIvSource(1)), spi++, 0);
            Packet p1 = craft(h, plain, frame, q -> hdrExtLen(q, 1));
            assertEquals(0, dec.open(p1));
            TxSa withVc = h.install(TxSa.builder().mode(Mode.TRANSPORT).vc(true, 3).ivSource(new CounterIvSource(1)), spi++, 0);
            Packet p2 = craft(h, withVc, frame, q -> hdrExtLen(q, 2));
            assertEquals(0, dec.open(p2));
            assertEquals(2, h.rxCounters.rxPackets);
        }
    }
}
