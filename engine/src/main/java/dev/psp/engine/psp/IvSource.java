package dev.psp.engine.psp;

/** Supplies the 64-bit PSP IV for each packet sealed under one key; never repeats for that key. */
@FunctionalInterface
public interface IvSource {
    long nextIv();

    /**
     * True when {@link #nextIvBlock} is cheaper per IV than {@link #nextIv} (a shared clock-based
     * source). The encoder then reserves one block per burst and drops what the burst did not use;
     * sources for which gaps matter (the reference's dense counter) keep the default, false.
     */
    default boolean prefersBlocks() {
        return false;
    }

    /**
     * Reserves {@code n} consecutive IVs {@code first .. first + n - 1} and returns the first, so a
     * burst pays for one clock read and one atomic update instead of {@code n}. The default takes
     * them one at a time, which is only consecutive for a source used by one thread; shared sources
     * override it.
     */
    default long nextIvBlock(int n) {
        long first = nextIv();
        for (int i = 1; i < n; i++) {
            nextIv();
        }
        return first;
    }
}
