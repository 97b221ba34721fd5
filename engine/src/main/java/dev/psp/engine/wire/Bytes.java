package dev.psp.engine.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Network-byte-order field access over a {@link MemorySegment}; layouts declared once. */
public final class Bytes {
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /**
     * The whole native address space as one segment, for hot paths that address native packet
     * memory absolutely ({@code segment.address() + offset}) after checking the offsets against
     * the packet's own segment and that segment's liveness once: accesses through it skip the
     * per-access bounds and liveness checks of the packet's segment, so the caller's checks are the
     * only ones. Restricted (needs native access enabled, as the shim does).
     */
    public static final MemorySegment NATIVE = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private Bytes() {}

    /**
     * The checks {@link #NATIVE} skips, made once for a segment before addressing it absolutely:
     * native memory, still alive, and accessible by this thread (a confined arena's owner);
     * {@code write}: also not a read-only view.
     */
    public static boolean addressable(MemorySegment s, boolean write) {
        return s.isNative() && (!write || !s.isReadOnly()) && s.scope().isAlive() && s.isAccessibleBy(Thread.currentThread());
    }

    public static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xff;
    }

    public static void u8(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    public static int u16(MemorySegment s, long off) {
        return s.get(U16, off) & 0xffff;
    }

    public static void u16(MemorySegment s, long off, int v) {
        s.set(U16, off, (short) v);
    }

    public static int u32(MemorySegment s, long off) {
        return s.get(U32, off);
    }

    public static void u32(MemorySegment s, long off, int v) {
        s.set(U32, off, v);
    }

    public static long u64(MemorySegment s, long off) {
        return s.get(U64, off);
    }

    public static void u64(MemorySegment s, long off, long v) {
        s.set(U64, off, v);
    }

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    /**
     * Overlap-safe move of {@code len} (32..56) header bytes at absolute addresses
     * ({@link #NATIVE}; the caller has checked both ranges): every word is loaded before any is
     * stored, the last one overlapping the one before it. The codec's fixed-shape header moves
     * (Ethernet + IPv4 without options: 34 bytes, + IPv6 without extension headers: 54).
     */
    public static void moveHeader(long from, long to, int len) {
        MemorySegment g = NATIVE;
        long w0 = g.get(WORD, from);
        long w1 = g.get(WORD, from + 8);
        long w2 = g.get(WORD, from + 16);
        long w3 = g.get(WORD, from + 24);
        long w4 = len > 40 ? g.get(WORD, from + 32) : 0;
        long w5 = len > 48 ? g.get(WORD, from + 40) : 0;
        long tail = g.get(WORD, from + len - 8);
        g.set(WORD, to, w0);
        g.set(WORD, to + 8, w1);
        g.set(WORD, to + 16, w2);
        g.set(WORD, to + 24, w3);
        if (len > 40) {
            g.set(WORD, to + 32, w4);
        }
        if (len > 48) {
            g.set(WORD, to + 40, w5);
        }
        g.set(WORD, to + len - 8, tail);
    }

    /**
     * Overlap-safe move within one segment, for the codec's header moves. Header-sized moves (up to
     * 40 bytes) load every word before storing; up to {@code bounce.length} bytes go through the
     * caller's heap array (two plain bulk copies, cheaper than the overlap analysis of a
     * segment-to-segment copy); longer ones use that copy.
     */
    public static void move(MemorySegment s, long from, long to, long len, byte[] bounce) {
        if (len <= 0 || from == to) {
            return;
        }
        if (len > bounce.length) {
            MemorySegment.copy(s, from, s, to, len);
            return;
        }
        if (len <= 40) {
            // header-sized: load everything first (overlap-safe either way), then store; a tail
            // after the whole words is one more word, the last 8 bytes (overlapping the one before)
            int n = (int) len;
            if (n < 8) {
                long t = 0;
                for (int i = 0; i < n; i++) {
                    t |= (s.get(ValueLayout.JAVA_BYTE, from + i) & 0xffL) << (8 * i);
                }
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_BYTE, to + i, (byte) (t >>> (8 * i)));
                }
                return;
            }
            int words = n >>> 3;
            long w0 = s.get(WORD, from);
            long w1 = words > 1 ? s.get(WORD, from + 8) : 0;
            long w2 = words > 2 ? s.get(WORD, from + 16) : 0;
            long w3 = words > 3 ? s.get(WORD, from + 24) : 0;
            long w4 = words > 4 ? s.get(WORD, from + 32) : 0;
            boolean tail = (n & 7) != 0;
            long last = tail ? s.get(WORD, from + n - 8) : 0;
            s.set(WORD, to, w0);
            if (words > 1) {
                s.set(WORD, to + 8, w1);
            }
            if (words > 2) {
                s.set(WORD, to + 16, w2);
            }
            if (words > 3) {
                s.set(WORD, to + 24, w3);
            }
            if (words > 4) {
                s.set(WORD, to + 32, w4);
            }
            if (tail) {
                s.set(WORD, to + n - 8, last);
            }
            return;
        }
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, from, bounce, 0, (int) len);
        MemorySegment.copy(bounce, 0, s, ValueLayout.JAVA_BYTE, to, (int) len);
    }
}
