package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Transmit checksum-offload emulation ({@link PspEncoder#innerChecksums}): inner TCP/UDP checksums filled before sealing. */
class InnerChecksumTest {
    static final byte[] MK0 = new byte[32];
    static final byte[] MK1 = new byte[32];

    @ParameterizedTest(name = "v{0} proto {1} {2}")
    @CsvSource({"4,6,TRANSPORT", "4,17,TRANSPORT", "6,6,TRANSPORT", "6,17,TRANSPORT",
        "4,6,TUNNEL", "4,17,TUNNEL", "6,6,TUNNEL", "6,17,TUNNEL"})
    void filledWhenOnLeftAloneWhenOff(int ipv, int proto, Mode mode) {
        Random r = new Random(ipv * 100 + proto + mode.ordinal());
        for (int round = 0; round < 20; round++) {
            int payload = r.nextInt(3000);
            byte[] frame = frame(ipv, proto, payload, r);
            for (boolean on : new boolean[] {false, true}) {
                try (CodecHarness h = new CodecHarness(MK0, MK1)) {
                    h.encoder.innerChecksums(on);
                    TxSa sa = h.install(TxSa.builder().mode(mode).cryptOffset(round % 4), 0x77, round & 3);
                    Packet p = h.load(frame);
                    p.sa = sa;
                    assertEquals(0, h.encoder.seal(p));
                    assertEquals(0, h.decoder(mode).open(p));
                    byte[] clear = p.toByteArray();
                    MemorySegment s = MemorySegment.ofArray(clear);
                    PacketHeaders ph = new PacketHeaders();
                    assertEquals(PacketHeaders.OK, ph.parse(s, 0, clear.length));
                    boolean valid = Checksum.l4Valid(s, ph.l3Off, ph.ipVersion, proto, ph.l4Off, (int) (ph.ipEnd - ph.l4Off));
                    if (on) {
                        assertTrue(valid, "inner checksum filled in");
                        int field = (int) ph.l4Off + (proto == 6 ? 16 : 6);
                        clear[field] = frame[field];
                        clear[field + 1] = frame[field + 1];
                        assertArrayEquals(frame, clear, "only the checksum field changes");
                    } else {
                        assertFalse(valid, "a packet is taken as it comes");
                        assertArrayEquals(frame, clear);
                    }
                }
            }
        }
    }

    /** A {@link Frames} Ethernet + IP + TCP (20-byte header) or UDP frame with a deliberately wrong L4 checksum (0x1234). */
    static byte[] frame(int ipv, int proto, int payload, Random r) {
        byte[] f = Frames.spec().v(ipv).proto(proto).payload(payload).seed(r.nextLong()).build();
        int field = 14 + (ipv == 4 ? 20 : 40) + (proto == 6 ? 16 : 6);
        f[field] = 0x12;
        f[field + 1] = 0x34;
        return f;
    }
}
