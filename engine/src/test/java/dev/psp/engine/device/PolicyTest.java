package dev.psp.engine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** SpiAllowList and ReplayWindow. */
class PolicyTest {

    @Test
    void allowListDropsOtherValidSpisOnARestrictedFlow() {
        DeviceStats stats = new DeviceStats();
        SpiAllowList list = new SpiAllowList(2, 2, stats);
        assertTrue(list.accept(7, 0x100), "unrestricted flow");
        assertEquals(DeviceStatus.OK, list.allow(7, 0x100));
        assertEquals(DeviceStatus.OK, list.allow(7, 0x200));
        assertEquals(DeviceStatus.OK, list.allow(7, 0x200));
        assertEquals(DeviceStatus.TABLE_FULL, list.allow(7, 0x300), "spis per flow bounded");
        assertTrue(list.accept(7, 0x100));
        assertFalse(list.accept(7, 0x300), "authenticated under another SA: injection");
        assertEquals(1, stats.allowListDrops());
        assertEquals(1L, stats.toMap().get(DeviceStats.ALLOW_LIST_DROPS));
        assertEquals(DeviceStatus.OK, list.allow(8, 1));
        assertEquals(DeviceStatus.TABLE_FULL, list.allow(9, 1), "flows bounded");
        assertEquals(DeviceStatus.BAD_ARGUMENT, list.allow(0, 1));
        assertTrue(list.disallow(7, 0x100));
        assertFalse(list.accept(7, 0x100));
        assertTrue(list.removeFlow(7));
        assertTrue(list.accept(7, 0x300));
        assertEquals(DeviceStatus.OK, list.allow(9, 1));
    }

    @Test
    void allowListSurvivesChurn() {
        SpiAllowList list = new SpiAllowList(1000, 1, new DeviceStats());
        SplittableRandom r = new SplittableRandom(1);
        java.util.Map<Long, Integer> model = new java.util.HashMap<>();
        for (int i = 0; i < 50_000; i++) {
            long flow = 1 + r.nextInt(1500);
            if (r.nextBoolean()) {
                int rc = list.allow(flow, (int) flow * 3);
                if (rc == DeviceStatus.OK) {
                    model.put(flow, (int) flow * 3);
                } else {
                    assertEquals(1000, model.size());
                }
            } else {
                assertEquals(model.remove(flow) != null, list.removeFlow(flow));
            }
            long probe = 1 + r.nextInt(1500);
            assertEquals(!model.containsKey(probe), list.accept(probe, 1), "flow " + probe);
        }
    }

    @Test
    void replayWindowCountsReplaysAndTooOld() {
        DeviceStats stats = new DeviceStats();
        ReplayWindow w = new ReplayWindow(64, 4, stats);
        assertTrue(w.accept(1, 100));
        assertFalse(w.accept(1, 100), "replay");
        assertTrue(w.accept(1, 90), "inside window, first time");
        assertFalse(w.accept(1, 90));
        assertTrue(w.accept(1, 163));
        assertFalse(w.accept(1, 99), "100 - 163 is within 64 but 99 is now too old");
        assertTrue(w.accept(1, 100 + 63 - 63 + 1), "101 never seen, inside");
        assertTrue(w.accept(1, 10_000));
        assertFalse(w.accept(1, 163), "too old after a big jump");
        assertTrue(w.accept(2, 100), "windows are per SPI");
        assertEquals(4, stats.replayDrops());
        assertTrue(w.forget(1));
        assertTrue(w.accept(1, 100), "forgotten SPI starts over");
    }

    @Test
    void replayWindowIsBoundedAndHandlesWrap() {
        DeviceStats stats = new DeviceStats();
        ReplayWindow w = new ReplayWindow(1024, 2, stats);
        assertTrue(w.accept(1, -2));
        assertTrue(w.accept(1, 5), "wrapped past 2^64: newer");
        assertFalse(w.accept(1, -2));
        assertTrue(w.accept(1, -1));
        assertTrue(w.accept(2, 1));
        assertTrue(w.accept(3, 1));
        assertTrue(w.accept(3, 1), "untracked: table full");
        assertEquals(2, stats.toMap().get(DeviceStats.REPLAY_UNTRACKED));
    }

    @Test
    void replayWindowMatchesAModel() {
        ReplayWindow w = new ReplayWindow(128, 16, new DeviceStats());
        SplittableRandom r = new SplittableRandom(9);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        long max = 0;
        for (int i = 0; i < 20_000; i++) {
            long iv = Math.max(1, max + r.nextInt(-150, 20));
            boolean expect = !seen.contains(iv) && (iv > max || max - iv < 128);
            assertEquals(expect, w.accept(5, iv), "iv " + iv + " max " + max);
            if (expect) {
                seen.add(iv);
                max = Math.max(max, iv);
            }
        }
    }
}
