package dev.psp.engine.device;

import java.util.concurrent.locks.StampedLock;

/**
 * Optional per-flow allow-list of receive SPIs: the bad-data-injection defence the spec leaves to
 * the consumer. A packet that authenticates under some valid SA of this device but arrives on a
 * flow whose list does not name its SPI is dropped and counted ({@code allow-list-drops}): it
 * came from another peer that holds a valid key of ours. Flows with no entry are not restricted.
 *
 * <p>Bounded: at most {@code maxFlows} flows of up to {@code spisPerFlow} SPIs each (the current
 * SA plus those being rekeyed), in flat open-addressing arrays (linear probing, backward-shift
 * delete); {@link #allow} reports {@link DeviceStatus#TABLE_FULL} instead of growing. Flow keys
 * are any 64-bit flow identity the caller computes (e.g. a 5-tuple hash or a socket id), never 0.
 *
 * <p>Thread safety: updates take a write lock; {@link #accept} is an optimistic read (no lock, no
 * allocation) that retries under the read lock only when it raced an update.
 */
public final class SpiAllowList {
    private final int spisPerFlow;
    private final int maxFlows;
    private final int mask;
    private final long[] keys;
    private final int[] spis;
    private final byte[] counts;
    private final DeviceStats stats;
    private final StampedLock lock = new StampedLock();
    private int flows;

    public SpiAllowList(int maxFlows, int spisPerFlow, DeviceStats stats) {
        if (maxFlows < 1 || maxFlows > 1 << 28 || spisPerFlow < 1 || spisPerFlow > 64) {
            throw new IllegalArgumentException("maxFlows 1..2^28, spisPerFlow 1..64");
        }
        int cap = Integer.highestOneBit(maxFlows * 2 - 1) << 1;
        this.maxFlows = maxFlows;
        this.spisPerFlow = spisPerFlow;
        this.mask = cap - 1;
        this.keys = new long[cap];
        this.spis = new int[cap * spisPerFlow];
        this.counts = new byte[cap];
        this.stats = stats;
    }

    public int flows() {
        return flows;
    }

    /** Allows {@code spi} on {@code flowKey}; OK, TABLE_FULL (flows or SPIs), or BAD_ARGUMENT. */
    public int allow(long flowKey, int spi) {
        if (flowKey == 0) {
            return DeviceStatus.BAD_ARGUMENT;
        }
        long stamp = lock.writeLock();
        try {
            int i = find(flowKey);
            if (i < 0) {
                if (flows >= maxFlows) {
                    return DeviceStatus.TABLE_FULL;
                }
                i = -i - 1;
                keys[i] = flowKey;
                counts[i] = 0;
                flows++;
            }
            int base = i * spisPerFlow;
            int n = counts[i];
            for (int k = 0; k < n; k++) {
                if (spis[base + k] == spi) {
                    return DeviceStatus.OK;
                }
            }
            if (n == spisPerFlow) {
                return DeviceStatus.TABLE_FULL;
            }
            spis[base + n] = spi;
            counts[i] = (byte) (n + 1);
            return DeviceStatus.OK;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Removes one SPI from a flow (the flow stays, possibly with an empty list: drops all). */
    public boolean disallow(long flowKey, int spi) {
        long stamp = lock.writeLock();
        try {
            int i = find(flowKey);
            if (i < 0) {
                return false;
            }
            int base = i * spisPerFlow;
            int n = counts[i];
            for (int k = 0; k < n; k++) {
                if (spis[base + k] == spi) {
                    spis[base + k] = spis[base + n - 1];
                    counts[i] = (byte) (n - 1);
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Removes a flow's list entirely (the flow becomes unrestricted). */
    public boolean removeFlow(long flowKey) {
        long stamp = lock.writeLock();
        try {
            int i = find(flowKey);
            if (i < 0) {
                return false;
            }
            deleteAt(i);
            flows--;
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Receive check for an authenticated packet: true to deliver, false to drop (counted). Flows
     * without a list always pass.
     */
    public boolean accept(long flowKey, int spi) {
        long stamp = lock.tryOptimisticRead();
        int r = lookup(flowKey, spi);
        if (!lock.validate(stamp)) {
            stamp = lock.readLock();
            try {
                r = lookup(flowKey, spi);
            } finally {
                lock.unlockRead(stamp);
            }
        }
        if (r == 0) {
            stats.allowListDrops.increment();
            return false;
        }
        return true;
    }

    /** 1 allowed, 0 not allowed, 2 flow unrestricted. */
    private int lookup(long flowKey, int spi) {
        int i = slot(flowKey);
        for (int probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
            long k = keys[i];
            if (k == 0) {
                return 2;
            }
            if (k == flowKey) {
                int base = i * spisPerFlow;
                int n = Math.min(counts[i], spisPerFlow);
                for (int j = 0; j < n; j++) {
                    if (spis[base + j] == spi) {
                        return 1;
                    }
                }
                return 0;
            }
        }
        return 2;
    }

    /** Index of the flow, or -(insertion point) - 1. */
    private int find(long flowKey) {
        int i = slot(flowKey);
        while (true) {
            long k = keys[i];
            if (k == flowKey) {
                return i;
            }
            if (k == 0) {
                return -i - 1;
            }
            i = (i + 1) & mask;
        }
    }

    private void deleteAt(int hole) {
        keys[hole] = 0;
        int i = (hole + 1) & mask;
        while (keys[i] != 0) {
            int home = slot(keys[i]);
            // Move entry i into the hole if its home is not in (hole, i] cyclically.
            if (((i - home) & mask) >= ((i - hole) & mask)) {
                keys[hole] = keys[i];
                counts[hole] = counts[i];
                System.arraycopy(spis, i * spisPerFlow, spis, hole * spisPerFlow, spisPerFlow);
                keys[i] = 0;
                hole = i;
            }
            i = (i + 1) & mask;
        }
    }

    private int slot(long key) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 32) & mask;
    }

    @Override
    public String toString() {
        return "SpiAllowList[flows=" + flows + "/" + maxFlows + "]";
    }
}
