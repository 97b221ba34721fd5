package dev.psp.engine.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.psp.CodecHarness;
import dev.psp.engine.psp.CounterIvSource;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 8200 section 8.1: with a Routing header whose Segments Left is not zero, the TCP/UDP
 * pseudo-header carries the final destination (type 0 and 2: the last address; SRH, RFC 8754
 * type 4: Segment List[0]), not the fixed header's Destination Address. Frames and checksums here
 * are built independently of the engine's checksum code.
 */
class RoutingHeaderChecksumTest {
    static final byte[] MK0 = new byte[32];
    static final byte[] MK1 = new byte[32];

    /** Routing header layouts: type 2, SRH (2 segments), type 0 (2 addresses), hop-by-hop + SRH. */
    enum Rh { TYPE2, SRH, TYPE0, HBH_SRH }

    static final byte[] SRC = addr(0x01);
    static final byte[] HOP = addr(0xaa); // the fixed header's destination while segments are left
    static final byte[] FINAL = addr(0xff);
    static final byte[] OTHER = addr(0x77);

    static byte[] addr(int last) {
        byte[] a = new byte[16];
        a[0] = 0x20;
        a[1] = 0x01;
        a[2] = 0x0d;
        a[3] = (byte) 0xb8;
        a[15] = (byte) last;
        return a;
    }

