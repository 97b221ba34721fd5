package dev.psp.engine.device;

import dev.psp.engine.crypto.KeyDerivation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * A PSP device: two 256-bit master keys (one active), SPI allocation with key derivation
 * (rx-assoc), a table of transmit SAs (tx-assoc), rotation with stale-SA bookkeeping, and
 * counters.
 *
 * <p>Generations: the device starts at generation 0 with slot 0 active. {@link #rotate()} moves to
 * generation g+1 and makes slot {@code (g+1) & 1} active, replacing the key in that slot (the
 * previous key, generation g-1) with a fresh random one. The key of generation g stays, so SAs made
 * one rotation ago still decrypt; SAs made two rotations ago are stale (counted in
 * {@code stale-events}), and listeners hear {@link DeviceListener#onMustRekey} for SAs on the
 * previous key. Rotation also happens by itself when the active key has handed out all its SPIs or
 * the rotation period (default 24 h, measured on the injected monotonic clock) has elapsed.
 *
 * <p>Time-based rotation is caught up by whole elapsed periods: one rotation per period since the
 * last due rotation, the part of a period left over counting towards the next (a manual
 * {@link #rotate()} or an exhaustion rotation starts a new period). It is applied by
 * {@link #maybeRotate()} and before every operation whose result depends on the generation
 * ({@link #generation()}, {@link #activeIndex()}, {@link #state()}, {@link #stats()},
 * {@link #staleSaCount()}, rx-assoc, tx-assoc, SA deletion, {@link #rotate()}, a period change),
 * so an SA made more than two periods ago is stale even if the device sat idle. More than two
 * rotations at once leave no old key, so a long idle spell costs two rotations: the generation and
 * {@code key-rotations} count every elapsed period, listeners hear only the last two. The lock-free
 * receive datapath never rotates: a host that only receives calls {@link #maybeRotate()} from a
 * timer.
 *
 * <p>Master keys live in an off-heap segment, zeroed when replaced and on {@link #close()}; they
 * are never written to disk, logged, or shown by {@code toString}. Each key is held as a byte array
 * only for the instant it takes to prepare the KDF, then zeroed.
 *
 * <p>Thread safety: all methods are thread safe; control-plane operations and allocation are
 * serialized by the device monitor. The receive datapath does not take the lock: it uses one
 * {@link RxKeyResolver} (or {@link RxKeyCache}) per worker, which follow changes through
 * {@link #epoch()}.
 */
public final class PspDevice implements AutoCloseable {
    /** Default rotation period: 24 hours (the spec's nominal value). */
    public static final Duration DEFAULT_ROTATION_PERIOD = Duration.ofHours(24);
    /** Longest rotation period: the monotonic clock is a long of nanoseconds (about 292 years). */
    public static final Duration MAX_ROTATION_PERIOD = Duration.ofNanos(Long.MAX_VALUE);
    /** All four versions (0..3). */
    public static final int ALL_VERSIONS = 0xF;
    private static final int MASTER_KEY_LENGTH = 32;

    private final KeySource keySource;
    private final LongSupplier nanoClock;
    private final long maxSpisPerKey;
    private final Arena arena = Arena.ofShared();
    /** Both master keys, slot i at {@code i * 32}. */
    private final MemorySegment masterKeys = arena.allocate(2 * MASTER_KEY_LENGTH, 16);
    private final SpiAllocator[] allocators = new SpiAllocator[2];
    private final long[] slotGeneration = new long[2];
    private final KeyDerivation kdf = new KeyDerivation(null, null);
    private final byte[] scratch = new byte[MASTER_KEY_LENGTH];
    private final SaTable table;
    private final DeviceStats stats = new DeviceStats();
    private final List<DeviceListener> listeners = new CopyOnWriteArrayList<>();

    private volatile long generation;
    private volatile int enabledVersions;
    /** Bumped on every change a resolver must see (rotation, enabled versions). */
    private volatile long epoch;
    private long rotationPeriodNanos;
    private long lastRotationNanos;
    private int staleCount;
    private boolean closed;

    private PspDevice(Builder b) {
        keySource = b.keySource != null ? b.keySource : KeySource.secure();
        nanoClock = b.nanoClock;
        maxSpisPerKey = b.maxSpisPerKey;
        enabledVersions = b.enabledVersions;
        rotationPeriodNanos = b.rotationPeriod.toNanos();
        table = new SaTable(b.saCapacity);
        // Generation 0 in slot 0 (active); slot 1 holds a key of "generation -1" that never
        // allocated anything, so nothing resolves under it until the first rotation.
        installFreshKey(0, 0);
        installFreshKey(1, -1);
        lastRotationNanos = nanoClock.getAsLong();
    }

    /** A device with a strong key source, all versions enabled, 24 h rotation, 1 Mi SA slots. */
    public static PspDevice create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; every setting has a production default. */
    public static final class Builder {
        private KeySource keySource;
        private LongSupplier nanoClock = System::nanoTime;
        private Duration rotationPeriod = DEFAULT_ROTATION_PERIOD;
        private int enabledVersions = ALL_VERSIONS;
        private int saCapacity = 1 << 20;
        private long maxSpisPerKey = SpiAllocator.SPI_SPACE;

        private Builder() {
        }

        public Builder keySource(KeySource source) {
            this.keySource = Objects.requireNonNull(source);
            return this;
        }

        /** Tests: a seeded generator instead of {@link KeySource#secure()}. */
        public Builder random(RandomGenerator generator) {
            return keySource(KeySource.of(generator));
        }

        /** Monotonic nanosecond clock for the rotation period (default {@link System#nanoTime()}). */
        public Builder clock(LongSupplier monotonicNanos) {
            this.nanoClock = Objects.requireNonNull(monotonicNanos);
            return this;
        }

        /** Positive and at most {@link #MAX_ROTATION_PERIOD}. */
        public Builder rotationPeriod(Duration period) {
            checkRotationPeriod(period);
            this.rotationPeriod = period;
            return this;
        }

        /** Bitmask of enabled versions: bit v enables version v (0..3). */
        public Builder enabledVersions(int mask) {
            this.enabledVersions = checkMask(mask);
            return this;
        }

        public Builder saCapacity(int capacity) {
            this.saCapacity = capacity;
            return this;
        }

        /** SPIs per key before an automatic rotation; default 2^31-1, lower only to test exhaustion. */
        public Builder maxSpisPerKey(long max) {
            if (max < 1 || max > SpiAllocator.SPI_SPACE) {
                throw new IllegalArgumentException("maxSpisPerKey must be in 1..2^31-1");
            }
            this.maxSpisPerKey = max;
            return this;
        }

        public PspDevice build() {
            return new PspDevice(this);
        }
    }

    private static int checkMask(int mask) {
        if ((mask & ~ALL_VERSIONS) != 0) {
            throw new IllegalArgumentException("version mask must only use bits 0..3: 0x" + Integer.toHexString(mask));
        }
        return mask;
    }

    // ---------------------------------------------------------------- state

    /** Current generation: number of rotations so far (after any time-based rotations that are due). */
    public synchronized long generation() {
        catchUp();
        return generation;
    }

    /** Slot (0 or 1) of the active master key: bit 31 of new SPIs (after any due rotations). */
    public synchronized int activeIndex() {
        catchUp();
        return activeSlot();
    }

    /** {@link #activeIndex()} as things stand (the caller has caught up). */
    private int activeSlot() {
        return (int) (generation & 1);
    }

    public int enabledVersions() {
        return enabledVersions;
    }

    public boolean isVersionEnabled(int version) {
        return version >= 0 && version <= 3 && (enabledVersions & (1 << version)) != 0;
    }

    /** Changes the enabled versions; resolvers see it at their next call. */
    public synchronized void enabledVersions(int mask) {
        enabledVersions = checkMask(mask);
        epoch++;
    }

    public synchronized Duration rotationPeriod() {
        return Duration.ofNanos(rotationPeriodNanos);
    }

    /**
     * Positive and at most {@link #MAX_ROTATION_PERIOD}, else {@link IllegalArgumentException}.
     * Rotations due under the old period are applied first; the new one counts from the last due
     * rotation.
     */
    public synchronized void rotationPeriod(Duration period) {
        long nanos = checkRotationPeriod(period);
        catchUp();
        rotationPeriodNanos = nanos;
    }

    /** Returns the period in nanoseconds; refuses periods that are not positive or do not fit a long. */
    private static long checkRotationPeriod(Duration period) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("rotation period must be positive");
        }
        if (period.compareTo(MAX_ROTATION_PERIOD) > 0) {
            throw new IllegalArgumentException("rotation period must be at most " + MAX_ROTATION_PERIOD.toSeconds()
                    + " seconds (2^63-1 ns, about 292 years), got " + period.toSeconds() + " s");
        }
        return period.toNanos();
    }

    /** Change counter that resolvers and caches compare to their snapshot. */
    public long epoch() {
        return epoch;
    }

    /** The counters (after any time-based rotations that are due, so key-rotations is current). */
    public synchronized DeviceStats stats() {
        catchUp();
        return stats;
    }

    /** The transmit SA table (read access for the datapath; mutate through the device). */
    public SaTable saTable() {
        return table;
    }

    /** SAs currently marked stale (still in the table until deleted), after any due rotations. */
    public synchronized int staleSaCount() {
        catchUp();
        return staleCount;
    }

    /** SPIs the active key has handed out in this generation (after any due rotations). */
    public synchronized long activeAllocated() {
        return allocators[activeIndex()].allocated();
    }

    public void addListener(DeviceListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    public void removeListener(DeviceListener listener) {
        listeners.remove(listener);
    }

    /** Counters and gauges (never keys) as a name to value map, for dev-get and get-stats. */
    public synchronized java.util.Map<String, Long> state() {
        catchUp();
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("active-key", (long) activeSlot());
        m.put("generation", generation);
        m.put("versions", (long) enabledVersions);
        m.put("rotation-period-s", rotationPeriodNanos / 1_000_000_000L);
        m.put("spis-allocated", allocators[activeSlot()].allocated());
        m.put("sa-count", (long) table.size());
        m.put("sa-stale", (long) staleCount);
        m.put("sa-capacity", (long) table.capacity());
        return m;
    }

    // ---------------------------------------------------------------- rotation

    /** Rotates now (after any time-based rotations that are due); returns the new generation. */
    public synchronized long rotate() {
        ensureOpen();
        catchUp();
        return rotateOnce();
    }

    /** One rotation: the next generation's fresh key replaces the key of the generation before the current one. */
    private long rotateOnce() {
        long g = generation + 1;
        int slot = (int) (g & 1);
        long evicted = slotGeneration[slot];
        installFreshKey(slot, g);
        lastRotationNanos = nanoClock.getAsLong();
        int staled = 0;
        int evictedLow = (int) evicted;
        // The key that stays: generation g-1, or the last real one after a catch-up skipped some.
        int previousLow = (int) slotGeneration[slot ^ 1];
        boolean notify = !listeners.isEmpty();
        for (int i = 0, n = table.highWater(); i < n; i++) {
            if (!table.isLive(i) || !table.hasRx(i) || table.isStale(i)) {
                continue;
            }
            int sg = table.rxGeneration(i);
            if (sg == evictedLow) {
                table.markStale(i);
                staled++;
            } else if (notify && sg == previousLow) {
                for (DeviceListener l : listeners) {
                    l.onMustRekey(i, table.rxSpi(i));
                }
            }
        }
        staleCount += staled;
        generation = g;
        epoch++;
        stats.keyRotations.increment();
        stats.staleEvents.add(staled);
        for (DeviceListener l : listeners) {
            l.onRotation(g, slot, staled);
        }
        return g;
    }

    /** Applies the time-based rotations that are due (one per whole elapsed period); returns true if it rotated. */
    public synchronized boolean maybeRotate() {
        return catchUp() > 0;
    }

    /**
     * Rotates once per whole rotation period elapsed since the last due rotation, keeping the
     * remainder; beyond two the rotations in between are only counted (their keys would be replaced
     * before handing anything out). Returns the number of periods; 0 on a closed device or a clock
     * that went back.
     */
    private long catchUp() {
        if (closed) {
            return 0;
        }
        long elapsed = nanoClock.getAsLong() - lastRotationNanos;
        if (elapsed < rotationPeriodNanos) {
            return 0;
        }
        long periods = elapsed / rotationPeriodNanos;
        long due = lastRotationNanos + periods * rotationPeriodNanos;
        if (periods > 2) {
            generation += periods - 2;
            stats.keyRotations.add(periods - 2);
        }
        rotateOnce();
        if (periods > 1) {
            rotateOnce();
        }
        lastRotationNanos = due;
        return periods;
    }

    private void installFreshKey(int slot, long gen) {
        long off = (long) slot * MASTER_KEY_LENGTH;
        masterKeys.asSlice(off, MASTER_KEY_LENGTH).fill((byte) 0);
        try {
            keySource.nextBytes(scratch);
            MemorySegment.copy(scratch, 0, masterKeys, ValueLayout.JAVA_BYTE, off, MASTER_KEY_LENGTH);
            kdf.setMasterKey(slot, scratch);
            byte[] secret = new byte[SpiAllocator.secretLength()];
            keySource.nextBytes(secret);
            allocators[slot] = new SpiAllocator(secret, slot, maxSpisPerKey);
            Arrays.fill(secret, (byte) 0);
        } finally {
            Arrays.fill(scratch, (byte) 0);
        }
        slotGeneration[slot] = gen;
    }

    /**
     * Copies the device's receive state into a resolver's own KDF (one per worker). Returns the
     * epoch of the snapshot. {@code scratch} is zeroed before return.
     */
    synchronized long snapshotInto(KeyDerivation target, byte[] scratch, SpiAllocator[] allocs, int[] versions) {
        ensureOpen();
        try {
            for (int slot = 0; slot < 2; slot++) {
                MemorySegment.copy(masterKeys, ValueLayout.JAVA_BYTE, (long) slot * MASTER_KEY_LENGTH, scratch, 0,
                        MASTER_KEY_LENGTH);
                target.setMasterKey(slot, scratch);
                allocs[slot] = allocators[slot];
            }
        } finally {
            Arrays.fill(scratch, (byte) 0);
        }
        versions[0] = enabledVersions;
        return epoch;
    }

    // ---------------------------------------------------------------- rx-assoc

    /**
     * Allocates a receive SPI on the active key and derives its key for {@code version} into
     * {@code keyOut[off..off+len)} (16 or 32 bytes). Returns the SPI as an unsigned value
     * ({@code 0..0xFFFFFFFF}; cast to int for the wire) or a negative {@link DeviceStatus}. No
     * device state is kept for the SPI. Rotates first when the key is exhausted or the period is
     * over. Allocates nothing.
     */
    public synchronized long rxAssoc(int version, MemorySegment keyOut, long off) {
        if (!isVersionEnabled(version)) {
            return DeviceStatus.VERSION_DISABLED;
        }
        ensureOpen();
        int spi = allocateSpi();
        kdf.derive(spi, version, keyOut, off);
        stats.rxAssoc.increment();
        return Integer.toUnsignedLong(spi);
    }

    /**
     * Bulk rx-assoc: fills {@code spis[spiOff..spiOff+count)} and {@code count} keys packed at
     * {@code keyOff} with stride {@code KeyDerivation.keyLength(version)}. Returns {@code count} or
     * a negative status (nothing allocated). May rotate midway (exhaustion), so SPIs may carry
     * either selector bit.
     */
    public synchronized int rxAssocBulk(int version, int[] spis, int spiOff, int count, MemorySegment keys, long keyOff) {
        if (!isVersionEnabled(version)) {
            return DeviceStatus.VERSION_DISABLED;
        }
        if (count < 0 || spiOff < 0 || spiOff + count > spis.length) {
            return DeviceStatus.BAD_ARGUMENT;
        }
        int len = KeyDerivation.keyLength(version);
        if (keyOff < 0 || keyOff + (long) count * len > keys.byteSize()) {
            return DeviceStatus.BAD_ARGUMENT;
        }
        ensureOpen();
        for (int i = 0; i < count; i++) {
            int spi = allocateSpi();
            kdf.derive(spi, version, keys, keyOff + (long) i * len);
            spis[spiOff + i] = spi;
        }
        stats.rxAssoc.add(count);
        return count;
    }

    /**
     * rx-assoc tracked in the SA table: allocates an SPI, derives its key into {@code keyOut},
     * and records the pairing (SPI, version, generation) so a later {@link #txAssoc} can check the
     * version and rotation can mark the SA stale. Returns the SA index or a negative status.
     */
    public synchronized int rxAssocSa(int version, MemorySegment keyOut, long off) {
        if (!isVersionEnabled(version)) {
            return DeviceStatus.VERSION_DISABLED;
        }
        ensureOpen();
        int idx = table.allocate(version);
        if (idx < 0) {
            return DeviceStatus.TABLE_FULL;
        }
        int spi = allocateSpi();
        kdf.derive(spi, version, keyOut, off);
        table.setRx(idx, spi, generation);
        stats.rxAssoc.increment();
        return idx;
    }

    private int allocateSpi() {
        catchUp();
        SpiAllocator a = allocators[activeSlot()];
        if (a.remaining() <= 0) {
            rotateOnce();
            a = allocators[activeSlot()];
        }
        return a.allocate();
    }

    // ---------------------------------------------------------------- tx-assoc

    /**
     * Checks a transmit key for a version: {@link DeviceStatus#OK}, {@code VERSION_DISABLED} or
     * {@code BAD_KEY}. This is all the device checks for keys carried in the packet descriptor
     * (no device state).
     */
    public int checkTxKey(int version, long keyLength) {
        if (!isVersionEnabled(version)) {
            return DeviceStatus.VERSION_DISABLED;
        }
        return keyLength == KeyDerivation.keyLength(version) ? DeviceStatus.OK : DeviceStatus.BAD_KEY;
    }

    /**
     * tx-assoc onto the SA made by {@link #rxAssocSa}: installs the peer's SPI and key. As upstream
     * Linux enforces, {@code version} must equal the rx-assoc's version, and an SA that already has
     * a transmit key keeps it (TX_KEY_SET, Linux's EBUSY; delete the SA to rekey). Returns the SA
     * index or a negative status (VERSION_MISMATCH, BAD_KEY, NO_SUCH_SA, STALE, TX_KEY_SET,
     * VERSION_DISABLED, RESERVED_SPI).
     */
    public synchronized int txAssoc(int saIndex, int txSpi, int version, MemorySegment key, long off, long len) {
        catchUp(); // staleness depends on the generation
        if (!table.isLive(saIndex)) {
            return DeviceStatus.NO_SUCH_SA;
        }
        if (table.hasRx(saIndex) && table.version(saIndex) != version) {
            return DeviceStatus.VERSION_MISMATCH;
        }
        if (table.isStale(saIndex)) {
            return DeviceStatus.STALE;
        }
        if (table.hasTx(saIndex)) {
            return DeviceStatus.TX_KEY_SET;
        }
        int rc = checkTxKey(version, len);
        if (rc != DeviceStatus.OK) {
            return rc;
        }
        if ((txSpi & 0x7FFF_FFFF) == 0) {
            return DeviceStatus.RESERVED_SPI;
        }
        table.setTx(saIndex, txSpi, key, off, (int) len);
        stats.txAssoc.increment();
        return saIndex;
    }

    /** Adds a transmit-only SA (no paired rx-assoc); returns its index or a negative status. */
    public synchronized int addTxSa(int txSpi, int version, MemorySegment key, long off, long len) {
        int rc = checkTxKey(version, len);
        if (rc != DeviceStatus.OK) {
            return rc;
        }
        if ((txSpi & 0x7FFF_FFFF) == 0) {
            return DeviceStatus.RESERVED_SPI;
        }
        ensureOpen();
        int idx = table.allocate(version);
        if (idx < 0) {
            return DeviceStatus.TABLE_FULL;
        }
        table.setTx(idx, txSpi, key, off, (int) len);
        stats.txAssoc.increment();
        return idx;
    }

    /**
     * Bulk add of transmit-only SAs of one version: {@code count} SPIs from {@code txSpis}, keys
     * packed at {@code keyOff} with the version's key length as stride; indices go to
     * {@code indicesOut}. Returns the number added (stops at the first failure; the failed entry's
     * index slot holds the negative status) or a negative status if nothing could be checked.
     */
    public synchronized int addTxSaBulk(int version, int[] txSpis, int spiOff, int count, MemorySegment keys, long keyOff,
            int[] indicesOut, int idxOff) {
        if (!isVersionEnabled(version)) {
            return DeviceStatus.VERSION_DISABLED;
        }
        int len = KeyDerivation.keyLength(version);
        if (count < 0 || keyOff < 0 || keyOff + (long) count * len > keys.byteSize()) {
            return DeviceStatus.BAD_ARGUMENT;
        }
        for (int i = 0; i < count; i++) {
            int rc = addTxSa(txSpis[spiOff + i], version, keys, keyOff + (long) i * len, len);
            indicesOut[idxOff + i] = rc;
            if (rc < 0) {
                return i;
            }
        }
        return count;
    }

    /**
     * Deletes SA {@code index}, zeroing its key; returns OK or NO_SUCH_SA. Due rotations are applied
     * first, so an SA that went stale while the device sat idle is counted in stale-events.
     */
    public synchronized int deleteSa(int index) {
        catchUp();
        if (!table.isLive(index)) {
            return DeviceStatus.NO_SUCH_SA;
        }
        if (table.isStale(index)) {
            staleCount--;
        }
        table.free(index);
        stats.txDel.increment();
        return DeviceStatus.OK;
    }

    /** Bulk delete; returns how many of the indices named live SAs. */
    public synchronized int deleteSaBulk(int[] indices, int off, int count) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (deleteSa(indices[off + i]) == DeviceStatus.OK) {
                n++;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- lifecycle

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("device closed");
        }
    }

    /** Zeroes both master keys and every transmit key. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        masterKeys.fill((byte) 0);
        kdf.destroy();
        table.close();
        arena.close();
        epoch++;
    }

    @Override
    public String toString() {
        long g = generation;
        return "PspDevice[generation=" + g + ", active=" + (g & 1) + ", versions=0x"
                + Integer.toHexString(enabledVersions) + ", sas=" + table.size() + ", keys redacted]";
    }
}
