package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder's specialised path (common shape: untagged Ethernet, IPv4 without options, UDP
 * without a checksum, no padding) against its general parse: bursts of PSP packets sealed from
 * random frames under random SAs (versions, VC, crypt offsets, S/D, transport and tunnel, outer UDP
 * checksum), many then damaged (a flipped header or record byte, truncation, padding, a PSP header
 * byte behind a valid IPv4 checksum, shortened with consistent lengths), opened in each decoding mode with and without clear-field recording and inner
 * checksum verification: the same result per packet, the same bytes and every receive field; the
 * decoder's own counts show the specialised path ran (and never with it off). Seeded.
 */
class DecoderFastPathDifferentialTest {
    private static final int SLOT = 10_240;
    private static final int BURST = 16;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void fastAndGeneralOpenAgree(long seed) {
        Random r = new Random(seed);
        try (CodecHarness h = new CodecHarness(FastPathDifferentialTest.MK0, FastPathDifferentialTest.MK1);
             Arena arena = Arena.ofConfined()) {
            MemorySegment fbuf = arena.allocate((long) SLOT * BURST, 64);
            MemorySegment gbuf = arena.allocate((long) SLOT * BURST, 64);
            // packets of one burst in a second native segment and on the heap: the decoder checks
            // each segment it meets (heap ones take the general path), and a packet must only be
            // moved absolutely when its own segment was the one checked
            MemorySegment fbuf2 = arena.allocate((long) SLOT * BURST, 64);
            MemorySegment gbuf2 = arena.allocate((long) SLOT * BURST, 64);
            MemorySegment fheap = MemorySegment.ofArray(new byte[SLOT * BURST]);
            MemorySegment gheap = MemorySegment.ofArray(new byte[SLOT * BURST]);
            PspCounters fc = new PspCounters();
            PspCounters gc = new PspCounters();
            long fastSeen = 0;
            long fastMoved = 0;
            long delivered = 0;
            for (int round = 0; round < 120; round++) {
                // different bytes around the frames on the two sides: a path that reads outside its frame disagrees
                for (MemorySegment m : new MemorySegment[] {fbuf, fbuf2, fheap}) {
                    m.fill((byte) 0xa5);
                }
                for (MemorySegment m : new MemorySegment[] {gbuf, gbuf2, gheap}) {
                    m.fill((byte) 0);
                }
                Mode mode = Mode.values()[r.nextInt(Mode.values().length)];
                boolean clear = r.nextBoolean();
                boolean verify = r.nextInt(3) == 0;
                PspDecoder fast = new PspDecoder(h.engine, h.rxKeys, fc, mode).recordClearFields(clear).verifyInnerChecksums(verify);
                PspDecoder general = new PspDecoder(h.engine, h.rxKeys, gc, mode).recordClearFields(clear)
                        .verifyInnerChecksums(verify).fastPath(false);
                int n = 1 + r.nextInt(BURST);
                Packet[] fp = new Packet[n];
                Packet[] gp = new Packet[n];
                for (int i = 0; i < n; i++) {
                    byte[] wire = damage(r, sealed(h, r, round * BURST + i));
                    int where = r.nextInt(6); // mostly the first segment
                    fp[i] = place(where == 0 ? fbuf2 : where == 1 ? fheap : fbuf, i, wire);
                    gp[i] = place(where == 0 ? gbuf2 : where == 1 ? gheap : gbuf, i, wire);
                }
                Packet[] fOrder = fp.clone();
                Packet[] gOrder = gp.clone();
                long before = fast.fastValidations;
                long movedBefore = fast.fastDecapsulations;
                assertEquals(general.openBurst(gp, n), fast.openBurst(fp, n), "round " + round + " delivered");
                fastSeen += fast.fastValidations - before;
                fastMoved += fast.fastDecapsulations - movedBefore;
                assertEquals(0, general.fastValidations + general.fastDecapsulations, "the general decoder stays general");
                for (int i = 0; i < n; i++) {
                    Packet a = gOrder[i];
                    Packet b = fOrder[i];
                    String at = "round " + round + " packet " + i + " mode " + mode;
                    if (assertSameOpen(a, b, at)) {
                        delivered++;
                    }
                }
            }
            assertEquals(gc.reasonMap(), fc.reasonMap(), "drop reasons");
            assertEquals(gc.rxPackets, fc.rxPackets, "rx-packets");
            assertEquals(gc.rxBytes, fc.rxBytes, "rx-bytes");
            assertTrue(fastSeen > 150, "the specialised path must run: " + fastSeen);
            assertTrue(fastMoved > 40, "the specialised decapsulation must run: " + fastMoved);
            assertTrue(delivered > 200, "enough packets must open: " + delivered);
        }
    }

