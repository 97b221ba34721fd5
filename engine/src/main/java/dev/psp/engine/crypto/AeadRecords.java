package dev.psp.engine.crypto;

import java.lang.foreign.MemorySegment;

/** The one bounds check native backends make before handing a record's address to C. */
final class AeadRecords {
    private AeadRecords() {}

    /** Rejects a key length other than 16 or 32 bytes (a configuration error, not a packet failure). */
    static void requireKeyLength(int len) {
        if (len != 16 && len != 32) {
            throw new IllegalArgumentException("AES-GCM key length must be 16 or 32 bytes, got " + len);
        }
    }

    /**
     * True when {@code [off, off + aadLen + textLen + TAG_LENGTH)} lies inside a writable
     * {@code seg} that this thread may access now (alive: its arena not closed, and not another
     * thread's confined memory), and the AAD holds the nonce. Native code trusts records that pass.
     */
    static boolean valid(MemorySegment seg, long off, int aadLen, int textLen) {
        return inBounds(seg, off, aadLen, textLen) && accessible(seg);
    }

    /** {@link #valid} without {@link #accessible}, for a burst that checks each of its segments once. */
    static boolean inBounds(MemorySegment seg, long off, int aadLen, int textLen) {
        return seg != null
                && aadLen >= AeadEngine.NONCE_OFFSET + AeadEngine.NONCE_LENGTH
                && textLen >= 0
                && off >= 0
                && off <= seg.byteSize() - ((long) aadLen + textLen + AeadEngine.TAG_LENGTH)
                && !seg.isReadOnly();
    }

    /**
     * The checks a raw address skips: the segment's arena is still open and this thread may
     * access it (a confined arena's owner). Heap segments always pass.
     */
    static boolean accessible(MemorySegment seg) {
        return seg.scope().isAlive() && seg.isAccessibleBy(Thread.currentThread());
    }

    /**
     * True when a split record's source {@code [srcOff, srcOff + srcLen)} lies inside {@code src}
     * and this thread may access it now;
     * written so that no sum can overflow (a source offset near {@code Long.MAX_VALUE} must not wrap
     * past the check into a wild native address).
     */
    static boolean validSource(MemorySegment src, long srcOff, int srcLen) {
        return src != null
                && srcLen >= 0
                && srcOff >= 0
                && srcOff <= src.byteSize() - srcLen
                && accessible(src);
    }
}
