package dev.psp.engine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class SpiAllocatorTest {

    static SpiAllocator allocator(long seed, int slot) {
        byte[] secret = new byte[SpiAllocator.secretLength()];
        new SplittableRandom(seed).nextBytes(secret);
        return new SpiAllocator(secret, slot, SpiAllocator.SPI_SPACE);
    }

    @Test
    void inverseMapsEverySpiBackToItsIndex() {
        SpiAllocator a = allocator(1, 1);
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 100_000; i++) {
            long n = r.nextLong(SpiAllocator.SPI_SPACE);
            int spi = a.spiAt(n);
            assertEquals(1, spi >>> 31);
            assertNotEquals(0, spi & 0x7FFF_FFFF);
            assertEquals(n, a.indexOf(spi));
        }
        assertEquals(-1, a.indexOf(0x8000_0000));
        assertEquals(-1, a.indexOf(0x0000_0001), "other slot");
    }

    @Test
    void wasAllocatedTracksTheCounterOnly() {
        SpiAllocator a = allocator(3, 0);
        int first = a.allocate();
        assertTrue(a.wasAllocated(first));
        assertFalse(a.wasAllocated(a.spiAt(1)));
        assertEquals(1, a.allocated());
    }

    @Test
    void orderIsNotSequential() {
        SpiAllocator a = allocator(4, 0);
        int sequential = 0;
        for (int i = 0; i < 1000; i++) {
            if (a.spiAt(i + 1) == a.spiAt(i) + 1) {
                sequential++;
            }
        }
        assertTrue(sequential < 5, "sequential pairs " + sequential);
    }

    @Test
    void differentSecretsGiveDifferentOrders() {
        assertNotEquals(allocator(5, 0).spiAt(0), allocator(6, 0).spiAt(0));
    }

    @Test
    @Tag("slow")
    void fiftyMillionAllocationsNeverRepeat() {
        SpiAllocator a = allocator(7, 0);
        BitSet seen = new BitSet(Integer.MAX_VALUE);
        for (int i = 0; i < 50_000_000; i++) {
            int low = a.allocate() & 0x7FFF_FFFF;
            assertNotEquals(0, low);
            if (seen.get(low)) {
                throw new AssertionError("SPI repeated at allocation " + i);
            }
            seen.set(low);
        }
    }
}