    /**
     * {@code b} came out of open as {@code a} did: result, bytes, offset, authentication and, for a
     * delivered packet, every receive field. Returns whether it was delivered.
     */
    static boolean assertSameOpen(Packet a, Packet b, String at) {
        assertEquals(a.result, b.result, at + " result");
        assertArrayEquals(a.toByteArray(), b.toByteArray(), at + " bytes");
        assertEquals(a.offset - a.base, b.offset - b.base, at + " offset");
        assertEquals(a.authenticated, b.authenticated, at + " authenticated");
        if (a.result != 0) {
            return false;
        }
        assertEquals(a.spi, b.spi, at + " spi");
        assertEquals(a.version, b.version, at + " version");
        assertEquals(a.iv, b.iv, at + " iv");
        assertEquals(a.vc, b.vc, at + " vc");
        assertEquals(a.vcPresent, b.vcPresent, at + " vcPresent");
        assertEquals(a.sBit, b.sBit, at + " S");
        assertEquals(a.dBit, b.dBit, at + " D");
        assertEquals(a.nextHeader, b.nextHeader, at + " next header");
        assertEquals(a.protoFieldOff - a.base, b.protoFieldOff - b.base, at + " protocol field");
        assertEquals(a.etherTypeOff - a.base, b.etherTypeOff - b.base, at + " ethertype field");
        assertEquals(a.ipHeaderLen, b.ipHeaderLen, at + " IP header length");
        assertEquals(a.aadLen, b.aadLen, at + " aadLen");
        assertEquals(a.textLen, b.textLen, at + " textLen");
        assertEquals(a.tunnel, b.tunnel, at + " tunnel");
        assertEquals(a.clearPorts, b.clearPorts, at + " clear ports");
        assertEquals(a.outerSourcePort, b.outerSourcePort, at + " outer source port");
        assertEquals(a.innerCsumVerified, b.innerCsumVerified, at + " inner checksum verified");
        assertEquals(a.rxLayout, b.rxLayout, at + " rx layout");
        if (a.rxLayout) {
            assertEquals(a.rxL3Off - a.offset, b.rxL3Off - b.offset, at + " rxL3Off");
            assertEquals(a.rxL4Off - a.offset, b.rxL4Off - b.offset, at + " rxL4Off");
            assertEquals(a.rxIpEnd - a.offset, b.rxIpEnd - b.offset, at + " rxIpEnd");
            assertEquals(a.rxIpVersion, b.rxIpVersion, at + " rxIpVersion");
            assertEquals(a.rxIpHeaderLen, b.rxIpHeaderLen, at + " rxIpHeaderLen");
            assertEquals(a.rxL4Proto, b.rxL4Proto, at + " rxL4Proto");
        }
        return true;
    }

