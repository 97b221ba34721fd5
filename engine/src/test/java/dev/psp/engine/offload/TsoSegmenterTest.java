package dev.psp.engine.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.psp.CodecHarness;
import dev.psp.engine.psp.CounterIvSource;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.Reason;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TSO output equals segment-then-seal output byte for byte (same IVs), and every decrypted segment
 * is a valid TCP/UDP packet obeying Linux's segmentation rules.
 */
class TsoSegmenterTest {
    static final byte[] MK0 = new byte[32];
    static final byte[] MK1 = new byte[32];
    static final int SLOT = 4096;

    static Stream<Arguments> combos() {
        List<Arguments> l = new ArrayList<>();
        for (AeadBackend b : AeadBackends.all()) {
            for (int v : new int[] {4, 6}) {
                for (Mode m : new Mode[] {Mode.TRANSPORT, Mode.TUNNEL}) {
                    for (int proto : new int[] {6, 17}) {
                        l.add(Arguments.of(b.name(), v, m, proto));
                    }
                }
            }
        }
        return l.stream();
    }

    @ParameterizedTest(name = "{0} v{1} {2} proto {3}")
    @MethodSource("combos")
    void tsoEqualsSegmentThenSeal(String backendName, int ipv, Mode mode, int proto) {
        AeadBackend backend = AeadBackends.byName(backendName);
        Assumptions.assumeTrue(backend.isAvailable(), () -> backendName + " unavailable: " + backend.unavailabilityCause());
        Random r = new Random(ipv * 31L + mode.ordinal() * 7L + proto);
        long nativeStamped = 0;
        for (int round = 0; round < 6; round++) {
            int mss = new int[] {536, 1448, 1400, 100, 8948, 1000}[round];
            int payload = 1 + r.nextInt(Math.min(64000, mss * 40));
            int co = new int[] {0, 1, 6, 15, 30, 3}[round];
            nativeStamped += tsoRound(backend, ipv, mode, proto, mss, payload, co, r.nextBoolean(), round, r);
        }
        // the shim stamps and seals full-size segments itself (TsoSealer); other backends never
        boolean hasSealer;
        try (dev.psp.engine.crypto.AeadEngine e = backend.newEngine()) {
            hasSealer = e.tsoSealer(1) != null;
        }
        if (hasSealer) {
            assertTrue(nativeStamped > 0, backendName + ": no segment went through the native TSO sealer");
        } else {
            assertEquals(0, nativeStamped, backendName + " has no native TSO sealer");
        }
    }

    /**
     * One round of {@link #tsoEqualsSegmentThenSeal}: a super-packet of {@code payload} bytes (headers
     * and payload from {@code r}) cut at {@code mss} by TSO equals the naive segments sealed one by
     * one (same IVs), leaves the super-packet as it was, and every segment opens back to its naive
     * twin; {@code round} picks the SA's version, outer UDP checksum and tunnel outer addresses.
     * Returns how many segments went through the native TSO sealer (also driven by
     * {@link TsoSegmenterFuzzTest}).
     */
    static long tsoRound(AeadBackend backend, int ipv, Mode mode, int proto, int mss, int payload, int co, boolean vc,
                         int round, Random r) {
        byte[] sp = superPacket(ipv, proto, payload, r);
        long iv0 = 1000 + round * 1_000_000L;
        byte[][] expected;
        int[] reason;
        try (CodecHarness ref = new CodecHarness(backend, MK0, MK1, 0)) {
            TxSa sa = ref.install(saBuilder(mode, co, vc, iv0, round), 0x42 + round, round & 3);
            List<byte[]> segs = naiveSegments(sp, mss);
            expected = new byte[segs.size()][];
            reason = new int[segs.size()];
            for (int i = 0; i < segs.size(); i++) {
                Packet p = ref.load(segs.get(i));
                p.sa = sa;
                // a crypt offset beyond a segment's payload refuses it (all segments, or a short last one)
                reason[i] = ref.encoder.seal(p);
                expected[i] = reason[i] == 0 ? p.toByteArray() : null;
            }
        }
        try (CodecHarness h = new CodecHarness(backend, MK0, MK1, 0)) {
            TxSa sa = h.install(saBuilder(mode, co, vc, iv0, round), 0x42 + round, round & 3);
            Packet superPkt = h.load(sp);
            superPkt.sa = sa;
            Packet[] out = slots(h, 64);
            TsoSegmenter tso = new TsoSegmenter(h.encoder, new TsoCounters(), true);
            int n = tso.segment(superPkt, mss, out);
            assertArrayEquals(sp, superPkt.toByteArray(), "TSO leaves the super-packet as it found it");
            if (payload <= mss) {
                assertEquals(TsoSegmenter.NOT_SEGMENTED, n);
                return 0;
            }
            int sealable = (int) java.util.Arrays.stream(reason).filter(x -> x == 0).count();
            assertEquals(sealable, n, "segments sealed");
            PspDecoder dec = h.decoder(mode);
            List<byte[]> naive = naiveSegments(sp, mss);
            int ok = 0;
            int failed = n;
            for (int i = 0; i < expected.length; i++) {
                if (reason[i] != 0) { // the refused ones follow the sealed ones, with the naive seal's reason
                    assertEquals(reason[i], out[failed++].result, "segment " + i + " refused as the naive seal refuses it");
                    continue;
                }
                Packet o = out[ok++];
                assertArrayEquals(expected[i], o.toByteArray(), "segment " + i + " co=" + co);
                assertEquals(0, dec.open(o));
                assertArrayEquals(naive.get(i), o.toByteArray());
                checkSegment(o);
            }
            assertEquals(n, tso.counters().segmentsOut);
            return tso.nativeStamped;
        }
    }

