package dev.psp.engine.device;

/**
 * Optional anti-replay check over the IV, off by default (the spec leaves replay protection to
 * the inner transport, e.g. TCP PAWS). Per SPI, a sliding window of {@code windowBits} (64..1024,
 * a power of two) remembers which IVs at or below the highest seen were accepted, RFC 4303 /
 * RFC 6479 style: an IV above the highest slides the window; one inside it is accepted once; one
 * below it is dropped. Drops are counted in {@code replay-drops}.
 *
 * <p>The window's unit is one IV value. With picosecond-timestamp IVs that means packets
 * reordered by more than {@code windowBits} picoseconds behind the newest are dropped as too old:
 * on paths that reorder, this check costs packets (one more reason it is off by default). With
 * counter IVs (reference-compatibility mode) it is the classic sequence-number window.
 * IVs compare in serial-number arithmetic, so the 2^64 ps wrap is harmless.
 *
 * <p>Bounded: at most {@code maxSpis} SPIs, open addressing; when full, packets of further SPIs
 * are accepted unchecked and counted in {@code replay-untracked} (dropping them would let a full
 * table deny service). {@link #forget} a SPI when its SA goes away. Call only after the packet
 * authenticated (so forged IVs cannot move the window). One instance per receive queue; not
 * thread safe; no allocation per call.
 */
public final class ReplayWindow {
    public static final int MIN_BITS = 64;
    public static final int MAX_BITS = 1024;

    private final int windowBits;
    private final int words;
    private final int maxSpis;
    private final int mask;
    private final int[] spis;
    private final boolean[] used;
    private final long[] highest;
    private final long[] bitmap;
    private final DeviceStats stats;
    private int size;

    public ReplayWindow(int windowBits, int maxSpis, DeviceStats stats) {
        if (windowBits < MIN_BITS || windowBits > MAX_BITS || Integer.bitCount(windowBits) != 1) {
            throw new IllegalArgumentException("window must be a power of two in 64..1024: " + windowBits);
        }
        if (maxSpis < 1 || maxSpis > 1 << 24) {
            throw new IllegalArgumentException("maxSpis must be in 1..2^24: " + maxSpis);
        }
        int cap = Integer.highestOneBit(maxSpis * 2 - 1) << 1;
        this.windowBits = windowBits;
        this.words = windowBits / 64;
        this.maxSpis = maxSpis;
        this.mask = cap - 1;
        this.spis = new int[cap];
        this.used = new boolean[cap];
        this.highest = new long[cap];
        this.bitmap = new long[cap * words];
        this.stats = stats;
    }

    public int windowBits() {
        return windowBits;
    }

    public int size() {
        return size;
    }

    /** True to deliver the packet, false when it is a replay or too old (counted). */
    public boolean accept(int spi, long iv) {
        int i = find(spi);
        if (i < 0) {
            if (size >= maxSpis) {
                stats.replayUntracked.increment();
                return true;
            }
            i = -i - 1;
            used[i] = true;
            spis[i] = spi;
            size++;
            highest[i] = iv;
            int base = i * words;
            for (int w = 0; w < words; w++) {
                bitmap[base + w] = 0;
            }
            setBit(base, iv);
            return true;
        }
        int base = i * words;
        long diff = iv - highest[i];
        if (diff > 0) {
            if (diff >= windowBits) {
                for (int w = 0; w < words; w++) {
                    bitmap[base + w] = 0;
                }
            } else {
                long h = highest[i];
                for (long k = 1; k <= diff; k++) {
                    clearBit(base, h + k);
                }
            }
            highest[i] = iv;
            setBit(base, iv);
            return true;
        }
        if (-diff >= windowBits || testBit(base, iv)) {
            stats.replayDrops.increment();
            return false;
        }
        setBit(base, iv);
        return true;
    }

    /** Drops the window of {@code spi} (SA deleted or rekeyed). */
    public boolean forget(int spi) {
        int i = find(spi);
        if (i < 0) {
            return false;
        }
        int hole = i;
        used[hole] = false;
        size--;
        int j = (hole + 1) & mask;
        while (used[j]) {
            int home = slot(spis[j]);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                spis[hole] = spis[j];
                highest[hole] = highest[j];
                System.arraycopy(bitmap, j * words, bitmap, hole * words, words);
                used[hole] = true;
                used[j] = false;
                hole = j;
            }
            j = (j + 1) & mask;
        }
        return true;
    }

    private void setBit(int base, long iv) {
        int b = (int) iv & (windowBits - 1);
        bitmap[base + (b >>> 6)] |= 1L << b;
    }

    private void clearBit(int base, long iv) {
        int b = (int) iv & (windowBits - 1);
        bitmap[base + (b >>> 6)] &= ~(1L << b);
    }

    private boolean testBit(int base, long iv) {
        int b = (int) iv & (windowBits - 1);
        return (bitmap[base + (b >>> 6)] & (1L << b)) != 0;
    }

    private int find(int spi) {
        int i = slot(spi);
        while (true) {
            if (!used[i]) {
                return -i - 1;
            }
            if (spis[i] == spi) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    private int slot(int spi) {
        return (int) ((spi * 0x9E37_79B9_7F4A_7C15L) >>> 32) & mask;
    }

    @Override
    public String toString() {
        return "ReplayWindow[bits=" + windowBits + ", spis=" + size + "/" + maxSpis + "]";
    }
}
