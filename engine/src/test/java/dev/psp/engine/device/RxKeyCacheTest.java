package dev.psp.engine.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RxKeyCacheTest {

    @Test
    void sameResultsAsResolverAcrossRotationsAndVersionChanges() {
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(11)).saCapacity(8).build();
                Arena a = Arena.ofConfined();
                RxKeyResolver plain = new RxKeyResolver(d);
                RxKeyCache cache = new RxKeyCache(new RxKeyResolver(d), 64)) {
            int[] spis = new int[200];
            MemorySegment keys = a.allocate(200 * 32);
            MemorySegment x = a.allocate(32);
            MemorySegment y = a.allocate(32);
            SplittableRandom r = new SplittableRandom(12);
            for (int round = 0; round < 6; round++) {
                d.rxAssocBulk(round & 3, spis, 0, 100, keys, 0);
                for (int i = 0; i < 3000; i++) {
                    int spi = r.nextInt(4) == 0 ? r.nextInt() : spis[r.nextInt(round == 0 ? 100 : 200)];
                    int v = r.nextInt(5);
                    int e = plain.resolve(spi, v, x, 0);
                    int g = cache.resolve(spi, v, y, 0);
                    assertEquals(e, g, "spi " + Integer.toHexString(spi) + " v" + v);
                    if (e > 0) {
                        assertArrayEquals(x.asSlice(0, e).toArray(ValueLayout.JAVA_BYTE),
                                y.asSlice(0, e).toArray(ValueLayout.JAVA_BYTE));
                    }
                }
                System.arraycopy(spis, 0, spis, 100, 100);
                if (round == 3) {
                    d.enabledVersions(0b0101);
                }
                d.rotate();
            }
            assertTrue(cache.hits() > 0);
        }
    }

    @Test
    void cachedKeyDoesNotSurviveEviction() {
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(13)).saCapacity(8).build();
                Arena a = Arena.ofConfined();
                RxKeyCache cache = new RxKeyCache(new RxKeyResolver(d), 16)) {
            MemorySegment k = a.allocate(32);
            int spi = (int) d.rxAssoc(0, k, 0);
            assertEquals(16, cache.resolve(spi, 0, k, 0));
            assertEquals(16, cache.resolve(spi, 0, k, 0));
            assertEquals(1, cache.hits());
            d.rotate();
            assertEquals(16, cache.resolve(spi, 0, k, 0));
            d.rotate();
            assertEquals(DeviceStatus.EVICTED, cache.resolve(spi, 0, k, 0));
        }
    }
}
