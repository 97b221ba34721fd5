package dev.psp.engine.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Network-byte-order field access over a {@link MemorySegment}; layouts declared once. */
public final class Bytes {
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Bytes() {}

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
    private static final int SMALL_MOVE = 256;

    /**
     * Overlap-safe move within one segment. Header-sized moves (the codec's hot path) copy 8-byte
     * words in the safe direction, cheaper than the general overlap-checking bulk copy.
     */
    public static void move(MemorySegment s, long from, long to, long len) {
        if (len <= 0 || from == to) {
            return;
        }
        if (len > SMALL_MOVE) {
            MemorySegment.copy(s, from, s, to, len);
            return;
        }
        int n = (int) len;
        if (to < from) {
            int i = 0;
            for (; i + 8 <= n; i += 8) {
                s.set(WORD, to + i, s.get(WORD, from + i));
            }
            for (; i < n; i++) {
                s.set(ValueLayout.JAVA_BYTE, to + i, s.get(ValueLayout.JAVA_BYTE, from + i));
            }
        } else {
            int i = n;
            for (; i >= 8; i -= 8) {
                s.set(WORD, to + i - 8, s.get(WORD, from + i - 8));
            }
            for (; i > 0; i--) {
                s.set(ValueLayout.JAVA_BYTE, to + i - 1, s.get(ValueLayout.JAVA_BYTE, from + i - 1));
            }
        }
    }
}
