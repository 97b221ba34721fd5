package dev.psp.engine.crypto;

import java.lang.foreign.MemorySegment;

/**
 * Structure-of-arrays descriptors for one burst of AEAD operations, reused across bursts (no
 * allocation per packet). Fill with {@link #clear()} then {@link #add}; the engine writes a status
 * per entry. Not thread safe.
 */
public final class AeadBurst {
    private final MemorySegment[] segments;
    private final long[] offsets;
    private final int[] aadLengths;
    private final int[] textLengths;
    private final AeadKey[] keys;
    private final int[] statuses;
    private final MemorySegment[] sources;
    private final long[] sourceOffsets;
    private final int[] sourceLengths;
    private final long[] textSums;
    private int count;
    private boolean stageSplitHeads;
    private boolean sumTexts;

    public AeadBurst(int capacity) {
        segments = new MemorySegment[capacity];
        offsets = new long[capacity];
        aadLengths = new int[capacity];
        textLengths = new int[capacity];
        keys = new AeadKey[capacity];
        statuses = new int[capacity];
        sources = new MemorySegment[capacity];
        sourceOffsets = new long[capacity];
        sourceLengths = new int[capacity];
        textSums = new long[capacity];
    }

    public int capacity() {
        return segments.length;
    }

    public int count() {
        return count;
    }

    public void clear() {
        count = 0;
        stageSplitHeads = false;
        sumTexts = false;
    }

    /**
     * Asks, for this burst of opens, for each opened record's plaintext checksum sum
     * ({@link #textSum}), which a backend that can take it while the plaintext is fresh from the
     * cipher provides (the native shim); others leave it unknown. Reset by {@link #clear()}.
     */
    public void sumTexts(boolean v) {
        sumTexts = v;
    }

    public boolean sumTexts() {
        return sumTexts;
    }

    /**
     * The Internet checksum sum (RFC 1071, network order, unfolded: {@code Checksum.sum} of the
     * text bytes from 0) of record {@code i}'s plaintext, as its backend took it when it opened the
     * record; -1 when unknown (not asked for, not provided by the backend, or the record failed).
     */
    public long textSum(int i) {
        return textSums[i];
    }

    public void textSum(int i, long sum) {
        textSums[i] = sum;
    }

    /**
     * Declares, for this burst, that the {@code textLen - srcLen} bytes in front of every split
     * record's source belong to the same caller-owned buffer (for TSO: the super-packet's own
     * headers and earlier payload), so a backend may borrow them during the call to stage the
     * record's in-place text head next to the source and cipher both in one pass, restoring them
     * before it returns. Reset by {@link #clear()}.
     */
    public void stageSplitHeads(boolean v) {
        stageSplitHeads = v;
    }

    public boolean stageSplitHeads() {
        return stageSplitHeads;
    }

    /** Adds a record; returns its index, or -1 when the burst is full. */
    public int add(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
        if (count == segments.length) {
            return -1;
        }
        int i = count++;
        keys[i] = key;
        segments[i] = seg;
        offsets[i] = off;
        aadLengths[i] = aadLen;
        textLengths[i] = textLen;
        statuses[i] = AeadEngine.ERROR;
        sources[i] = null;
        sourceLengths[i] = 0;
        textSums[i] = -1;
        return i;
    }

    /**
     * Adds a split seal record (see {@link AeadEngine#sealSplit}): the last {@code srcLen} text bytes
     * come from {@code src[srcOff..]}. Returns its index, or -1 when full. Seal only.
     */
    public int addSplit(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen,
                        MemorySegment src, long srcOff, int srcLen) {
        int i = add(key, seg, off, aadLen, textLen);
        if (i >= 0) {
            sources[i] = src;
            sourceOffsets[i] = srcOff;
            sourceLengths[i] = srcLen;
        }
        return i;
    }

    /** Bytes of text read from {@link #source(int)}; 0 for an in-place record. */
    public int sourceLength(int i) {
        return sourceLengths[i];
    }

    public MemorySegment source(int i) {
        return sources[i];
    }

    public long sourceOffset(int i) {
        return sourceOffsets[i];
    }


    public AeadKey key(int i) {
        return keys[i];
    }

    public MemorySegment segment(int i) {
        return segments[i];
    }

    public long offset(int i) {
        return offsets[i];
    }

    public int aadLength(int i) {
        return aadLengths[i];
    }

    public int textLength(int i) {
        return textLengths[i];
    }

    public int status(int i) {
        return statuses[i];
    }

    public void status(int i, int status) {
        statuses[i] = status;
    }
}
