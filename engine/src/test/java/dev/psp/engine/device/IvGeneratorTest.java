package dev.psp.engine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IvGeneratorTest {

    @Test
    void strictlyIncreasingAcrossTwoThreadsWhenTheClockStepsBack() throws Exception {
        // Clock: advances 1 ps per read, but steps back 1 ms every 10_000 reads.
        AtomicLong reads = new AtomicLong();
        IvGenerator gen = new IvGenerator(() -> {
            long n = reads.incrementAndGet();
            return 1_000_000_000_000L + n - (n / 10_000) * 1_000_000_000L;
        });
        int per = 200_000;
        long[][] got = new long[2][per];
        CountDownLatch go = new CountDownLatch(1);
        Thread[] ts = new Thread[2];
        for (int t = 0; t < 2; t++) {
            long[] out = got[t];
            ts[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < per; i++) {
                    out[i] = gen.next();
                }
            });
            ts[t].start();
        }
        go.countDown();
        for (Thread t : ts) {
            t.join();
        }
        Set<Long> all = new HashSet<>();
        for (long[] out : got) {
            for (int i = 0; i < per; i++) {
                if (i > 0) {
                    assertTrue(out[i] - out[i - 1] > 0, "not increasing at " + i);
                }
                assertTrue(all.add(out[i]), "repeated IV");
            }
        }
        assertEquals(2 * per, all.size());
        assertTrue(gen.highWater() - got[0][per - 1] >= 0 && gen.highWater() - got[1][per - 1] >= 0);
    }

    @Test
    void followsTheClockAndBlocksAreConsecutive() {
        AtomicLong clock = new AtomicLong(1000);
        IvGenerator gen = new IvGenerator(clock::get);
        assertEquals(1000, gen.next());
        assertEquals(1001, gen.next());
        clock.set(5000);
        assertEquals(5000, gen.next());
        clock.set(10);
        assertEquals(5001, gen.nextBlock(4));
        assertEquals(5005, gen.next());
    }

    @Test
    void restartStartsAboveSavedMark(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("iv.mark");
        AtomicLong clock = new AtomicLong(1_000_000);
        IvGenerator before = new IvGenerator(clock::get);
        before.next();
        long last = before.next();
        before.saveHighWater(f);
        assertEquals(last, IvGenerator.loadHighWater(f).getAsLong());
        // The clock stepped back across the restart.
        clock.set(10);
        IvGenerator after = new IvGenerator(clock::get);
        assertTrue(after.recover(f, 1000));
        assertTrue(after.next() > last + 1000);
        assertTrue(IvGenerator.loadHighWater(dir.resolve("none")).isEmpty());
        IvGenerator manual = new IvGenerator(clock::get);
        manual.startAbove(-5);
        assertEquals(10, manual.next(), "2^64 - 5 precedes 10 serially (wrap)");
        clock.set(-100);
        IvGenerator nearWrap = new IvGenerator(clock::get);
        nearWrap.startAbove(-5);
        assertEquals(-4, nearWrap.next(), "unsigned IV values above 2^63 order serially");
    }

    @Test
    void decodesToSendTimeAndTransit() {
        long sendNanos = 1_750_000_000_123_456_789L;
        long iv = sendNanos * 1000 + 42;
        assertEquals(sendNanos, IvGenerator.toEpochNanos(iv, sendNanos + 5_000_000_000L));
        assertEquals(sendNanos, IvGenerator.toEpochNanos(iv, sendNanos - 86_400_000_000_000L));
        assertEquals(1500, IvGenerator.transitNanos(iv, iv + 1_500_000));
        IvGenerator sys = new IvGenerator();
        long now = System.currentTimeMillis() * 1_000_000L;
        long decoded = IvGenerator.toEpochNanos(sys.next());
        assertTrue(Math.abs(decoded - now) < 2_000_000_000L, "decoded " + decoded + " now " + now);
    }
}