    /** A PSP packet sealed from a random frame under a random SA (failures re-drawn). */
    static byte[] sealed(CodecHarness h, Random r, int spi) {
        while (true) {
            int version = r.nextInt(4);
            int co = r.nextInt(8) == 0 ? 63 : r.nextInt(6);
            boolean tunnel = r.nextInt(4) == 0;
            TxSa.Builder b = FastPathDifferentialTest.builder(version, co, r.nextBoolean(), SourcePortPolicy.flowHash(),
                    r.nextBoolean(), r.nextBoolean(), r.nextInt(5) == 0, r.nextLong() >>> 1);
            TxSa sa = h.install(b.mode(tunnel ? Mode.TUNNEL : Mode.TRANSPORT), 0x100 + spi, version);
            byte[] frame = FastPathDifferentialTest.frame(r);
            Packet p = FastPathDifferentialTest.place(h, frame, 256, 256);
            p.sa = sa;
            if (h.encoder.seal(p) == 0) {
                return p.toByteArray();
            }
        }
    }

    /** Half the packets intact; the rest with one thing wrong. */
    static byte[] damage(Random r, byte[] w) {
        switch (r.nextInt(13)) {
            case 0 -> w[r.nextInt(Math.min(w.length, 66))] ^= (byte) (1 << r.nextInt(8)); // a header bit
            case 1 -> w[r.nextInt(w.length)] ^= (byte) 0x40; // anywhere: record, tag or header
            case 2 -> {
                return java.util.Arrays.copyOf(w, Math.max(1, w.length - 1 - r.nextInt(40))); // truncated
            }
            case 3 -> {
                return java.util.Arrays.copyOf(w, w.length + 1 + r.nextInt(20)); // Ethernet padding
            }
            case 4 -> { // a PSP header byte rewritten (the IPv4 header, and its checksum, untouched)
                if ((w[12] & 0xff) == 0x08 && w[13] == 0 && (w[14] & 0xf0) == 0x40) {
                    w[14 + 20 + 8 + r.nextInt(16)] ^= (byte) (1 + r.nextInt(255)); // the PSP header
                }
            }
            case 5 -> { // the UDP length off by a few
                if (w.length > 40) {
                    w[38 + 1] += (byte) (1 + r.nextInt(3));
                }
            }
            case 6 -> { // shortened with every length and the IPv4 checksum made to agree: the PSP length checks decide
                if (w.length > 50 && (w[12] & 0xff) == 0x08 && w[13] == 0 && w[14] == 0x45) {
                    byte[] t = java.util.Arrays.copyOf(w, Math.max(50, w.length - r.nextInt(Math.min(w.length - 49, 48))));
                    int total = t.length - 14;
                    t[16] = (byte) (total >>> 8);
                    t[17] = (byte) total;
                    t[38] = (byte) ((total - 20) >>> 8);
                    t[39] = (byte) (total - 20);
                    t[24] = 0;
                    t[25] = 0;
                    dev.psp.engine.wire.Checksum.ipv4Header(MemorySegment.ofArray(t), 14, 20);
                    return t;
                }
                if (w.length > 70 && (w[12] & 0xff) == 0x86 && (w[13] & 0xff) == 0xdd && w[20] == 17) { // the same for IPv6
                    byte[] t = java.util.Arrays.copyOf(w, Math.max(70, w.length - r.nextInt(Math.min(w.length - 69, 48))));
                    int plen = t.length - 54;
                    t[18] = (byte) (plen >>> 8);
                    t[19] = (byte) plen;
                    t[58] = (byte) (plen >>> 8);
                    t[59] = (byte) plen;
                    return t;
                }
            }
            case 7 -> { // IPv6: a PSP header byte rewritten
                if ((w[12] & 0xff) == 0x86 && w.length > 80) {
                    w[54 + 8 + r.nextInt(16)] ^= (byte) (1 + r.nextInt(255));
                }
            }
            default -> { }
        }
        return w;
    }

    private static Packet place(MemorySegment buf, int slot, byte[] wire) {
        long at = (long) slot * SLOT + 256;
        MemorySegment.copy(MemorySegment.ofArray(wire), 0, buf, at, wire.length);
        return new Packet().wrap(buf, at - 256, at + wire.length + 256, at, wire.length);
    }
}
