package dev.psp.engine.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A bounded, direct-mapped cache of derived receive keys in front of an {@link RxKeyResolver},
 * keyed by {@code spi|version}; same results as the resolver, fewer AES calls. Keys sit in one
 * off-heap slab (32 bytes a slot). The whole cache is zeroed and invalidated when the device epoch
 * moves (rotation, version change), so a cached key never outlives its master key. Only successes
 * are cached: a success stays a success until the epoch moves (a slot's allocation count only
 * grows). One instance per worker, not thread safe; no allocation per call.
 */
public final class RxKeyCache implements AutoCloseable {
    private static final long VALID = 1L << 40;

    private final RxKeyResolver resolver;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment slab;
    private final long[] tags;
    private final int mask;
    private long epoch = Long.MIN_VALUE;
    private long hits;
    private long misses;

    /** A cache with {@code slots} entries (rounded up to a power of two, 1..2^24). */
    public RxKeyCache(RxKeyResolver resolver, int slots) {
        if (slots < 1 || slots > 1 << 24) {
            throw new IllegalArgumentException("slots must be in 1..2^24: " + slots);
        }
        int n = slots == 1 ? 1 : Integer.highestOneBit(slots - 1) << 1;
        this.resolver = resolver;
        this.tags = new long[n];
        this.mask = n - 1;
        this.slab = arena.allocate((long) n * SaTable.KEY_STRIDE, 64);
    }

    public int slots() {
        return tags.length;
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    /** As {@link RxKeyResolver#resolve}: key length into {@code out[off..)}, or a negative status. */
    public int resolve(int spi, int version, MemorySegment out, long off) {
        long e = resolver.device().epoch();
        if (e != epoch) {
            invalidate();
            epoch = e;
        }
        long tag = VALID | Integer.toUnsignedLong(spi) << 2 | (version & 3);
        int slot = (int) ((tag * 0x9E37_79B9_7F4A_7C15L) >>> 40) & mask;
        long base = (long) slot * SaTable.KEY_STRIDE;
        int len = (version & 1) == 0 ? 16 : 32;
        if (tags[slot] == tag && version >= 0 && version <= 3) {
            hits++;
            MemorySegment.copy(slab, base, out, off, len);
            return len;
        }
        misses++;
        tags[slot] = 0;
        int rc = resolver.resolve(spi, version, slab, base);
        if (rc < 0) {
            return rc;
        }
        if (resolver.loadedEpoch() == epoch) {
            tags[slot] = tag;
        }
        MemorySegment.copy(slab, base, out, off, rc);
        return rc;
    }

    /** Drops and zeroes every cached key. */
    public void invalidate() {
        java.util.Arrays.fill(tags, 0L);
        slab.fill((byte) 0);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            invalidate();
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "RxKeyCache[slots=" + tags.length + ", hits=" + hits + ", misses=" + misses + ", keys redacted]";
    }
}
