package dev.psp.engine.psp;

import static dev.psp.engine.psp.CraftedHeaders.assertDropped;
import static dev.psp.engine.psp.CraftedHeaders.nextHeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import org.junit.jupiter.api.Test;

/**
 * PSP.md: tunnel mode carries an IP packet, next header 4 (IPv4) or 41 (IPv6). An authenticated
 * tunnel-mode packet with any other next header is a bad inner packet (rx-bad-inner, rx-error),
 * never delivered; {@code auto} keeps its rule (4 or 41 means tunnel, anything else transport).
 */
class TunnelNextHeaderTest {
    private final CraftedHeaders crafted = new CraftedHeaders();

    private Packet craft(CodecHarness h, TxSa sa, byte[] frame, java.util.function.Consumer<Packet> edit) {
        return crafted.craft(h, sa, frame, edit);
    }

    private static TxSa tunnelSa(CodecHarness h, int spi, boolean vc) {
        return h.install(TxSa.builder().mode(Mode.TUNNEL).vc(vc, 0x1122334455667788L).ivSource(new CounterIvSource(1)), spi, 0);
    }

    @Test
    void tunnelModeRefusesANextHeaderOtherThan4Or41() {
        try (CodecHarness h = new CodecHarness(RoundTripTest.MK0, RoundTripTest.MK1)) {
            PspDecoder dec = h.decoder(Mode.TUNNEL);
            int spi = 0x300;
            int dropped = 0;
            for (int family : new int[] {4, 6}) {
                byte[] frame = Frames.spec().v(family).proto(6).payload(64).build();
                for (int nh : new int[] {6, 17, 0, 59, 50, 255}) {
                    for (boolean vc : new boolean[] {false, true}) {
                        Packet p = craft(h, tunnelSa(h, spi++, vc), frame, q -> nextHeader(q, nh));
                        long before = h.rxCounters.reasons[Reason.RX_BAD_INNER.code()];
                        long err = h.rxCounters.rxError;
                        int rc = dec.open(p);
                        assertDropped(h, p, rc, Reason.RX_BAD_INNER, before);
                        assertEquals(err + 1, h.rxCounters.rxError, "rx-error for nh " + nh);
                        dropped++;
                    }
                }
            }
            assertEquals(dropped, h.rxCounters.rxError);
            assertEquals(0, h.rxCounters.rxAuthFail);
            assertEquals(0, h.rxCounters.rxBad);
            // the crafting is sound: the right next header, resealed the same way, is delivered
            byte[] frame = Frames.spec().v(4).proto(6).payload(64).build();
            Packet ok = craft(h, tunnelSa(h, spi++, false), frame, q -> nextHeader(q, 4));
            assertEquals(0, dec.open(ok));
            assertTrue(ok.authenticated);
            assertEquals(1, h.rxCounters.rxPackets);
        }
    }

    @Test
    void tunnelModeRefusesAWrongNextHeaderInABurstToo() {
        try (CodecHarness h = new CodecHarness(RoundTripTest.MK0, RoundTripTest.MK1)) {
            byte[] frame = Frames.spec().v(4).proto(17).payload(40).build();
            Packet p = craft(h, tunnelSa(h, 0x400, false), frame, q -> nextHeader(q, 6));
            assertEquals(0, h.decoder(Mode.TUNNEL).openBurst(new Packet[] {p}, 1));
            assertEquals(Reason.RX_BAD_INNER.code(), p.result);
            assertFalse(p.authenticated);
            assertEquals(1, h.rxCounters.rxError);
            assertEquals(0, h.rxCounters.rxPackets);
        }
    }

    @Test
    void autoModeKeepsItsRuleANextHeaderOtherThan4Or41IsTransport() {
        // README: auto means "next header 4 or 41 is tunnel"; next header 6 is a transport packet
        try (CodecHarness h = new CodecHarness(RoundTripTest.MK0, RoundTripTest.MK1)) {
            byte[] frame = Frames.spec().v(4).proto(6).payload(64).build();
            Packet p = craft(h, tunnelSa(h, 0x500, false), frame, q -> nextHeader(q, 6));
            assertEquals(0, h.decoder(Mode.AUTO).open(p));
            assertFalse(p.tunnel);
            assertTrue(p.authenticated);
        }
    }
}
