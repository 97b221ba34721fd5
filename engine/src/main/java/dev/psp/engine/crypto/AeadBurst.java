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
    private int count;

    public AeadBurst(int capacity) {
        segments = new MemorySegment[capacity];
        offsets = new long[capacity];
        aadLengths = new int[capacity];
        textLengths = new int[capacity];
        keys = new AeadKey[capacity];
        statuses = new int[capacity];
    }

    public int capacity() {
        return segments.length;
    }

    public int count() {
        return count;
    }

    public void clear() {
        count = 0;
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
        return i;
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