    /**
     * A crypt offset beyond a segment's payload: TSO refuses exactly the segments a naive seal
     * refuses, with its reason (TX_CRYPT_OFFSET), after the sealed ones; the short last segment
     * alone (MSS 1448, 10 bytes left: 32 + 10 bytes of TCP against an 80-byte offset), or every
     * segment (MSS 100 against 252 bytes). The fuzz target found this path untested.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backendNames")
    void cryptOffsetBeyondASegmentRefusesItAsTheNaiveSealDoes(String backendName) {
        AeadBackend backend = AeadBackends.byName(backendName);
        Assumptions.assumeTrue(backend.isAvailable(), () -> backendName + " unavailable: " + backend.unavailabilityCause());
        int[][] cases = {{1448, 2 * 1448 + 10, 20, 1}, {100, 450, 63, 5}}; // mss, payload, co, refused
        for (int[] c : cases) {
            int mss = c[0];
            int payload = c[1];
            int co = c[2];
            byte[] sp = superPacket(4, 6, payload, new Random(co));
            try (CodecHarness h = new CodecHarness(backend, MK0, MK1, 0)) {
                TxSa sa = h.install(saBuilder(Mode.TRANSPORT, co, false, 1, 0), 0x42, 0);
                int refused = 0;
                for (byte[] seg : naiveSegments(sp, mss)) {
                    Packet p = h.load(seg);
                    p.sa = sa;
                    int rc = h.encoder.seal(p);
                    assertTrue(rc == 0 || rc == Reason.TX_CRYPT_OFFSET.code(), "naive seal: " + Reason.of(rc));
                    refused += rc == 0 ? 0 : 1;
                }
                assertEquals(c[3], refused, "segments the naive seal refuses");
            }
            tsoRound(backend, 4, Mode.TRANSPORT, 6, mss, payload, co, false, 0, new Random(co));
        }
    }

    /**
     * Read-only output slots are never written, on any backend: the native TSO path (which writes
     * through absolute addresses) must refuse them as the segment view does (the Java stamp's copy
     * throws IllegalArgumentException).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backendNames")
    void readOnlySlotsAreNeverWritten(String backendName) {
        AeadBackend backend = AeadBackends.byName(backendName);
        Assumptions.assumeTrue(backend.isAvailable(), () -> backendName + " unavailable: " + backend.unavailabilityCause());
        byte[] sp = superPacket(4, 6, 1448 * 4, new Random(5));
        try (CodecHarness h = new CodecHarness(backend, MK0, MK1, 0)) {
            TxSa sa = h.install(saBuilder(Mode.TRANSPORT, 0, false, 1, 0), 0x42, 0);
            Packet superPkt = h.load(sp);
            superPkt.sa = sa;
            Packet[] out = slots(h, 8);
            MemorySegment ro = h.arena.allocate((long) SLOT * 3 * 8, 64);
            Packet[] readOnly = slots(ro.asReadOnly(), 8);
            System.arraycopy(readOnly, 1, out, 1, out.length - 1); // segment 0 writable, the rest read-only
            TsoSegmenter tso = new TsoSegmenter(h.encoder, new TsoCounters(), true);
            assertThrows(IllegalArgumentException.class, () -> tso.segment(superPkt, 1448, out));
            assertEquals(-1, ro.mismatch(h.arena.allocate(ro.byteSize(), 64)), "a read-only slot was written");
        }
    }

    /**
     * An output slot whose offset is so large that {@code offset + headers + payload + 64} wraps
     * past {@code Long.MAX_VALUE}: the room check passed, and the shim's TSO sealer was handed
     * {@code segment.address() + offset} and wrote a segment there (SIGSEGV: the JVM died); the
     * Java paths threw IndexOutOfBoundsException. The super-packet is refused for want of room,
     * on every backend, and no slot is written.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backendNames")
    void slotOffsetThatOverflowsIsRefusedForRoom(String backendName) {
        AeadBackend backend = AeadBackends.byName(backendName);
        Assumptions.assumeTrue(backend.isAvailable(), () -> backendName + " unavailable: " + backend.unavailabilityCause());
        byte[] sp = superPacket(4, 6, 5000, new Random(1));
        for (long bad : new long[] {Long.MAX_VALUE - 50, Long.MAX_VALUE}) {
            for (int slot : new int[] {2, 0}) {
                try (CodecHarness h = new CodecHarness(backend, MK0, MK1, 0)) {
                    TxSa sa = h.install(saBuilder(Mode.TRANSPORT, 0, false, 1, 0), 0x42, 0);
                    Packet superPkt = h.load(sp);
                    superPkt.sa = sa;
                    MemorySegment slab = h.arena.allocate((long) SLOT * 3 * 16, 64);
                    Packet[] out = slots(slab, 16);
                    out[slot].offset = bad;
                    TsoSegmenter tso = new TsoSegmenter(h.encoder, new TsoCounters(), true);
                    assertEquals(0, tso.segment(superPkt, 1000, out), backendName + " slot " + slot + " at " + bad);
                    assertEquals(Reason.TX_NO_ROOM.code(), superPkt.result);
                    assertEquals(-1, slab.mismatch(h.arena.allocate(slab.byteSize(), 64)), "a slot was written");
                }
            }
        }
    }

    static Stream<String> backendNames() {
        return AeadBackends.all().stream().map(AeadBackend::name);
    }

    /**
     * The SA of one round: tunnel rounds 1 and 4 have configured outer addresses (IPv4, then IPv6:
     * cross-family for one of the inner families), others copy the outer header from the inner
     * one; odd rounds add the optional outer UDP checksum.
     */
    static TxSa.Builder saBuilder(Mode mode, int co, boolean vc, long iv0, int round) {
        TxSa.Builder b = TxSa.builder().mode(mode).cryptOffset(co).vc(vc, 9).ivSource(new CounterIvSource(iv0))
                .udpChecksum((round & 1) == 1);
        if (mode == Mode.TUNNEL && round == 1) {
            b.outer(new byte[] {10, 9, 8, 7}, new byte[] {10, 9, 8, 6}, 33);
        } else if (mode == Mode.TUNNEL && round == 4) {
            byte[] src = new byte[16];
            byte[] dst = new byte[16];
            src[0] = dst[0] = 0x20;
            src[15] = 1;
            dst[15] = 2;
            b.outer(src, dst, 17);
        }
        return b;
    }

