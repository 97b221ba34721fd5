package dev.psp.engine.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumTest {
    /** The plain big-endian 16-bit reference sum {@link Checksum#sum} must equal. */
    private static long sumReference(MemorySegment s, long off, int len, long sum) {
        int i = 0;
        for (; i + 2 <= len; i += 2) {
            sum += Bytes.u16(s, off + i);
        }
        if (i < len) {
            sum += (Bytes.u8(s, off + i) << 8);
        }
        return sum;
    }

    private static long foldByLoop(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum;
    }

    @Test
    void fixedStepFoldEqualsFoldingUntilNoCarryIsLeft() {
        long[] edges = {0, 1, 0xfffe, 0xffff, 0x10000, 0x1fffe, 0x1ffff, 0xffff_0000L, 0xffff_ffffL, 0x1_0000_0000L,
            0xffff_ffff_ffffL, Long.MAX_VALUE, -1L, Long.MIN_VALUE, 0xffffL * 0xffffL, 0xffffL * 0x1_0001L};
        for (long e : edges) {
            assertEquals(foldByLoop(e), Checksum.fold(e), Long.toHexString(e));
        }
        Random r = new Random(0xf01d);
        for (int i = 0; i < 200_000; i++) {
            long v = r.nextLong() >>> r.nextInt(64);
            if (i % 7 == 0) {
                v = 0xffffL * (r.nextLong() >>> (17 + r.nextInt(47))); // multiples of 0xffff: 0xffff, never 0
            }
            assertEquals(foldByLoop(v), Checksum.fold(v), Long.toHexString(v));
        }
    }

    @Test
    void wordWiseSumEqualsTheReferenceForEveryLengthAndOffset() {
        Random r = new Random(1071);
        byte[] b = new byte[70_000];
        MemorySegment s = MemorySegment.ofArray(b);
        for (int round = 0; round < 3000; round++) {
            r.nextBytes(b);
            if (round % 3 == 0) {
                java.util.Arrays.fill(b, (byte) 0xff); // worst case for carries
            }
            int off = r.nextInt(16);
            int len = round < 200 ? round : r.nextInt(b.length - 16);
            long seed = r.nextInt(1 << 20);
            assertEquals(Checksum.finish(sumReference(s, off, len, seed)), Checksum.finish(Checksum.sum(s, off, len, seed)),
                    "len " + len + " off " + off);
        }
    }

    @Test
    void keptSumGivesTheRecomputedIpv4Checksum() {
        Random r = new Random(791);
        byte[] b = new byte[60];
        MemorySegment s = MemorySegment.ofArray(b);
        for (int round = 0; round < 20_000; round++) {
            r.nextBytes(b);
            if (round % 5 == 0) {
                java.util.Arrays.fill(b, (byte) (round % 10 == 0 ? 0xff : 0));
            }
            int hlen = 20 + 4 * r.nextInt(11);
            b[0] = (byte) (0x40 | hlen / 4);
            long kept = Checksum.ipv4KeptSum(s, 0, hlen); // whatever the old length, TTL, protocol and checksum were
            int len = r.nextInt(65536);
            int ttl = r.nextInt(256);
            int proto = r.nextInt(256);
            Bytes.u16(s, 2, len);
            b[8] = (byte) ttl;
            b[9] = (byte) proto;
            Checksum.ipv4Header(s, 0, hlen);
            assertEquals(Bytes.u16(s, 10), Checksum.ipv4Finish(kept, len, ttl, proto), "round " + round);
        }
    }

    @Test
    void l4IgnoresWhateverTheChecksumFieldHolds() {
        Random r = new Random(768);
        byte[] b = new byte[1600];
        MemorySegment s = MemorySegment.ofArray(b);
        for (int round = 0; round < 5000; round++) {
            r.nextBytes(b);
            if (round % 7 == 0) {
                java.util.Arrays.fill(b, 34, b.length, (byte) 0); // all-zero L4: the 0/0xffff corner
            }
            int ipv = round % 2 == 0 ? 4 : 6;
            int proto = round % 3 == 0 ? 17 : 6;
            int field = proto == 6 ? 16 : 6;
            long l4 = ipv == 4 ? 34 : 54;
            int len = 20 + r.nextInt(b.length - 60 - (int) l4);
            int got = Checksum.l4(s, 14, ipv, proto, l4, len, field);
            Bytes.u16(s, l4 + field, 0);
            // the pseudo-header written out (RFC 768 / 793, RFC 8200 8.1): addresses, protocol, L4 length
            long pseudo = ipv == 4 ? sumReference(s, 14 + 12, 8, 0) : sumReference(s, 14 + 8, 32, 0);
            int c = Checksum.finish(sumReference(s, l4, len, pseudo + proto + len));
            assertEquals(proto == 17 && c == 0 ? 0xffff : c, got, "round " + round);
        }
    }

    /** Adding {@code negate} of a piece's sum takes the piece off: sum(a ++ b) + negate(sum(b)) folds as sum(a) does. */
    @Test
    void negateTakesBytesOffASum() {
        Random r = new Random(1624);
        for (int i = 0; i < 2000; i++) {
            byte[] a = new byte[2 * r.nextInt(300)]; // an even length: b's bytes keep their halves
            byte[] b = new byte[r.nextInt(300)];
            r.nextBytes(a);
            r.nextBytes(b);
            byte[] ab = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, ab, a.length, b.length);
            long whole = Checksum.sum(MemorySegment.ofArray(ab), 0, ab.length, 0);
            long less = whole + Checksum.negate(Checksum.sum(MemorySegment.ofArray(b), 0, b.length, 0));
            long expected = Checksum.fold(Checksum.sum(MemorySegment.ofArray(a), 0, a.length, 0));
            // one's complement has two zeros: 0 and 0xffff are the same value
            assertEquals(expected % 0xffff, Checksum.fold(less) % 0xffff, "lengths " + a.length + ", " + b.length);
        }
    }

    @Test
    void rfc1071Example() {
        byte[] b = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7};
        // RFC 1071 section 3: the sum is 0xddf2, the checksum its complement
        assertEquals(~0xddf2 & 0xffff, Checksum.finish(Checksum.sum(MemorySegment.ofArray(b), 0, 8, 0)));
    }
}
