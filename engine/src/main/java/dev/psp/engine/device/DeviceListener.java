package dev.psp.engine.device;

/**
 * Notices from a {@link PspDevice}. Called on the thread that rotated, while the device lock is
 * held: implementations must be quick and must not wait for another thread that uses the device
 * (calling back into the device from the same thread is fine). Never given key bytes.
 */
public interface DeviceListener {
    /**
     * The device rotated: {@code activeIndex} now allocates SPIs under {@code generation};
     * {@code staled} SAs were moved to stale by this rotation.
     */
    default void onRotation(long generation, int activeIndex, int staled) {
    }

    /**
     * The SA at {@code saIndex} receives under the previous key (its rx SPI is {@code rxSpi}): it
     * must be rekeyed before the next rotation or it goes stale.
     */
    default void onMustRekey(int saIndex, int rxSpi) {
    }
}