    static Packet[] slots(CodecHarness h, int n) {
        return slots(h.arena.allocate((long) SLOT * 3 * n, 64), n);
    }

    /** {@code n} empty slot descriptors over {@code slab} (3 x SLOT bytes each, 256 bytes of headroom). */
    static Packet[] slots(MemorySegment slab, int n) {
        Packet[] out = new Packet[n];
        for (int i = 0; i < n; i++) {
            long base = (long) SLOT * 3 * i;
            out[i] = new Packet().wrap(slab, base, base + SLOT * 3, base + 256, 0);
        }
        return out;
    }

    /** A super-packet: TCP with options (incl. timestamps) and CWR|PSH|FIN|ACK, or UDP. */
    static byte[] superPacket(int ipv, int proto, int payload, Random r) {
        int l4h = proto == 6 ? 32 : 8;
        int ipHdr = ipv == 4 ? 20 : 40;
        ByteBuffer b = ByteBuffer.allocate(14 + ipHdr + l4h + payload);
        b.put(new byte[12]).putShort((short) (ipv == 4 ? 0x0800 : 0x86dd));
        if (ipv == 4) {
            b.put((byte) 0x45).put((byte) 0).putShort((short) (ipHdr + l4h + payload)).putShort((short) 0xfff0)
                    .putShort((short) 0x4000).put((byte) 64).put((byte) proto).putShort((short) 0).putInt(0x0a000001).putInt(0x0a000002);
            Checksum.ipv4Header(MemorySegment.ofArray(b.array()), 14, 20);
        } else {
            b.putInt(0x60012345).putShort((short) (l4h + payload)).put((byte) proto).put((byte) 64)
                    .putLong(0x20010db8L << 32).putLong(1).putLong(0x20010db8L << 32).putLong(2);
        }
        if (proto == 6) {
            b.putShort((short) 40000).putShort((short) 443).putInt(0xfffff000).putInt(12345)
                    .putShort((short) (0x8000 | 0x00D9)).putShort((short) 500).putShort((short) 0).putShort((short) 0)
                    .put(new byte[] {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9});
        } else {
            b.putShort((short) 5000).putShort((short) 6000).putShort((short) (8 + payload)).putShort((short) 0);
        }
        byte[] pl = new byte[payload];
        r.nextBytes(pl);
        b.put(pl);
        return b.array();
    }

