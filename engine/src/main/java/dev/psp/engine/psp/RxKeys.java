package dev.psp.engine.psp;

import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.AeadKey;
import dev.psp.engine.crypto.KeyDerivation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Receive keys for one worker, from the SPI in each packet: no per-SA state. Either derived per
 * packet (cache size 0) or through a bounded direct-mapped cache of prepared keys; both give the
 * same keys, and memory never grows with the number of SAs. Not thread safe.
 */
public final class RxKeys implements AutoCloseable {
    private final KeyDerivation kdf;
    private final AeadEngine engine;
    private final int enabledVersions;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment raw;
    // per-packet derivation: one reusable prepared key per burst slot
    private final AeadKey[] scratch;
    // cache
    private final long[] tags;
    private final AeadKey[] cached;
    private final int mask;
    /** The reason for the last null {@link #resolve}. */
    public int lastReason;

    /**
     * @param cacheSize 0 to derive per packet, else a power of two number of cached keys
     * @param burstSlots how many keys may be live at once in one burst (per-packet mode)
     * @param enabledVersions bit mask of accepted PSP versions (bit n = version n)
     */
    public RxKeys(KeyDerivation kdf, AeadEngine engine, int cacheSize, int burstSlots, int enabledVersions) {
        if (cacheSize != 0 && Integer.bitCount(cacheSize) != 1) {
            throw new IllegalArgumentException("key cache size must be 0 or a power of two, got " + cacheSize);
        }
        this.kdf = kdf;
        this.engine = engine;
        this.enabledVersions = enabledVersions;
        this.raw = arena.allocate(32);
        this.scratch = new AeadKey[Math.max(1, burstSlots)];
        this.tags = new long[cacheSize];
        this.cached = new AeadKey[cacheSize];
        this.mask = cacheSize - 1;
        java.util.Arrays.fill(tags, -1L);
    }

    /** Returns the prepared key for {@code spi}/{@code version}, or null with {@link #lastReason} set. */
    public AeadKey resolve(int spi, int version, int slot) {
        if ((enabledVersions & (1 << version)) == 0) {
            lastReason = Reason.RX_VERSION_DISABLED.code();
            return null;
        }
        if (!kdf.hasMasterKey(spi >>> 31)) {
            lastReason = Reason.RX_NO_KEY.code();
            return null;
        }
        if (cached.length == 0) {
            AeadKey k = derive(spi, version, scratch[slot]);
            scratch[slot] = k;
            return k;
        }
        long tag = ((spi & 0xffffffffL) << 8) | version;
        int i = (int) mix(tag) & mask;
        if (tags[i] == tag) {
            return cached[i];
        }
        AeadKey k = derive(spi, version, cached[i]);
        cached[i] = k;
        tags[i] = tag;
        return k;
    }

    private AeadKey derive(int spi, int version, AeadKey reuse) {
        int len = kdf.derive(spi, version, raw, 0);
        AeadKey k = engine.prepareKey(reuse, raw, 0, len);
        raw.fill((byte) 0);
        return k;
    }

    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        return x;
    }

    /** Drops every cached key (after a master-key change). */
    public void invalidate() {
        java.util.Arrays.fill(tags, -1L);
    }

    @Override
    public void close() {
        for (AeadKey k : cached) {
            if (k != null) {
                k.destroy();
            }
        }
        for (AeadKey k : scratch) {
            if (k != null) {
                k.destroy();
            }
        }
        arena.close();
    }
}
