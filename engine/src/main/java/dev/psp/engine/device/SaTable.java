package dev.psp.engine.device;

import dev.psp.engine.crypto.KeyDerivation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Index-addressed table of security associations: a transmit key (SPI, version, key) and,
 * optionally, the rx-assoc it pairs with (receive SPI and key generation, for rotation
 * bookkeeping). Keys live in one off-heap slab at {@code index * }{@value #KEY_STRIDE}, zeroed
 * when the SA is deleted; the rest is three int arrays and a byte array: {@value #BYTES_PER_SA}
 * bytes per SA, so 10 million SAs take about 450 MB. Free slots form a LIFO free list threaded
 * through the tx-SPI array.
 *
 * <p>Thread safety: mutations are made by the owning {@link PspDevice} under its lock. Datapath
 * readers ({@link #txSpi}, {@link #keySlab}, {@link #keyOffset}) may read concurrently; using an
 * index after it was deleted is the owner's bug (the key bytes read as zeros).
 */
public final class SaTable implements AutoCloseable {
    /** Bytes of slab per SA (room for a 256-bit key). */
    public static final int KEY_STRIDE = 32;
    /** Memory per SA: 32 key bytes + 3 ints + 1 flag byte. */
    public static final int BYTES_PER_SA = KEY_STRIDE + 3 * Integer.BYTES + 1;

    static final int VERSION_MASK = 0x3;
    static final int USED = 0x4;
    static final int HAS_RX = 0x8;
    static final int HAS_TX = 0x10;
    static final int STALE = 0x20;

    private final int capacity;
    private final Arena arena;
    private final MemorySegment slab;
    private final int[] rxSpi;
    /** Tx SPI when used, next free index when free. */
    private final int[] txSpi;
    private final int[] rxGeneration;
    private final byte[] flags;
    private int freeHead;
    private int used;
    private int highWater;

    /** A table for {@code capacity} SAs (1..2^26, i.e. a 2 GiB slab at most). */
    public SaTable(int capacity) {
        if (capacity < 1 || capacity > 1 << 26) {
            throw new IllegalArgumentException("capacity must be in 1..2^26: " + capacity);
        }
        this.capacity = capacity;
        arena = Arena.ofShared();
        slab = arena.allocate((long) capacity * KEY_STRIDE, 64);
        rxSpi = new int[capacity];
        txSpi = new int[capacity];
        rxGeneration = new int[capacity];
        flags = new byte[capacity];
        for (int i = 0; i < capacity; i++) {
            txSpi[i] = i + 1;
        }
        txSpi[capacity - 1] = -1;
        freeHead = 0;
    }

    public int capacity() {
        return capacity;
    }

    /** Live SAs. */
    public int size() {
        return used;
    }

    /** One past the highest index ever used: scans stop here. */
    int highWater() {
        return highWater;
    }

    /** Takes a free slot (flags set to {@code USED | version}); -1 when full. */
    int allocate(int version) {
        int i = freeHead;
        if (i < 0) {
            return -1;
        }
        freeHead = txSpi[i];
        txSpi[i] = 0;
        rxSpi[i] = 0;
        rxGeneration[i] = 0;
        flags[i] = (byte) (USED | version);
        used++;
        if (i >= highWater) {
            highWater = i + 1;
        }
        return i;
    }

    /** Zeroes the key and returns the slot to the free list; false if it was not live. */
    boolean free(int i) {
        if (!isLive(i)) {
            return false;
        }
        slab.asSlice((long) i * KEY_STRIDE, KEY_STRIDE).fill((byte) 0);
        flags[i] = 0;
        rxSpi[i] = 0;
        rxGeneration[i] = 0;
        txSpi[i] = freeHead;
        freeHead = i;
        used--;
        return true;
    }

    void setRx(int i, int spi, long generation) {
        rxSpi[i] = spi;
        rxGeneration[i] = (int) generation;
        flags[i] |= HAS_RX;
    }

    void setTx(int i, int spi, MemorySegment key, long off, int len) {
        long dst = (long) i * KEY_STRIDE;
        MemorySegment.copy(key, off, slab, dst, len);
        if (len < KEY_STRIDE) {
            slab.asSlice(dst + len, KEY_STRIDE - len).fill((byte) 0);
        }
        txSpi[i] = spi;
        flags[i] |= HAS_TX;
    }

    void markStale(int i) {
        flags[i] |= STALE;
    }

    /** True when {@code i} names a live SA. */
    public boolean isLive(int i) {
        return i >= 0 && i < capacity && (flags[i] & USED) != 0;
    }

    public boolean hasRx(int i) {
        return (flags[i] & HAS_RX) != 0;
    }

    public boolean hasTx(int i) {
        return (flags[i] & HAS_TX) != 0;
    }

    /** True when the SA's receive key was evicted: it must be rekeyed. */
    public boolean isStale(int i) {
        return (flags[i] & STALE) != 0;
    }

    public int version(int i) {
        return flags[i] & VERSION_MASK;
    }

    /** Transmit key length in bytes for SA {@code i}. */
    public int keyLength(int i) {
        return KeyDerivation.keyLength(version(i));
    }

    public int txSpi(int i) {
        return txSpi[i];
    }

    public int rxSpi(int i) {
        return rxSpi[i];
    }

    /** Low 32 bits of the device generation the paired rx SPI was allocated in. */
    int rxGeneration(int i) {
        return rxGeneration[i];
    }

    /** The slab holding every transmit key; read key {@code i} at {@link #keyOffset(int)}. */
    public MemorySegment keySlab() {
        return slab;
    }

    public static long keyOffset(int i) {
        return (long) i * KEY_STRIDE;
    }

    /** Zeroes every key and releases the slab. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            slab.fill((byte) 0);
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SaTable[size=" + used + ", capacity=" + capacity + ", keys redacted]";
    }
}