    /** Independent reference segmentation over byte arrays (Linux tcp_gso_segment / UDP_SEGMENT rules). */
    static List<byte[]> naiveSegments(byte[] sp, int mss) {
        ByteBuffer b = ByteBuffer.wrap(sp);
        boolean v4 = b.getShort(12) == 0x0800;
        int ipHdr = v4 ? 20 : 40;
        int proto = v4 ? sp[14 + 9] : sp[14 + 6];
        int l4 = 14 + ipHdr;
        int l4h = proto == 6 ? ((sp[l4 + 12] & 0xff) >>> 4) * 4 : 8;
        int hdr = l4 + l4h;
        int payload = sp.length - hdr;
        List<byte[]> out = new ArrayList<>();
        int n = (payload + mss - 1) / mss;
        for (int i = 0; i < n; i++) {
            int chunk = Math.min(mss, payload - i * mss);
            byte[] seg = new byte[hdr + chunk];
            System.arraycopy(sp, 0, seg, 0, hdr);
            System.arraycopy(sp, hdr + i * mss, seg, hdr, chunk);
            ByteBuffer s = ByteBuffer.wrap(seg);
            if (v4) {
                s.putShort(16, (short) (ipHdr + l4h + chunk));
                s.putShort(18, (short) (b.getShort(18) + i));
                s.putShort(24, (short) 0);
                Checksum.ipv4Header(MemorySegment.ofArray(seg), 14, 20);
            } else {
                s.putShort(18, (short) (l4h + chunk));
            }
            MemorySegment m = MemorySegment.ofArray(seg);
            if (proto == 6) {
                s.putInt(l4 + 4, b.getInt(l4 + 4) + i * mss);
                int f = sp[l4 + 13] & 0xff;
                if (i > 0) {
                    f &= ~0x80;
                }
                if (i < n - 1) {
                    f &= ~0x09;
                }
                seg[l4 + 13] = (byte) f;
                Bytes.u16(m, l4 + 16, Checksum.l4(m, 14, v4 ? 4 : 6, 6, l4, l4h + chunk, 16));
            } else {
                s.putShort(l4 + 4, (short) (8 + chunk));
                Bytes.u16(m, l4 + 6, Checksum.l4(m, 14, v4 ? 4 : 6, 17, l4, 8 + chunk, 6));
            }
            out.add(seg);
        }
        return out;
    }

    static void checkSegment(Packet p) {
        PacketHeaders h = new PacketHeaders();
        assertEquals(PacketHeaders.OK, h.parse(p.segment, p.offset, p.length));
        if (h.ipVersion == 4) {
            assertTrue(Checksum.ipv4HeaderValid(p.segment, h.l3Off, h.ipHeaderLen));
        }
        assertTrue(Checksum.l4Valid(p.segment, h.l3Off, h.ipVersion, h.l4Proto, h.l4Off, h.l4Length()), "inner L4 checksum");
    }
}
