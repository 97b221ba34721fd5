package dev.psp.engine.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.psp.Packet;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class PacketPoolTest {

    @Test
    void geometryHeadroomDataRoomTailroom() {
        try (PacketPool pool = PacketPool.create(4)) {
            assertEquals(256, pool.headroom());
            assertEquals(9216, pool.dataRoom());
            assertTrue(pool.tailroom() >= 64);
            assertEquals(0, pool.slotSize() % 64);
            Packet p = pool.alloc();
            assertEquals(p.base + 256, p.offset);
            assertEquals(256, p.headroom());
            assertEquals(0, p.length);
            assertEquals(pool.slotSize(), p.limit - p.base);
            assertEquals((long) p.slot * pool.slotSize(), p.base);
            assertEquals(pool.id(), p.poolId);
            p.length = pool.dataRoom();
            assertTrue(p.tailroom() >= 64);
            pool.free(p);
            PoolAssertions.assertNoLeaks(pool);
        }
    }

    /** A chain (e.g. a zero-copy GRO super-packet) is freed whole by free, freeBulk and release, each slot once. */
    @Test
    void freeingAChainHeadFreesEverySlotOnce() throws Exception {
        try (PacketPool pool = PacketPool.create(8, 2048); PacketPool other = PacketPool.create(2, 2048)) {
            for (int how = 0; how < 3; how++) {
                Packet h = pool.alloc();
                Packet f1 = pool.alloc();
                Packet f2 = other.alloc(); // a fragment from another pool goes home
                Packet f3 = pool.alloc();
                h.next = f1;
                f1.next = f2;
                f2.next = f3;
                h.chainCount = 3;
                Packet single = pool.alloc();
                switch (how) {
                    case 0 -> {
                        assertTrue(pool.free(h));
                        assertTrue(pool.free(single));
                    }
                    case 1 -> assertEquals(5, pool.freeBulk(new Packet[] {h, single}, 2)); // the chain counts its 4
                    default -> {
                        // released from another thread; the results are asserted here, where JUnit sees them
                        boolean[] released = onOtherThread(() -> new boolean[] {pool.release(h), pool.release(single)});
                        assertTrue(released[0], "release(head)");
                        assertTrue(released[1], "release(single)");
                    }
                }
                other.reclaim();
                PoolAssertions.assertNoLeaks(pool);
                PoolAssertions.assertNoLeaks(other);
                assertEquals(0, pool.foreignFrees());
            }
            // a freed head keeps stale links until reused: a double free is counted once and follows none
            Packet h = pool.alloc();
            Packet f = other.alloc();
            h.next = f;
            assertTrue(pool.free(h));
            assertFalse(pool.free(h));
            assertEquals(1, pool.doubleFrees());
            assertEquals(0, other.doubleFrees());
            PoolAssertions.assertNoLeaks(other);
            assertEquals(0, pool.inUse());
            Packet again = pool.alloc(); // the same slot: alloc unlinks
            assertSame(h, again);
            assertNull(again.next);
            assertEquals(0, again.chainCount);
            pool.free(again);
        }
    }

    /**
     * A fragment no pool knows (unpooled) or already freed is counted, and the walk goes on: the
     * rest of the chain is still freed, each slot once, by free, freeBulk and release alike.
     */
    @Test
    void aBadFragmentIsCountedAndTheRestOfTheChainFreed() throws Exception {
        try (PacketPool pool = PacketPool.create(8, 2048); PacketPool other = PacketPool.create(2, 2048)) {
            for (int how = 0; how < 3; how++) {
                Packet h = pool.alloc();
                Packet stale = pool.alloc();
                Packet f3 = other.alloc();
                Packet f4 = pool.alloc();
                assertTrue(pool.free(stale)); // freed already: its second free is a double free
                h.next = stale;
                stale.next = new Packet(); // unpooled
                stale.next.next = f3;
                f3.next = f4;
                long doubles = pool.doubleFrees();
                long foreign = pool.foreignFrees();
                switch (how) {
                    case 0 -> assertTrue(pool.free(h));
                    case 1 -> assertEquals(3, pool.freeBulk(new Packet[] {h}, 1)); // h, f3, f4
                    default -> assertTrue(onOtherThread(() -> pool.release(h)));
                }
                assertEquals(doubles + 1, pool.doubleFrees(), "the stale fragment");
                assertEquals(foreign + 1, pool.foreignFrees(), "the unpooled fragment");
                other.reclaim();
                assertEquals(0, pool.inUse(), "every slot back once");
                assertEquals(pool.capacity(), pool.available());
                PoolAssertions.assertNoLeaks(other);
            }
        }
    }

    /**
     * A chain whose links loop (a caller's bug) is freed once per descriptor and the walk ends: it
     * went round forever, counting double frees (free, freeBulk and release alike).
     */
    @Test
    void aChainThatLoopsIsFreedOnceAndTheWalkEnds() throws Exception {
        try (PacketPool pool = PacketPool.create(8, 2048)) {
            for (int how = 0; how < 3; how++) {
                Packet h = pool.alloc();
                Packet f1 = pool.alloc();
                Packet f2 = pool.alloc();
                h.next = f1;
                f1.next = f2;
                f2.next = f1; // back to f1
                int mode = how;
                org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), () -> {
                    switch (mode) {
                        case 0 -> assertTrue(pool.free(h));
                        case 1 -> assertEquals(3, pool.freeBulk(new Packet[] {h}, 1));
                        default -> assertTrue(onOtherThread(() -> pool.release(h)));
                    }
                });
                pool.reclaim();
                assertEquals(0, pool.inUse(), "every slot back once");
                assertEquals(pool.capacity(), pool.available());
            }
        }
    }

    @Test
    void tsoDataRoomFitsASuperPacket() {
        try (PacketPool pool = PacketPool.create(2, PacketPool.TSO_DATA_ROOM)) {
            Packet p = pool.alloc();
            assertTrue(p.limit - p.offset >= 65536 + 14 + 16);
            pool.free(p);
            PoolAssertions.assertNoLeaks(pool);
        }
    }

    @Test
    void slotsDoNotOverlapAndWritesStayInTheSlot() {
        try (PacketPool pool = PacketPool.create(8, 64, 128, 16)) {
            Packet[] ps = new Packet[8];
            assertEquals(8, pool.allocBulk(ps, 8));
            for (int i = 0; i < 8; i++) {
                ps[i].segment.asSlice(ps[i].base, ps[i].limit - ps[i].base).fill((byte) i);
            }
            for (int i = 0; i < 8; i++) {
                byte[] b = ps[i].segment.asSlice(ps[i].base, ps[i].limit - ps[i].base).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                for (byte x : b) {
                    assertEquals((byte) i, x);
                }
            }
            assertEquals(8, pool.freeBulk(ps, 8));
            PoolAssertions.assertNoLeaks(pool);
        }
    }

    @Test
    void bulkAllocationIsAllOrNothing() {
        try (PacketPool pool = PacketPool.create(10, 256)) {
            Packet[] a = new Packet[8];
            assertEquals(8, pool.allocBulk(a, 8));
            assertEquals(8, pool.inUse());
            Packet[] b = new Packet[4];
            assertEquals(0, pool.allocBulk(b, 4));
            assertNull(b[0]);
            assertEquals(8, pool.inUse(), "a failed bulk allocation takes nothing");
            assertEquals(2, pool.allocBulk(b, 2));
            assertNull(pool.alloc());
            Set<Integer> slots = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                slots.add(a[i].slot);
            }
            slots.add(b[0].slot);
            slots.add(b[1].slot);
            assertEquals(10, slots.size(), "every slot handed out once");
            pool.freeBulk(a, 8);
            pool.freeBulk(b, 2);
            PoolAssertions.assertNoLeaks(pool);
        }
    }

    @Test
    void descriptorsAreReusedAndReset() {
        try (PacketPool pool = PacketPool.create(1, 256)) {
            Packet p = pool.alloc();
            p.offset -= 40;
            p.length = 100;
            p.result = 7;
            p.flowHash = 99;
            pool.free(p);
            Packet q = pool.alloc();
            assertSame(p, q);
            assertEquals(q.base + 256, q.offset);
            assertEquals(0, q.length);
            assertEquals(0, q.result);
            assertEquals(0, q.flowHash);
            pool.free(q);
            PoolAssertions.assertNoLeaks(pool);
        }
    }

    @Test
    void doubleFreeIsCountedNotFatal() {
        try (PacketPool pool = PacketPool.create(4, 256)) {
            Packet p = pool.alloc();
            assertTrue(pool.free(p));
            assertFalse(pool.free(p));
            assertEquals(1, pool.doubleFrees());
            assertEquals(0, pool.inUse());
            Packet q = pool.alloc();
            assertTrue(pool.release(q));
            assertFalse(pool.release(q), "second release before reclaim");
            assertFalse(pool.free(q), "free after release");
            assertEquals(3, pool.doubleFrees());
            assertEquals(0, pool.inUse());
            assertEquals(4, pool.available(), "the free list holds each slot once");
        }
    }

    @Test
    void foreignAndUnpooledFreesAreCounted() {
        try (PacketPool a = PacketPool.create(2, 256); PacketPool b = PacketPool.create(2, 256)) {
            assertNotSame(a.id(), b.id());
            Packet pa = a.alloc();
            assertFalse(b.free(pa));
            assertFalse(b.free(new Packet()));
            assertEquals(2, b.foreignFrees());
            assertSame(a, PacketPool.home(pa));
            assertTrue(PacketPool.releaseHome(pa));
            PoolAssertions.assertNoLeaks(a);
            PoolAssertions.assertNoLeaks(b);
        }
    }

    @Test
    void releaseFromOtherThreadsReturnsToTheOwner() throws Exception {
        try (PacketPool pool = PacketPool.create(64, 256)) {
            Packet[] ps = new Packet[64];
            assertEquals(64, pool.allocBulk(ps, 64));
            for (int i = 0; i < 64; i++) {
                ps[i].segment.set(java.lang.foreign.ValueLayout.JAVA_BYTE, ps[i].offset, (byte) i);
            }
            List<CompletableFuture<Integer>> released = new ArrayList<>();
            try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
                for (int t = 0; t < 4; t++) {
                    int from = t * 16;
                    released.add(CompletableFuture.supplyAsync(() -> {
                        int ok = 0;
                        for (int i = from; i < from + 16; i++) {
                            ok += pool.release(ps[i]) ? 1 : 0;
                        }
                        return ok;
                    }, threads));
                }
                for (CompletableFuture<Integer> r : released) {
                    assertEquals(16, r.get(), "every release of a packet in use succeeds");
                }
            }
            assertEquals(0, pool.available(), "released slots wait for the owner");
            assertEquals(64, pool.allocBulk(ps, 64), "allocation reclaims released slots");
            pool.freeBulk(ps, 64);
            PoolAssertions.assertNoLeaks(pool);
        }
    }

    @Test
    void poolIdIsReusedAfterClose() {
        PacketPool a = PacketPool.create(1, 64);
        int id = a.id();
        Packet p = a.alloc();
        a.close();
        assertNull(PacketPool.home(p));
        assertFalse(PacketPool.releaseHome(p));
        try (PacketPool b = PacketPool.create(1, 64)) {
            assertTrue(b.id() >= 0);
            byte[] frame = {1, 2, 3};
            Packet q = b.alloc();
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, q.segment, q.offset, 3);
            q.length = 3;
            assertArrayEquals(frame, q.toByteArray());
            b.free(q);
            assertTrue(id >= 0);
        }
    }

    /**
     * Runs {@code task} on another thread and returns its result: an exception or assertion error
     * there is rethrown here (wrapped in an {@link java.util.concurrent.ExecutionException}), so it
     * fails the test. What the task did happens-before the return.
     */
    static <T> T onOtherThread(java.util.function.Supplier<T> task) throws Exception {
        try (ExecutorService thread = Executors.newSingleThreadExecutor()) {
            return CompletableFuture.supplyAsync(task, thread).get();
        }
    }
}