    /** The extension headers for {@code rh}, ending with next header {@code proto}; {@code sl} Segments Left. */
    static byte[] ext(Rh rh, int proto, int sl) {
        ByteBuffer b = ByteBuffer.allocate(64);
        if (rh == Rh.HBH_SRH) {
            b.put((byte) 43).put((byte) 0).put((byte) 1).put((byte) 4).putInt(0); // PadN
        }
        byte[] last = sl > 0 ? FINAL : OTHER; // with no segment left the fixed header's address is final
        switch (rh) {
            case TYPE2 -> b.put((byte) proto).put((byte) 2).put((byte) 2).put((byte) sl).putInt(0).put(last);
            case TYPE0 -> b.put((byte) proto).put((byte) 4).put((byte) 0).put((byte) sl).putInt(0).put(OTHER).put(last);
            case SRH, HBH_SRH -> b.put((byte) proto).put((byte) 4).put((byte) 4).put((byte) sl)
                    .put((byte) 1).put((byte) 0).putShort((short) 0).put(last).put(HOP); // Last Entry 1
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    static int firstNextHeader(Rh rh) {
        return rh == Rh.HBH_SRH ? 0 : 43;
    }

    /** Ethernet + IPv6 + {@code ext} + TCP (ACK, 20-byte header) or UDP, with the correct checksum for {@code pseudoDst}. */
    static byte[] frame(byte[] ext, int firstNh, byte[] fixedDst, byte[] pseudoDst, int proto, int seq, byte[] payload) {
        int l4h = proto == 6 ? 20 : 8;
        int l4Len = l4h + payload.length;
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + ext.length + l4Len);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort((short) 0x86dd);
        b.putInt(0x60000000).putShort((short) (ext.length + l4Len)).put((byte) firstNh).put((byte) 64)
                .put(SRC).put(fixedDst).put(ext);
        int l4 = b.position();
        if (proto == 6) {
            b.putShort((short) 40000).putShort((short) 443).putInt(seq).putInt(777)
                    .putShort((short) 0x5010).putShort((short) 1000).putShort((short) 0).putShort((short) 0);
        } else {
            b.putShort((short) 5000).putShort((short) 6000).putShort((short) l4Len).putShort((short) 0);
        }
        b.put(payload);
        byte[] f = b.array();
        int field = l4 + (proto == 6 ? 16 : 6);
        int c = refChecksum(f, pseudoDst, proto, l4, l4Len, field);
        f[field] = (byte) (c >>> 8);
        f[field + 1] = (byte) c;
        return f;
    }

    static byte[] frame(Rh rh, int proto, int sl, int seq, byte[] payload) {
        return frame(ext(rh, proto, sl), firstNextHeader(rh), sl > 0 ? HOP : FINAL, FINAL, proto, seq, payload);
    }

    /** RFC 1071 over the IPv6 pseudo-header (source at frame offset 22, {@code dst}) and the L4 bytes, field as zero. */
    static int refChecksum(byte[] f, byte[] dst, int proto, int l4, int len, int field) {
        long sum = 0;
        for (int i = 0; i < 16; i += 2) {
            sum += ((f[22 + i] & 0xff) << 8) | (f[23 + i] & 0xff);
            sum += ((dst[i] & 0xff) << 8) | (dst[i + 1] & 0xff);
        }
        sum += (len >>> 16) + (len & 0xffff) + proto;
        for (int i = 0; i < len; i++) {
            int at = l4 + i;
            int v = at == field || at == field + 1 ? 0 : f[at] & 0xff;
            sum += (i & 1) == 0 ? v << 8 : v;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        int c = (int) (~sum & 0xffff);
        return c == 0 && proto == 17 ? 0xffff : c;
    }

    /** True when the frame's L4 checksum verifies against {@link #FINAL} by the independent reference. */
    static boolean refValid(byte[] f) {
        PacketHeaders h = new PacketHeaders();
        assertEquals(PacketHeaders.OK, h.parse(MemorySegment.ofArray(f), 0, f.length));
        int l4 = (int) h.l4Off;
        int field = l4 + (h.l4Proto == 6 ? 16 : 6);
        int stored = ((f[field] & 0xff) << 8) | (f[field + 1] & 0xff);
        return stored == refChecksum(f, FINAL, h.l4Proto, l4, h.l4Length(), field);
    }

    static Stream<Arguments> kinds() {
        List<Arguments> l = new ArrayList<>();
        for (Rh rh : Rh.values()) {
            for (int proto : new int[] {6, 17}) {
                l.add(Arguments.of(rh, proto));
            }
        }
        return l.stream();
    }

    static Stream<Arguments> kindsAndModes() {
        List<Arguments> l = new ArrayList<>();
        for (Rh rh : Rh.values()) {
            for (int proto : new int[] {6, 17}) {
                for (Mode m : new Mode[] {Mode.TRANSPORT, Mode.TUNNEL}) {
                    l.add(Arguments.of(rh, proto, m));
                }
            }
        }
        return l.stream();
    }

    static byte[] payload(int n, long seed) {
        byte[] p = new byte[n];
        new Random(seed).nextBytes(p);
        return p;
    }

    @ParameterizedTest(name = "{0} proto {1}")
    @MethodSource("kinds")
    void checksumHelpersUseTheFinalDestination(Rh rh, int proto) {
        for (int sl : new int[] {1, 0}) {
            for (int len : new int[] {0, 1, 7, 100, 1001}) {
                byte[] f = frame(rh, proto, sl, 1000, payload(len, len * 7L + sl));
                MemorySegment s = MemorySegment.ofArray(f);
                PacketHeaders h = new PacketHeaders();
                assertEquals(PacketHeaders.OK, h.parse(s, 0, f.length));
                int field = proto == 6 ? 16 : 6;
                assertTrue(Checksum.l4Valid(s, h.l3Off, 6, proto, h.l4Off, h.l4Length()), "sl " + sl + " len " + len);
                int stored = ((f[(int) h.l4Off + field] & 0xff) << 8) | (f[(int) h.l4Off + field + 1] & 0xff);
                assertEquals(stored, Checksum.l4(s, h.l3Off, 6, proto, h.l4Off, h.l4Length(), field));
                long pseudo = Checksum.pseudoHeader(s, h.l3Off, 6, proto, h.l4Off, h.l4Length());
                assertEquals(0, Checksum.finish(Checksum.sum(s, h.l4Off, h.l4Length(), pseudo)));
            }
        }
        // computed with the fixed header's destination while a segment is left: refused
        byte[] ext = ext(rh, proto, 1);
        byte[] wrong = frame(ext, firstNextHeader(rh), HOP, HOP, proto, 1, payload(50, 3));
        MemorySegment s = MemorySegment.ofArray(wrong);
        PacketHeaders h = new PacketHeaders();
        assertEquals(PacketHeaders.OK, h.parse(s, 0, wrong.length));
        assertFalse(Checksum.l4Valid(s, h.l3Off, 6, proto, h.l4Off, h.l4Length()));
    }

    /** Routing headers too short for what they claim: no exception, the fixed header's destination. */
    @Test
    void malformedRoutingHeadersFallBackToTheFixedDestination() {
        List<byte[]> exts = new ArrayList<>();
        // type 2 with no room for its address
        exts.add(new byte[] {6, 0, 2, 1, 0, 0, 0, 0});
        // type 0 with no address
        exts.add(new byte[] {6, 0, 0, 1, 0, 0, 0, 0});
        // SRH: Last Entry 5 in a header with room for one segment
        ByteBuffer b = ByteBuffer.allocate(24).put((byte) 6).put((byte) 2).put((byte) 4).put((byte) 1)
                .put((byte) 5).put((byte) 0).putShort((short) 0).put(OTHER);
        exts.add(b.array());
        // SRH: Segments Left beyond Last Entry + 1
        b = ByteBuffer.allocate(24).put((byte) 6).put((byte) 2).put((byte) 4).put((byte) 3)
                .put((byte) 0).put((byte) 0).putShort((short) 0).put(OTHER);
        exts.add(b.array());
        // type 0: Segments Left beyond the address count
        b = ByteBuffer.allocate(24).put((byte) 6).put((byte) 2).put((byte) 0).put((byte) 2).putInt(0).put(OTHER);
        exts.add(b.array());
        // type 3 (RPL, compressed addresses) and an unknown type: left as they are
        b = ByteBuffer.allocate(24).put((byte) 6).put((byte) 2).put((byte) 3).put((byte) 1).putInt(0).put(OTHER);
        exts.add(b.array());
        b = ByteBuffer.allocate(24).put((byte) 6).put((byte) 2).put((byte) 200).put((byte) 1).putInt(0).put(OTHER);
        exts.add(b.array());
        for (byte[] ext : exts) {
            byte[] f = frame(ext, 43, HOP, HOP, 6, 5, payload(40, ext.length));
            MemorySegment s = MemorySegment.ofArray(f);
            PacketHeaders h = new PacketHeaders();
            assertEquals(PacketHeaders.OK, h.parse(s, 0, f.length));
            assertTrue(Checksum.l4Valid(s, h.l3Off, 6, 6, h.l4Off, h.l4Length()));
        }
    }

    @ParameterizedTest(name = "{0} proto {1} {2}")
    @MethodSource("kindsAndModes")
    void encryptWithInnerChecksumsKeepsTheFrameAndDecryptVerifiesIt(Rh rh, int proto, Mode mode) {
        for (int round = 0; round < 4; round++) {
            byte[] f = frame(rh, proto, 1, 1000 + round, payload(1 + round * 333, round));
            assertTrue(refValid(f));
            try (CodecHarness h = new CodecHarness(MK0, MK1)) {
                h.encoder.innerChecksums(true);
                TxSa sa = h.install(TxSa.builder().mode(mode).cryptOffset(round % 2).udpChecksum(true), 0x99, round & 3);
                Packet p = h.load(f);
                p.sa = sa;
                assertEquals(0, h.encoder.seal(p));
                byte[] enc = p.toByteArray();
                if (mode == Mode.TRANSPORT) {
                    assertTrue(refValid(enc), "outer UDP checksum over the final destination");
                }
                PspDecoder dec = h.decoder(mode).verifyInnerChecksums(true);
                assertEquals(0, dec.open(p), "a valid inner checksum is not dropped");
                assertTrue(p.innerCsumVerified);
                assertArrayEquals(f, p.toByteArray(), "byte-identical after encrypt + decrypt");
            }
        }
    }

    @ParameterizedTest(name = "{0} proto {1} {2}")
    @MethodSource("kindsAndModes")
    void tsoSegmentsCarryFinalDestinationChecksums(Rh rh, int proto, Mode mode) {
        int mss = 700;
        byte[] sup = frame(rh, proto, 1, 5000, payload(mss * 6 + 123, 11));
        try (CodecHarness h = new CodecHarness(MK0, MK1)) {
            TxSa sa = h.install(TxSa.builder().mode(mode).udpChecksum(true).ivSource(new CounterIvSource(1)), 0x55, 0);
            Packet sp = h.load(sup);
            sp.sa = sa;
            Packet[] out = TsoSegmenterTest.slots(h, 16);
            TsoSegmenter tso = new TsoSegmenter(h.encoder, new TsoCounters(), true);
            int n = tso.segment(sp, mss, out);
            assertEquals(7, n);
            PspDecoder dec = h.decoder(mode).verifyInnerChecksums(true);
            for (int i = 0; i < n; i++) {
                if (mode == Mode.TRANSPORT) {
                    assertTrue(refValid(out[i].toByteArray()), "outer UDP checksum, segment " + i);
                }
                assertEquals(0, dec.open(out[i]), "segment " + i);
                assertTrue(refValid(out[i].toByteArray()), "inner checksum, segment " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} verify {2}")
    @MethodSource("groCases")
    void groVerifiesAndMergesWithTheFinalDestination(Rh rh, Mode mode, boolean verify) {
        int mss = 900;
        int n = 5;
        List<byte[]> segs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            segs.add(frame(rh, 6, 1, 100 + i * mss, payload(mss, 40 + i)));
        }
        byte[] all = new byte[mss * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(payload(mss, 40 + i), 0, all, i * mss, mss);
        }
        byte[] sup = frame(rh, 6, 1, 100, all);
        for (boolean recompute : new boolean[] {true, false}) {
            try (GroRig rig = new GroRig(mode, verify)) {
                TxSa sa = rig.sa(0x7101, false);
                Packet[] in = new Packet[n];
                for (int i = 0; i < n; i++) {
                    in[i] = rig.sealOpen(segs.get(i), sa, GroRig.ROOM_64K);
                }
                GroCounters c = new GroCounters();
                GroCoalescer gro = new GroCoalescer(
                        GroConfig.defaults().withMerge(GroConfig.Merge.COPY).withRecomputeChecksum(recompute), c);
                GroBatch b = gro.newBatch(16);
                assertEquals(1, gro.coalesce(in, n, b, 0));
                assertEquals(0, c.innerCsumBad, "valid segments are not bad");
                assertEquals(1, b.outCount);
                assertEquals(n, b.segments[0]);
                byte[] merged = b.out[0].toByteArray();
                if (recompute) {
                    assertArrayEquals(sup, merged);
                } else {
                    // CHECKSUM_PARTIAL: the field holds the pseudo-header sum over the final destination
                    int l4 = merged.length - all.length - 20;
                    long sum = 0;
                    for (int i = 0; i < 16; i += 2) {
                        sum += ((SRC[i] & 0xff) << 8) | (SRC[i + 1] & 0xff);
                        sum += ((FINAL[i] & 0xff) << 8) | (FINAL[i + 1] & 0xff);
                    }
                    sum += 6 + 20 + all.length;
                    while ((sum >>> 16) != 0) {
                        sum = (sum & 0xffff) + (sum >>> 16);
                    }
                    assertEquals(sum, ((merged[l4 + 16] & 0xff) << 8) | (merged[l4 + 17] & 0xff));
                }
            }
        }
    }

    static Stream<Arguments> groCases() {
        List<Arguments> l = new ArrayList<>();
        for (Rh rh : Rh.values()) {
            for (Mode m : new Mode[] {Mode.TRANSPORT, Mode.TUNNEL}) {
                for (boolean verify : new boolean[] {false, true}) {
                    l.add(Arguments.of(rh, m, verify));
                }
            }
        }
        return l.stream();
    }
}
