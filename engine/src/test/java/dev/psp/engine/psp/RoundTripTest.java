package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seal then open gives the original frame back, for every version, mode, inner and outer family,
 * VC on and off, every legal crypt offset 0..63 and payload sizes 0..9000, on frames generated from
 * a fixed seed. The sealed packet's outer headers are checked on the way.
 */
class RoundTripTest {
    static final byte[] MK0 = new byte[32];
    static final byte[] MK1 = new byte[32];

    static {
        new Random(7).nextBytes(MK0);
        new Random(8).nextBytes(MK1);
    }

    static Stream<Arguments> combos() {
        List<Arguments> l = new ArrayList<>();
        for (int version = 0; version < 4; version++) {
            for (Mode mode : new Mode[] {Mode.TRANSPORT, Mode.TUNNEL}) {
                for (int inner : new int[] {4, 6}) {
                    for (int outer : mode == Mode.TRANSPORT ? new int[] {0} : new int[] {0, 4, 6}) {
                        for (boolean vc : new boolean[] {false, true}) {
                            l.add(Arguments.of(version, mode, inner, outer, vc));
                        }
                    }
                }
            }
        }
        return l.stream();
    }

    @ParameterizedTest(name = "v{0} {1} inner=v{2} outer={3} vc={4}")
    @MethodSource("combos")
    void sealThenOpenIsIdentity(int version, Mode mode, int inner, int outer, boolean vc) {
        long seed = version * 1000L + mode.ordinal() * 100L + inner * 10L + outer + (vc ? 5 : 0);
        Random r = new Random(seed);
        int[] sizes = {0, 1, 3, 4, 15, 16, 17, 63, 64, 255, 511, 512, 513, 1400, 1460, 4096, 8900, 9000};
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            PspDecoder dec = h.decoder(mode);
            int spiBase = 0x10 + (int) seed;
            for (int co = 0; co <= 63; co++) {
                int size = co < sizes.length ? sizes[co] : r.nextInt(9001);
                int proto = r.nextInt(4) == 0 ? 6 : 17;
                byte[] frame = Frames.spec().v(inner).proto(proto).payload(size).seed(r.nextLong())
                        .options(inner == 4 && r.nextBoolean() ? 1 + r.nextInt(10) : 0)
                        .ext(inner == 6 && r.nextBoolean(), inner == 6 && r.nextBoolean())
                        .vlan(r.nextInt(3)).pad(r.nextInt(4) == 0 ? r.nextInt(20) : 0).build();
                int spi = (r.nextBoolean() ? 0x80000000 : 0) | (spiBase + co);
                TxSa.Builder b = TxSa.builder().mode(mode).cryptOffset(co).vc(vc, r.nextLong())
                        .sBit(r.nextBoolean()).dBit(r.nextBoolean()).udpChecksum(r.nextBoolean())
                        .ivSource(new CounterIvSource(r.nextLong() & Long.MAX_VALUE));
                if (outer == 4) {
                    b.outer(new byte[] {(byte) 192, 0, 2, 1}, new byte[] {(byte) 192, 0, 2, 2}, 33);
                } else if (outer == 6) {
                    byte[] s6 = new byte[16];
                    byte[] d6 = new byte[16];
                    s6[0] = 0x20; s6[15] = 1; d6[0] = 0x20; d6[15] = 2;
                    b.outer(s6, d6, 33);
                }
                TxSa sa = h.install(b, spi, version);
                Packet p = h.load(frame);
                p.sa = sa;
                int payloadLen = payloadLength(frame, mode);
                boolean legal = PspHeader.isGmac(version) || co * 4 <= payloadLen + (vc ? 8 : 0);
                int rc = h.encoder.seal(p);
                if (!legal) {
                    assertEquals(Reason.TX_CRYPT_OFFSET.code(), rc, "co=" + co + " size=" + payloadLen);
                    continue;
                }
                assertEquals(0, rc, () -> "seal failed: " + Reason.of(h.txCounters.reasons.length > 0 ? p.result : 0));
                checkOuter(p, sa, vc);
                long iv = PspHeader.iv(p.segment, p.aeadOff);
                assertEquals(0, dec.open(p), () -> "open failed: " + Reason.of(p.result) + " co=" + sa.cryptOffsetTransport);
                assertArrayEquals(frame, p.toByteArray(), "co=" + co);
                assertEquals(spi, p.spi);
                assertEquals(iv, p.iv);
                assertEquals(version, p.version);
                assertEquals(vc, p.vcPresent);
                if (vc) {
                    assertEquals(sa.vcValue, p.vc);
                }
                assertEquals(sa.sBit, p.sBit);
                assertEquals(sa.dBit, p.dBit);
                assertTrue(p.authenticated);
            }
            assertEquals(h.txCounters.txPackets, h.rxCounters.rxPackets);
            assertEquals(h.txCounters.txBytes, h.rxCounters.rxBytes);
            assertEquals(0, h.rxCounters.rxAuthFail + h.rxCounters.rxError + h.rxCounters.rxBad);
        }
    }

    static int payloadLength(byte[] frame, Mode mode) {
        PacketHeaders ph = new PacketHeaders();
        java.lang.foreign.MemorySegment s = java.lang.foreign.MemorySegment.ofArray(frame);
        ph.parse(s, 0, frame.length);
        return (int) (ph.ipEnd - (mode == Mode.TRANSPORT ? ph.l4Off : ph.l3Off));
    }

    /** The sealed packet parses as IP/UDP:1000 with consistent lengths and checksums. */
    static void checkOuter(Packet p, TxSa sa, boolean vc) {
        PacketHeaders ph = new PacketHeaders();
        assertEquals(PacketHeaders.OK, ph.parse(p.segment, p.offset, p.length));
        assertEquals(17, ph.l4Proto);
        assertEquals(PspHeader.UDP_PORT, ph.dstPort);
        assertTrue(ph.srcPort != 0);
        if (ph.ipVersion == 4) {
            assertTrue(Checksum.ipv4HeaderValid(p.segment, ph.l3Off, ph.ipHeaderLen));
        }
        int udpLen = Bytes.u16(p.segment, ph.l4Off + 4);
        assertEquals(ph.ipEnd - ph.l4Off, udpLen);
        if (Bytes.u16(p.segment, ph.l4Off + 6) != 0) {
            assertTrue(Checksum.l4Valid(p.segment, ph.l3Off, ph.ipVersion, 17, ph.l4Off, udpLen));
        }
        long psp = ph.l4Off + 8;
        long word0 = PspHeader.word0(p.segment, psp);
        assertEquals(vc ? 24 : 16, PspHeader.headerLength(word0));
        assertEquals(sa.spi, PspHeader.spi(word0));
        assertEquals(sa.version, PspHeader.version(word0));
    }
}
