package dev.psp.engine.device;

/**
 * SPI allocation for one master-key generation without memory per SPI: allocation {@code n}
 * (0 &lt;= n &lt; 2^31 - 1) returns {@code selector | (P(n) + 1)} where P is a keyed permutation of
 * {@code [0, 2^31 - 1)}: a 6-round balanced Feistel network over 32 bits, restricted to the
 * domain by cycle walking. P is a bijection, so every SPI of a generation is distinct, the low 31
 * bits are never zero, and the order is unpredictable without the round keys (not a
 * cryptographic PRP: it hides the allocation order from casual observers, it is not a secret).
 *
 * <p>Because P is invertible, {@link #wasAllocated(int)} tells, for any SPI, whether this
 * generation handed it out, still without per-SPI state: the receive side uses it to reject SPIs
 * of an evicted key (see {@link RxKeyResolver}).
 *
 * <p>Thread safety: {@link #next} is written only by the owning device (under its lock) and read
 * by resolvers on any thread; the round keys are final.
 */
public final class SpiAllocator {
    /** Number of distinct non-reserved SPIs per master key: 2^31 - 1. */
    public static final long SPI_SPACE = 0x7FFF_FFFFL;
    private static final int ROUNDS = 6;

    private final int[] roundKeys;
    private final int selector;
    private final long limit;
    /** Count of SPIs handed out; published after the SPI is derived. */
    volatile long next;

    /**
     * @param secret   at least {@value #ROUNDS} * 4 random bytes (round keys)
     * @param selector key slot 0 or 1 (bit 31 of every SPI made here)
     * @param limit    SPIs this generation may hand out, 1..{@link #SPI_SPACE} (lower only in tests)
     */
    SpiAllocator(byte[] secret, int selector, long limit) {
        if (limit < 1 || limit > SPI_SPACE) {
            throw new IllegalArgumentException("limit must be in 1..2^31-1: " + limit);
        }
        roundKeys = new int[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            int b = r * 4;
            roundKeys[r] = (secret[b] & 0xff) << 24 | (secret[b + 1] & 0xff) << 16 | (secret[b + 2] & 0xff) << 8
                    | (secret[b + 3] & 0xff);
        }
        this.selector = selector << 31;
        this.limit = limit;
    }

    static int secretLength() {
        return ROUNDS * 4;
    }

    /** SPIs handed out so far. */
    public long allocated() {
        return next;
    }

    /** SPIs left before this generation is exhausted. */
    public long remaining() {
        return limit - next;
    }

    /** The SPI of allocation number {@code n}; does not allocate. */
    public int spiAt(long n) {
        int x = (int) n;
        do {
            x = encrypt(x);
        } while (Integer.toUnsignedLong(x) >= SPI_SPACE);
        return selector | (x + 1);
    }

    /** Allocation number that yields {@code spi}, or -1 for a reserved SPI or the other slot. */
    public long indexOf(int spi) {
        if ((spi & 0x8000_0000) != selector || (spi & 0x7FFF_FFFF) == 0) {
            return -1;
        }
        int x = (spi & 0x7FFF_FFFF) - 1;
        do {
            x = decrypt(x);
        } while (Integer.toUnsignedLong(x) >= SPI_SPACE);
        return x;
    }

    /** True when this generation has handed out {@code spi}. */
    public boolean wasAllocated(int spi) {
        long n = indexOf(spi);
        return n >= 0 && n < next;
    }

    /** Hands out the next SPI; caller holds the device lock and checked {@link #remaining()}. */
    int allocate() {
        long n = next;
        int spi = spiAt(n);
        next = n + 1;
        return spi;
    }

    private int encrypt(int x) {
        int l = x >>> 16;
        int r = x & 0xFFFF;
        for (int i = 0; i < ROUNDS; i++) {
            int t = r;
            r = l ^ round(r, roundKeys[i]);
            l = t;
        }
        return l << 16 | r;
    }

    private int decrypt(int x) {
        int l = x >>> 16;
        int r = x & 0xFFFF;
        for (int i = ROUNDS - 1; i >= 0; i--) {
            int t = l;
            l = r ^ round(l, roundKeys[i]);
            r = t;
        }
        return l << 16 | r;
    }

    private static int round(int half, int key) {
        int h = (half | half << 16) ^ key;
        h *= 0x9E37_79B1;
        h ^= h >>> 15;
        h *= 0x85EB_CA77;
        h ^= h >>> 13;
        return h & 0xFFFF;
    }

    @Override
    public String toString() {
        return "SpiAllocator[slot=" + (selector >>> 31) + ", allocated=" + next + "/" + limit + "]";
    }
}
