package dev.psp.engine.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Test helper: the end-of-test leak check. Call from the pool's owner thread (the test thread once nothing else runs). */
public final class PoolAssertions {
    private PoolAssertions() {}

    /** Every slot is back on the free list and nothing was freed twice. */
    public static void assertNoLeaks(PacketPool pool) {
        assertEquals(0, pool.inUse(), () -> pool + ": slots still in use (leak)");
        assertEquals(pool.capacity(), pool.available(), () -> pool + ": free list incomplete");
        assertEquals(0, pool.doubleFrees(), () -> pool + ": double frees");
    }
}
