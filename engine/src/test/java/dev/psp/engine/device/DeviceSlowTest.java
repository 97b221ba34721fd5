package dev.psp.engine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("slow")
class DeviceSlowTest {

    @Test
    void fiveMillionDeviceAllocationsNeverRepeat() {
        int n = 5_000_000;
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(31)).saCapacity(8).build();
                Arena a = Arena.ofConfined()) {
            int[] spis = new int[n];
            MemorySegment keys = a.allocate(4096L * 16);
            for (int off = 0; off < n; off += 4096) {
                int c = Math.min(4096, n - off);
                assertEquals(c, d.rxAssocBulk(0, spis, off, c, keys, 0));
            }
            assertEquals(0, d.generation());
            PspDeviceTest.assertAllDistinctAndValid(spis);
        }
    }

    @Test
    void tenMillionTransmitSas() {
        int n = 10_000_000;
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(32)).saCapacity(n).build();
                Arena a = Arena.ofConfined()) {
            MemorySegment keys = a.allocate(65536L * 32);
            int[] spis = new int[65536];
            int[] idx = new int[65536];
            for (int i = 0; i < spis.length; i++) {
                spis[i] = i + 1;
            }
            int added = 0;
            while (added < n) {
                int c = Math.min(65536, n - added);
                assertEquals(c, d.addTxSaBulk(1, spis, 0, c, keys, 0, idx, 0));
                added += c;
            }
            assertEquals(n, d.saTable().size());
            d.rotate();
            d.rotate();
        }
    }
}
