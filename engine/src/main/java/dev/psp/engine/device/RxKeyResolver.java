package dev.psp.engine.device;

import dev.psp.engine.crypto.KeyDerivation;
import java.lang.foreign.MemorySegment;

/**
 * Receive-side key lookup: derives the key for a packet's (SPI, version) from the device's two
 * master keys, with no per-SA state and no allocation per call. One instance per worker (it owns
 * a KDF, which is not thread safe); it follows rotations and version changes by comparing the
 * device {@link PspDevice#epoch() epoch} on each call (one volatile read) and re-reading the
 * master keys when it moved.
 *
 * <p>Results: the key length (16 or 32) on success, else a negative {@link DeviceStatus}, all of
 * which the codec counts as {@code rx-bad}: {@link DeviceStatus#RESERVED_SPI} (low 31 bits zero),
 * {@link DeviceStatus#VERSION_DISABLED}, {@link DeviceStatus#EVICTED}.
 *
 * <p>Evicted keys: after two rotations the slot an old SPI names holds a new master key, so the
 * SPI alone cannot tell an old SA from a new one. With allocation checking on (the default), the
 * resolver inverts the slot's SPI permutation ({@link SpiAllocator#wasAllocated}) and reports
 * {@code EVICTED} for any SPI the current key of that slot has not handed out: that catches SPIs
 * of the evicted generation and forged SPIs, except with probability
 * {@code allocated / (2^31 - 1)} (an old SPI that collides with one allocated since), in which
 * case the derived key differs from the one the sender holds and the packet fails authentication
 * ({@code rx-auth-fail} in the codec). With checking off, every old SPI takes that path. The
 * check is only meaningful for SPIs this device allocated, which is every SPI a PSP receiver
 * accepts (the receiver always picks the SPI).
 */
public final class RxKeyResolver implements AutoCloseable {
    private final PspDevice device;
    private final boolean checkAllocated;
    private final KeyDerivation kdf = new KeyDerivation(null, null);
    private final byte[] scratch = new byte[32];
    private final SpiAllocator[] allocators = new SpiAllocator[2];
    private final int[] versions = new int[1];
    private long epoch = Long.MIN_VALUE;

    /** A resolver with allocation checking on. */
    public RxKeyResolver(PspDevice device) {
        this(device, true);
    }

    public RxKeyResolver(PspDevice device, boolean checkAllocated) {
        this.device = device;
        this.checkAllocated = checkAllocated;
    }

    /** Derives the key into {@code out[off..)}; returns its length or a negative status. */
    public int resolve(int spi, int version, MemorySegment out, long off) {
        int rc = check(spi, version);
        if (rc != DeviceStatus.OK) {
            return rc;
        }
        return kdf.derive(spi, version, out, off);
    }

    /** Same checks as {@link #resolve} without deriving: OK or a negative status. */
    public int check(int spi, int version) {
        if ((spi & 0x7FFF_FFFF) == 0) {
            return DeviceStatus.RESERVED_SPI;
        }
        if (device.epoch() != epoch) {
            epoch = device.snapshotInto(kdf, scratch, allocators, versions);
        }
        if (version < 0 || version > 3 || (versions[0] & (1 << version)) == 0) {
            return DeviceStatus.VERSION_DISABLED;
        }
        if (checkAllocated && !allocators[spi >>> 31].wasAllocated(spi)) {
            return DeviceStatus.EVICTED;
        }
        return DeviceStatus.OK;
    }

    /** Epoch of the device state this resolver last loaded. */
    long loadedEpoch() {
        return epoch;
    }

    PspDevice device() {
        return device;
    }

    /** Wipes this resolver's copy of the master keys. */
    @Override
    public void close() {
        kdf.destroy();
        epoch = Long.MIN_VALUE;
    }

    @Override
    public String toString() {
        return "RxKeyResolver[epoch=" + epoch + ", checkAllocated=" + checkAllocated + ", keys redacted]";
    }
}
