package dev.psp.engine.wire;

import java.lang.foreign.MemorySegment;

/** Internet checksum (RFC 1071) helpers. */
public final class Checksum {
    private Checksum() {}

    private static final boolean LITTLE_ENDIAN = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    /**
     * One's-complement sum of {@code len} bytes (not folded, not inverted), added to {@code sum}.
     * Reads 8-byte native-order words: the one's-complement sum of byte-swapped 16-bit words is the
     * byte swap of the sum (RFC 1071, "byte order independence"), so one swap at the end replaces a
     * swap per load; the 32-bit halves are accumulated in a 64-bit register (no carry lost for any
     * packet size).
     */
    public static long sum(MemorySegment s, long off, int len, long sum) {
        int words = len & ~7;
        if (words >= 16) {
            sum += wordSum(s, off, words);
        } else {
            words = 0;
        }
        int i = words;
        for (; i + 4 <= len; i += 4) {
            sum += Bytes.u32(s, off + i) & 0xffffffffL;
        }
        for (; i + 2 <= len; i += 2) {
            sum += Bytes.u16(s, off + i);
        }
        if (i < len) {
            sum += (Bytes.u8(s, off + i) << 8);
        }
        return sum;
    }

    /** The folded 16-bit one's-complement sum, in network order, of {@code len} (a multiple of 8) bytes. */
    private static long wordSum(MemorySegment s, long off, int len) {
        long acc = 0;
        for (int i = 0; i < len; i += 8) {
            long w = s.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, off + i);
            acc += (w & 0xffffffffL) + (w >>> 32);
        }
        acc = fold(acc);
        return LITTLE_ENDIAN ? ((acc & 0xff) << 8) | (acc >>> 8) : acc;
    }

    /** Folds a 64-bit accumulated sum and inverts it: the value to store in a checksum field. */
    public static int finish(long sum) {
        return (int) (~fold(sum)) & 0xffff;
    }

    /**
     * The one's-complement negative of an accumulated sum (0xffff minus its fold): adding it to a
     * sum takes those bytes off it (RFC 1071 arithmetic; an all-zero sum gives 0xffff, negative zero).
     */
    public static long negate(long sum) {
        return 0xffff - fold(sum);
    }

    /**
     * Folds any 64-bit one's-complement accumulation to 16 bits with end-around carries, in four
     * fixed steps (no data-dependent loop): 0 stays 0, any other value gives 1..0xffff, the same as
     * folding until no carry is left.
     */
    public static long fold(long sum) {
        sum = (sum & 0xffffffffL) + (sum >>> 32); // < 2^33
        sum = (sum & 0xffff) + (sum >>> 16); // < 0x2ffff
        sum = (sum & 0xffff) + (sum >>> 16); // <= 0x10001
        return (sum & 0xffff) + (sum >>> 16);
    }

    /**
     * Recomputes and stores the IPv4 header checksum of the header at {@code off}: 4-byte words,
     * the checksum field itself skipped (no separate zeroing store).
     */
    public static void ipv4Header(MemorySegment s, long off, int headerLen) {
        long sum = 0;
        for (int i = 0; i < headerLen; i += 4) {
            int w = Bytes.u32(s, off + i);
            sum += i == 8 ? (w >>> 16) : (w >>> 16) + (w & 0xffff); // bytes 10-11 are the checksum
        }
        Bytes.u16(s, off + 10, finish(sum));
    }

    /**
     * The one's-complement sum of the IPv4 header at {@code off} without its total length (bytes
     * 2-3), TTL/protocol (8-9) and checksum (10-11) words: the part an encapsulation keeps. Read
     * before the header is moved and patched, it gives the new checksum with
     * {@link #ipv4Finish} and no reload of freshly stored bytes (a load straddling a recent
     * narrower store stalls store-to-load forwarding).
     */
    public static long ipv4KeptSum(MemorySegment s, long off, int headerLen) {
        int w0 = Bytes.u32(s, off);
        int w1 = Bytes.u32(s, off + 4);
        long sum = (w0 >>> 16) + (w1 >>> 16) + (w1 & 0xffff);
        for (int i = 12; i < headerLen; i += 4) {
            int w = Bytes.u32(s, off + i);
            sum += (w >>> 16) + (w & 0xffff);
        }
        return sum;
    }

    /** The IPv4 header checksum from {@link #ipv4KeptSum} and the new length and TTL/protocol words. */
    public static int ipv4Finish(long keptSum, int totalLength, int ttl, int protocol) {
        return finish(keptSum + totalLength + ((ttl << 8) | protocol));
    }

    /** True when the IPv4 header checksum verifies. */
    public static boolean ipv4HeaderValid(MemorySegment s, long off, int headerLen) {
        return finish(sum(s, off, headerLen, 0)) == 0;
    }

    /**
     * Pseudo-header sum for an L4 checksum: addresses from the IP header at {@code ipOff}
     * (version 4 or 6), protocol and L4 length. For IPv6 the destination is the final one (RFC 8200
     * section 8.1: a Routing header's, see {@link PacketHeaders#pseudoDestination}), looked for
     * only when extension headers lie between the fixed header and the L4 header at {@code l4Off}.
     */
    public static long pseudoHeader(MemorySegment s, long ipOff, int ipVersion, int proto, long l4Off, int l4Len) {
        long sum = proto + (long) l4Len;
        if (ipVersion == 4) {
            return sum(s, ipOff + 12, 8, sum);
        }
        if (l4Off != ipOff + 40) {
            long dst = PacketHeaders.pseudoDestination(s, ipOff, l4Off);
            if (dst != ipOff + 24) {
                return sum(s, dst, 16, sum(s, ipOff + 8, 16, sum));
            }
        }
        return sum(s, ipOff + 8, 32, sum);
    }

    /**
     * Computes an L4 (UDP/TCP) checksum over {@code l4Len} bytes at {@code l4Off}, the checksum
     * field counted as zero (its current value is summed and then cancelled by adding its one's
     * complement, so nothing is stored before the sum: a load straddling a fresh store stalls).
     * Stores nothing; the caller writes the result.
     */
    public static int l4(MemorySegment s, long ipOff, int ipVersion, int proto, long l4Off, int l4Len, int csumFieldOffset) {
        long cancel = ~Bytes.u16(s, l4Off + csumFieldOffset) & 0xffff;
        int c = finish(sum(s, l4Off, l4Len, pseudoHeader(s, ipOff, ipVersion, proto, l4Off, l4Len)) + cancel);
        if (c == 0 && proto == 17) {
            c = 0xffff; // RFC 768: a computed zero is sent as all ones
        }
        return c;
    }

    /** True when an L4 checksum verifies (the stored field included in the sum). */
    public static boolean l4Valid(MemorySegment s, long ipOff, int ipVersion, int proto, long l4Off, int l4Len) {
        return finish(sum(s, l4Off, l4Len, pseudoHeader(s, ipOff, ipVersion, proto, l4Off, l4Len))) == 0;
    }
}
