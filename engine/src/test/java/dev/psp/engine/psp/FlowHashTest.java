package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.pipeline.Pipeline;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The flow hash: the fast paths' forms ({@link FlowHash#ofIpv4}, {@link FlowHash#ofIpv6}) equal the
 * parsed packet's ({@link FlowHash#of}), and structured data-centre traffic (hosts numbered in one
 * prefix, client ports counting up) still spreads over the source-port bits (0xC000 | 14 bits) and
 * over RSS workers ({@link Pipeline#workerOf}). Seeded.
 */
class FlowHashTest {
    @ParameterizedTest(name = "IPv{0}")
    @ValueSource(ints = {4, 6})
    void fastFormsEqualTheParsedPacketsHash(int family) {
        SplittableRandom r = new SplittableRandom(family);
        PacketHeaders h = new PacketHeaders();
        for (int i = 0; i < 2000; i++) {
            int proto = r.nextBoolean() ? 6 : 17;
            byte[] f = frame(family, proto, r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), r.nextInt());
            MemorySegment s = MemorySegment.ofArray(f);
            assertEquals(PacketHeaders.OK, h.parse(s, 0, f.length));
            int ports = Bytes.u32(s, h.l4Off);
            int fast = family == 4 ? FlowHash.ofIpv4(proto, Bytes.u64(s, 14 + 12), ports) : FlowHash.ofIpv6(proto, s, 14 + 8, ports);
            assertEquals(FlowHash.of(h), fast, "packet " + i);
        }
    }

    /**
     * {@code highBytes}: the flows differ only in the leading bytes of the source address (IPv4: the
     * first two; IPv6: the first two of each 8-byte half) and share their ports: bits a
     * multiply-and-add hash carries only upwards, so they must be mixed back down.
     */
    @ParameterizedTest(name = "IPv{0} high bytes {1}")
    @org.junit.jupiter.params.provider.CsvSource({"4, false", "6, false", "4, true", "6, true"})
    void structuredFlowsSpread(int family, boolean highBytes) {
        SplittableRandom r = new SplittableRandom(7 + family);
        long prefixHi = r.nextLong();
        long prefixLo = r.nextLong();
        Set<Integer> sports = new HashSet<>();
        int flows = 1 << 16;
        int[][] buckets = new int[17][];
        for (int n = 2; n <= 16; n++) {
            buckets[n] = new int[n];
        }
        for (int i = 0; i < flows; i++) {
            int host = i >>> 8; // 256 hosts of one prefix, 256 client ports each
            int port = 40_000 + (i & 0xff);
            long srcHi = prefixHi;
            long srcLo = prefixLo + host;
            if (highBytes) {
                port = 40_000;
                if (family == 4) {
                    srcLo = (prefixLo & 0xffffL) | ((long) i << 16); // IPv4 source = the low 32 bits: its first two bytes vary
                } else {
                    srcHi = (prefixHi & 0x0000ffffffffffffL) | ((long) (i & 0xff) << 48) | ((long) (i >>> 8) << 56);
                    srcLo = prefixLo & 0x0000ffffffffffffL | ((long) (i >>> 8) << 48);
                }
            }
            byte[] f = frame(family, 6, srcHi, srcLo, prefixHi, prefixLo + 1000, (port << 16) | 443);
            MemorySegment s = MemorySegment.ofArray(f);
            PacketHeaders h = new PacketHeaders();
            h.parse(s, 0, f.length);
            int hash = FlowHash.of(h);
            sports.add(hash & 0x3fff);
            for (int n = 2; n <= 16; n++) {
                buckets[n][Pipeline.workerOf(hash, n)]++;
            }
        }
        // 65,536 flows into 16,384 source ports: a uniform hash leaves about e^-4 of them unused (1.8%)
        assertTrue(sports.size() > 16_384 * 0.95, "source ports used: " + sports.size());
        for (int n = 2; n <= 16; n++) {
            for (int b : buckets[n]) {
                double want = (double) flows / n;
                assertTrue(Math.abs(b - want) < want * 0.05, n + " workers: bucket of " + b + ", want about " + want);
            }
        }
    }

    /** Ethernet + IPv4/IPv6 + 20-byte TCP or 8-byte UDP header, addresses from the four longs (IPv4: the low 32 bits of two). */
    private static byte[] frame(int family, int proto, long srcHi, long srcLo, long dstHi, long dstLo, int ports) {
        int l3 = family == 4 ? 20 : 40;
        int l4 = proto == 6 ? 20 : 8;
        byte[] f = new byte[14 + l3 + l4];
        MemorySegment s = MemorySegment.ofArray(f);
        if (family == 4) {
            Bytes.u16(s, 12, 0x0800);
            Bytes.u8(s, 14, 0x45);
            Bytes.u16(s, 16, l3 + l4);
            Bytes.u8(s, 22, 64);
            Bytes.u8(s, 23, proto);
            Bytes.u32(s, 26, (int) srcLo);
            Bytes.u32(s, 30, (int) dstLo);
        } else {
            Bytes.u16(s, 12, 0x86dd);
            Bytes.u8(s, 14, 0x60);
            Bytes.u16(s, 18, l4);
            Bytes.u8(s, 20, proto);
            Bytes.u8(s, 21, 64);
            Bytes.u64(s, 22, srcHi);
            Bytes.u64(s, 30, srcLo);
            Bytes.u64(s, 38, dstHi);
            Bytes.u64(s, 46, dstLo);
        }
        Bytes.u32(s, 14 + l3, ports);
        if (proto == 6) {
            Bytes.u8(s, 14 + l3 + 12, 0x50);
        } else {
            Bytes.u16(s, 14 + l3 + 4, l4);
        }
        return f;
    }
}
