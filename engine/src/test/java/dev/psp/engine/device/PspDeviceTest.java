package dev.psp.engine.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.crypto.KeyDerivation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PspDeviceTest {

    static PspDevice device() {
        return PspDevice.builder().random(new SplittableRandom(1)).saCapacity(1024).build();
    }

    static byte[] key(MemorySegment seg, int len) {
        return seg.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void rotateSwapsActiveKeyAndCounts() {
        try (PspDevice d = device()) {
            assertEquals(0, d.generation());
            assertEquals(0, d.activeIndex());
            assertEquals(1, d.rotate());
            assertEquals(1, d.activeIndex());
            assertEquals(2, d.rotate());
            assertEquals(0, d.activeIndex());
            assertEquals(2, d.stats().keyRotations());
            assertEquals(2L, d.stats().toMap().get("key-rotations"));
        }
    }

    @Test
    void spiMsbFlipsAfterRotation() {
        try (PspDevice d = device(); Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(32);
            for (int r = 0; r < 4; r++) {
                int spi = (int) d.rxAssoc(0, k, 0);
                assertEquals(r & 1, spi >>> 31, "rotation " + r);
                assertNotEquals(0, spi & 0x7FFF_FFFF);
                d.rotate();
            }
        }
    }

    @Test
    void derivedKeyMatchesSpecKdfOnTheSourcesKeys() {
        byte[] mk0 = new byte[32];
        Arrays.fill(mk0, (byte) 0x11);
        // Key source order: mk0, allocator secret 0, mk1, allocator secret 1.
        AtomicLong calls = new AtomicLong();
        KeySource src = out -> Arrays.fill(out, (byte) (0x11 * (calls.getAndIncrement() + 1)));
        try (PspDevice d = PspDevice.builder().keySource(src).saCapacity(16).build(); Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(32);
            for (int v = 0; v < 4; v++) {
                int spi = (int) d.rxAssoc(v, k, 0);
                int len = KeyDerivation.keyLength(v);
                assertArrayEquals(new KeyDerivation(mk0, null).derive(spi, v), key(k, len));
            }
            String shown = d + " " + d.state() + " " + d.saTable() + " " + d.stats();
            assertFalse(shown.toLowerCase().contains("1111"), shown);
        }
    }

    @Test
    void oneRotationStillDecryptsTwoRotationsDoNot() {
        try (PspDevice d = device(); Arena a = Arena.ofConfined(); RxKeyResolver r = new RxKeyResolver(d);
                RxKeyResolver unchecked = new RxKeyResolver(d, false)) {
            MemorySegment k = a.allocate(32);
            MemorySegment got = a.allocate(32);
            int spi = (int) d.rxAssoc(1, k, 0);
            byte[] handedOut = key(k, 32);
            assertEquals(32, r.resolve(spi, 1, got, 0));
            assertArrayEquals(handedOut, key(got, 32));

            d.rotate();
            assertEquals(32, r.resolve(spi, 1, got, 0), "previous generation still decrypts");
            assertArrayEquals(handedOut, key(got, 32));

            d.rotate();
            assertEquals(DeviceStatus.EVICTED, r.resolve(spi, 1, got, 0), "two rotations: evicted");
            assertEquals(32, unchecked.resolve(spi, 1, got, 0));
            assertFalse(Arrays.equals(handedOut, key(got, 32)), "evicted key derives differently: auth fails");
        }
    }

    @Test
    void resolverRejectsReservedSpiDisabledVersionAndNeverAllocatedSpi() {
        try (PspDevice d = device(); Arena a = Arena.ofConfined(); RxKeyResolver r = new RxKeyResolver(d)) {
            MemorySegment k = a.allocate(32);
            assertEquals(DeviceStatus.RESERVED_SPI, r.resolve(0, 0, k, 0));
            assertEquals(DeviceStatus.RESERVED_SPI, r.resolve(0x8000_0000, 0, k, 0));
            int spi = (int) d.rxAssoc(0, k, 0);
            assertEquals(16, r.resolve(spi, 0, k, 0));
            assertEquals(DeviceStatus.VERSION_DISABLED, r.resolve(spi, 4, k, 0));
            // Slot 1 has allocated nothing yet.
            assertEquals(DeviceStatus.EVICTED, r.resolve(0x8000_0001, 0, k, 0));
            d.enabledVersions(0b0010);
            assertEquals(DeviceStatus.VERSION_DISABLED, r.resolve(spi, 0, k, 0));
            assertEquals(DeviceStatus.VERSION_DISABLED, d.rxAssoc(0, k, 0));
            assertEquals(32, r.resolve(spi, 1, k, 0));
        }
    }

    @Test
    void assocVersionMismatchIsRefused() {
        try (PspDevice d = device(); Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(32);
            int sa = d.rxAssocSa(0, k, 0);
            assertTrue(sa >= 0);
            MemorySegment txKey = a.allocate(32);
            assertEquals(DeviceStatus.VERSION_MISMATCH, d.txAssoc(sa, 0x1234, 1, txKey, 0, 32));
            assertEquals(sa, d.txAssoc(sa, 0x1234, 0, txKey, 0, 16));
            assertEquals(0x1234, d.saTable().txSpi(sa));
            assertEquals(1, d.stats().txAssoc());
        }
    }

    /**
     * A second tx-assoc onto an SA that has a transmit key is refused (Linux: EBUSY), whether the SA
     * came from rx-assoc or addTxSa: the first key and SPI stay, nothing is counted.
     */
    @Test
    void secondTxAssocOntoTheSameSaIsRefusedAndKeepsTheFirstKey() {
        try (PspDevice d = device(); Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(32);
            MemorySegment first = a.allocate(16).fill((byte) 0x11);
            MemorySegment second = a.allocate(16).fill((byte) 0x22);
            int sa = d.rxAssocSa(0, k, 0);
            assertEquals(sa, d.txAssoc(sa, 0x11, 0, first, 0, 16));
            assertEquals(DeviceStatus.TX_KEY_SET, d.txAssoc(sa, 0x22, 0, second, 0, 16));
            assertEquals("tx-key-set", DeviceStatus.name(DeviceStatus.TX_KEY_SET));
            SaTable t = d.saTable();
            assertEquals(0x11, t.txSpi(sa));
            assertArrayEquals(key(first, 16), t.keySlab().asSlice(SaTable.keyOffset(sa), 16).toArray(ValueLayout.JAVA_BYTE));
            int txOnly = d.addTxSa(0x33, 0, first, 0, 16);
            assertEquals(DeviceStatus.TX_KEY_SET, d.txAssoc(txOnly, 0x44, 0, second, 0, 16));
            assertEquals(0x33, t.txSpi(txOnly));
            assertEquals(2, d.stats().txAssoc());
            assertEquals(2, t.size());
            assertEquals(DeviceStatus.OK, d.deleteSa(sa));
            assertEquals(DeviceStatus.NO_SUCH_SA, d.txAssoc(sa, 0x22, 0, second, 0, 16));
        }
    }

    @Test
    void badKeyLengthIsRefused() {
        try (PspDevice d = device(); Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(32);
            assertEquals(DeviceStatus.BAD_KEY, d.addTxSa(0x1234, 1, k, 0, 16));
            assertEquals(DeviceStatus.BAD_KEY, d.addTxSa(0x1234, 0, k, 0, 32));
            assertEquals(DeviceStatus.BAD_KEY, d.addTxSa(0x1234, 2, k, 0, 15));
            assertEquals(DeviceStatus.RESERVED_SPI, d.addTxSa(0x8000_0000, 0, k, 0, 16));
            assertEquals(DeviceStatus.BAD_KEY, d.checkTxKey(3, 16));
            assertEquals(DeviceStatus.OK, d.checkTxKey(3, 32));
            assertEquals(0, d.saTable().size());
        }
    }

    /** A listener writing "rot GENERATION ACTIVE STALED" and "rekey SA" into {@code events}. */
    private static DeviceListener recorder(List<String> events) {
        return new DeviceListener() {
            @Override
            public void onRotation(long generation, int activeIndex, int staled) {
                events.add("rot " + generation + " " + activeIndex + " " + staled);
            }

            @Override
            public void onMustRekey(int saIndex, int rxSpi) {
                events.add("rekey " + saIndex);
            }
        };
    }

    @Test
    void staleKeyAfterTwoRotationsCountedAndNotified() {
        List<String> events = new ArrayList<>();
        try (PspDevice d = device(); Arena a = Arena.ofConfined()) {
            d.addListener(recorder(events));
            MemorySegment k = a.allocate(32);
            int s0 = d.rxAssocSa(0, k, 0);
            int s1 = d.rxAssocSa(1, k, 0);
            int txOnly = d.addTxSa(0x77, 0, k, 0, 16);
            d.rotate();
            assertEquals(List.of("rekey " + s0, "rekey " + s1, "rot 1 1 0"), events);
            int s2 = d.rxAssocSa(0, k, 0);
            assertEquals(0, d.staleSaCount());
            events.clear();
            d.rotate();
            assertEquals(List.of("rekey " + s2, "rot 2 0 2"), events);
            assertTrue(d.saTable().isStale(s0) && d.saTable().isStale(s1));
            assertFalse(d.saTable().isStale(s2) || d.saTable().isStale(txOnly));
            assertEquals(2, d.stats().staleEvents());
            assertEquals(2, d.staleSaCount());
            assertEquals(DeviceStatus.STALE, d.txAssoc(s0, 0x99, 0, k, 0, 16));
            assertEquals(DeviceStatus.OK, d.deleteSa(s0));
            assertEquals(1, d.staleSaCount());
            d.rotate();
            assertEquals(3, d.stats().staleEvents(), "s2 went stale; s1 not counted twice");
        }
    }

    @Test
    void exhaustionRotates() {
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(3)).maxSpisPerKey(10).saCapacity(8).build();
                Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(32);
            for (int i = 0; i < 10; i++) {
                assertEquals(0, (int) d.rxAssoc(0, k, 0) >>> 31);
            }
            assertEquals(0, d.generation());
            assertEquals(1, (int) d.rxAssoc(0, k, 0) >>> 31);
            assertEquals(1, d.generation());
            int[] spis = new int[25];
            MemorySegment keys = a.allocate(25 * 16);
            assertEquals(25, d.rxAssocBulk(0, spis, 0, 25, keys, 0));
            assertEquals(3, d.generation());
        }
    }

    @Test
    void rotationPeriodElapsesOnInjectedClock() {
        AtomicLong now = new AtomicLong(5);
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(4)).clock(now::get).saCapacity(8).build();
                Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(32);
            d.rxAssoc(0, k, 0);
            now.addAndGet(Duration.ofHours(24).toNanos() - 1);
            assertFalse(d.maybeRotate());
            d.rxAssoc(0, k, 0);
            assertEquals(0, d.generation());
            now.incrementAndGet();
            assertEquals(1, (int) d.rxAssoc(0, k, 0) >>> 31);
            assertEquals(1, d.generation());
            d.rotationPeriod(Duration.ofSeconds(60));
            now.addAndGet(Duration.ofSeconds(60).toNanos());
            assertTrue(d.maybeRotate());
            assertEquals(2, d.generation());
        }
    }

    /**
     * Time-based rotation is applied by whole elapsed periods (several at once after an idle spell,
     * the remainder of a period carried over) by every operation that depends on the generation, not
     * only by the next allocation: an SA made more than two periods ago is stale even if nothing ran
     * in between.
     */
    @Test
    void rotationCatchesUpOnePerElapsedPeriodBeforeEveryGenerationDependentOperation() {
        long p = Duration.ofSeconds(60).toNanos();
        AtomicLong now = new AtomicLong(1000);
        List<Long> rotations = new ArrayList<>();
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(7)).clock(now::get)
                .rotationPeriod(Duration.ofSeconds(60)).saCapacity(8).build(); Arena a = Arena.ofConfined();
                RxKeyResolver r = new RxKeyResolver(d)) {
            d.addListener(new DeviceListener() {
                @Override
                public void onRotation(long generation, int activeIndex, int staled) {
                    rotations.add(generation);
                }
            });
            MemorySegment k = a.allocate(32);
            int s0 = d.rxAssocSa(0, k, 0);
            now.addAndGet(p + p / 2);
            assertEquals(1, d.generation(), "1.5 periods: one rotation, seen by a plain read");
            assertEquals(1, d.activeIndex());
            int s1 = d.rxAssocSa(0, k, 0);
            assertEquals(1, d.saTable().rxSpi(s1) >>> 31);
            now.addAndGet(p / 2);
            assertEquals(2L, d.state().get("generation"), "2 periods: the remainder was carried over");
            assertEquals(1L, d.state().get("sa-stale"));
            assertEquals(DeviceStatus.STALE, d.txAssoc(s0, 0x11, 0, k, 0, 16));
            int spi1 = d.saTable().rxSpi(s1);
            assertEquals(16, r.resolve(spi1, 0, k, 0), "made one period ago: still decrypts");

            now.addAndGet(2 * p + p / 2); // 4.5 periods in all; nothing runs in between
            assertEquals(DeviceStatus.STALE, d.txAssoc(s1, 0x22, 0, k, 0, 16), "made 3.5 periods ago: stale");
            assertEquals(4, d.generation());
            assertEquals(4, d.stats().keyRotations());
            assertEquals(2, d.stats().staleEvents());
            assertEquals(2, d.staleSaCount());
            assertEquals(DeviceStatus.EVICTED, r.resolve(spi1, 0, k, 0));
            assertEquals(List.of(1L, 2L, 3L, 4L), rotations);
            assertFalse(d.maybeRotate(), "4.5 periods: nothing more due");
            now.addAndGet(p / 2 - 1);
            assertFalse(d.maybeRotate());
            now.incrementAndGet();
            assertTrue(d.maybeRotate(), "5 periods since the start, not 1 since the catch-up");
            assertEquals(5, d.generation());
            now.addAndGet(-3 * p);
            assertFalse(d.maybeRotate(), "a clock that goes back rotates nothing");
            assertEquals(5, d.generation());
        }
    }

    /** Periods that elapsed under the old rotation period are applied before a new period takes over. */
    @Test
    void changingThePeriodFirstAppliesTheOldOne() {
        AtomicLong now = new AtomicLong(0);
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(8)).clock(now::get)
                .rotationPeriod(Duration.ofSeconds(60)).saCapacity(8).build()) {
            now.set(Duration.ofSeconds(150).toNanos());
            d.rotationPeriod(Duration.ofSeconds(3600));
            assertEquals(2, d.generation());
            now.set(Duration.ofSeconds(120 + 3600).toNanos() - 1);
            assertEquals(2, d.generation());
            now.incrementAndGet();
            assertEquals(3, d.generation(), "one new period after the last due rotation");
        }
    }

    /** Deleting an SA whose key went out of date while the device sat idle still counts the stale event. */
    @Test
    void deletingAnOverdueSaCountsItStale() {
        AtomicLong now = new AtomicLong(0);
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(10)).clock(now::get)
                .rotationPeriod(Duration.ofSeconds(60)).saCapacity(8).build(); Arena a = Arena.ofConfined()) {
            int s0 = d.rxAssocSa(0, a.allocate(32), 0);
            now.set(Duration.ofSeconds(120).toNanos());
            assertEquals(DeviceStatus.OK, d.deleteSa(s0));
            assertEquals(1, d.stats().staleEvents());
            assertEquals(0, d.staleSaCount());
            assertEquals(2, d.generation());
        }
    }

    /**
     * Rotating more than twice invalidates everything, so a catch-up after a long idle spell costs two
     * rotations however many periods elapsed; the generation and key-rotations still count them all,
     * and the SAs of both old keys go stale.
     */
    @Test
    void catchUpAfterALongIdleSpellIsCheap() {
        AtomicLong now = new AtomicLong(5);
        List<String> events = new ArrayList<>();
        MemorySegment k = MemorySegment.ofArray(new byte[32]);
        PspDevice d = PspDevice.builder().random(new SplittableRandom(9)).clock(now::get)
                .rotationPeriod(Duration.ofNanos(1)).saCapacity(8).build();
        int s0 = d.rxAssocSa(0, k, 0);
        d.rotate();
        int s1 = d.rxAssocSa(0, k, 0);
        d.addListener(recorder(events));
        now.set(Long.MAX_VALUE);
        long periods = Long.MAX_VALUE - 5;
        // Not closed on a timeout: a catch-up that loops keeps the device lock, and close() would wait for it.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertTrue(d.maybeRotate()), "one rotation per period");
        try (d) {
            assertEquals(1 + periods, d.generation());
            assertEquals(1 + periods, d.stats().keyRotations());
            assertEquals((int) ((1 + periods) & 1), d.activeIndex());
            assertTrue(d.saTable().isStale(s0) && d.saTable().isStale(s1));
            assertEquals(2, d.stats().staleEvents());
            // Exactly what two rotations say: s1 (on the key that survives the first) must rekey, then both go stale.
            assertEquals(List.of("rekey " + s1, "rot " + periods + " 0 1", "rot " + (1 + periods) + " 1 1"), events);
            assertEquals(1, (int) d.rxAssoc(0, k, 0) >>> 31);
        }
    }

    @Test
    void rotationPeriodBeyondLongNanosIsAnIllegalArgument() {
        Duration max = Duration.ofNanos(Long.MAX_VALUE);
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(4)).saCapacity(8).build()) {
            Duration before = d.rotationPeriod();
            assertThrows(IllegalArgumentException.class, () -> d.rotationPeriod(Duration.ofSeconds(99_999_999_999_999L)));
            assertThrows(IllegalArgumentException.class, () -> d.rotationPeriod(max.plusNanos(1)));
            assertEquals(before, d.rotationPeriod(), "unchanged after a refused period");
            d.rotationPeriod(max);
            assertEquals(max, d.rotationPeriod());
        }
        assertThrows(IllegalArgumentException.class,
                () -> PspDevice.builder().rotationPeriod(Duration.ofSeconds(Long.MAX_VALUE)));
    }

    @Test
    void spisNeverRepeatBeforeEviction200k() {
        int n = 200_000;
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(5)).saCapacity(8).build();
                Arena a = Arena.ofConfined()) {
            int[] spis = new int[n];
            MemorySegment keys = a.allocate(1000L * 16);
            for (int off = 0; off < n; off += 1000) {
                assertEquals(1000, d.rxAssocBulk(0, spis, off, 1000, keys, 0));
            }
            assertEquals(0, d.generation());
            assertAllDistinctAndValid(spis);
        }
    }

    static void assertAllDistinctAndValid(int[] spis) {
        int[] s = spis.clone();
        Arrays.sort(s);
        for (int i = 0; i < s.length; i++) {
            assertNotEquals(0, s[i] & 0x7FFF_FFFF);
            if (i > 0) {
                assertNotEquals(s[i - 1], s[i], "repeated SPI");
            }
        }
    }

    @Test
    void bulkKeysMatchResolverAndSinglesMatchBulkStride() {
        try (PspDevice d = device(); Arena a = Arena.ofConfined(); RxKeyResolver r = new RxKeyResolver(d)) {
            int[] spis = new int[8];
            MemorySegment keys = a.allocate(8 * 32);
            assertEquals(8, d.rxAssocBulk(3, spis, 0, 8, keys, 0));
            MemorySegment one = a.allocate(32);
            for (int i = 0; i < 8; i++) {
                assertEquals(32, r.resolve(spis[i], 3, one, 0));
                assertArrayEquals(keys.asSlice(i * 32L, 32).toArray(ValueLayout.JAVA_BYTE), key(one, 32));
            }
            assertEquals(DeviceStatus.BAD_ARGUMENT, d.rxAssocBulk(3, spis, 0, 9, keys, 0));
            assertEquals(8, d.stats().rxAssoc());
        }
    }

    @Test
    void txTableAddDeleteBulkFreeListAndZeroing() {
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(6)).saCapacity(4).build();
                Arena a = Arena.ofConfined()) {
            MemorySegment keys = a.allocate(5 * 32);
            keys.fill((byte) 0x5A);
            int[] spis = {1, 2, 3, 4, 5};
            int[] idx = new int[5];
            assertEquals(4, d.addTxSaBulk(1, spis, 0, 5, keys, 0, idx, 0));
            assertEquals(DeviceStatus.TABLE_FULL, idx[4]);
            SaTable t = d.saTable();
            assertEquals(4, t.size());
            assertEquals(3, t.txSpi(idx[2]));
            assertEquals((byte) 0x5A, t.keySlab().get(ValueLayout.JAVA_BYTE, SaTable.keyOffset(idx[2]) + 31));
            assertEquals(2, d.deleteSaBulk(new int[] {idx[1], idx[2], 99}, 0, 3));
            assertEquals(DeviceStatus.NO_SUCH_SA, d.deleteSa(idx[1]));
            for (int b = 0; b < 32; b++) {
                assertEquals(0, t.keySlab().get(ValueLayout.JAVA_BYTE, SaTable.keyOffset(idx[2]) + b), "key zeroed");
            }
            int again = d.addTxSa(9, 0, keys, 0, 16);
            assertEquals(idx[2], again, "LIFO free list reuses the slot");
            assertEquals(0, t.keySlab().get(ValueLayout.JAVA_BYTE, SaTable.keyOffset(again) + 20), "tail cleared");
            assertEquals(3, t.size());
        }
    }

    @Test
    void tenMillionSasFitInAFewGigabytes() {
        long bytes = 10_000_000L * SaTable.BYTES_PER_SA;
        assertTrue(bytes < 1L << 30, "10M SAs take " + bytes + " bytes");
    }

    @Test
    void toStringNeverShowsKeys() {
        try (PspDevice d = device(); Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(32);
            k.fill((byte) 0xAB);
            d.addTxSa(5, 1, k, 0, 32);
            String text = d + " " + d.saTable() + " " + new RxKeyResolver(d) + " " + d.state();
            assertFalse(text.toLowerCase().contains("abab"), text);
            assertFalse(text.contains(HexFormat.of().formatHex(new byte[] {(byte) 0xab, (byte) 0xab})));
        }
    }
}
