package dev.psp.engine.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Arguments a caller should never pass, on every backend: each is an {@link AeadEngine#ERROR}
 * (the API's failure value), never a native access outside the memory the call was given, never a
 * JVM crash. The native backends hand raw addresses to C, so the Java side's checks are all that
 * stands between such an argument and the process.
 */
class AeadBackendMisuseTest {
    private static final int TAG = AeadEngine.TAG_LENGTH;

    static Stream<AeadBackend> backends() {
        return AeadBackends.all().stream();
    }

    /** The backends with native frame and TSO sealers (the shim's). */
    static Stream<AeadBackend> shimBackends() {
        return backends().filter(b -> b instanceof ShimAeadBackend);
    }

    private static void assumeAvailable(AeadBackend b) {
        Assumptions.assumeTrue(b.isAvailable(), () -> b.name() + " unavailable: " + b.unavailabilityCause());
    }

    private static AeadKey key(AeadEngine e) {
        return e.prepareKey(null, MemorySegment.ofArray(new byte[16]), 0, 16);
    }

    private static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * A split source offset so large that {@code srcOff + srcLen} wraps past {@code Long.MAX_VALUE}:
     * the bounds check {@code srcOff + srcLen > src.byteSize()} passed, and the shim and OpenSSL
     * read {@code srcLen} bytes from {@code src.address() + srcOff}, a wild address (the JVM died of
     * SIGSEGV). Single split seals and bursts, staged or not.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void splitSourceOffsetThatOverflowsIsAnError(AeadBackend b) {
        assumeAvailable(b);
        try (Arena arena = Arena.ofConfined(); AeadEngine e = b.newEngine()) {
            AeadKey k = key(e);
            MemorySegment seg = arena.allocate(256);
            MemorySegment src = arena.allocate(256);
            seg.fill((byte) 7);
            byte[] before = bytes(seg);
            for (long srcOff : new long[] {Long.MAX_VALUE - 10, Long.MAX_VALUE, Long.MAX_VALUE - 49}) {
                assertSplitRefused(e, k, seg, 0, 16, 100, src, srcOff, 50, b.name() + " at " + srcOff);
            }
            assertArrayEquals(before, bytes(seg), b.name() + ": a refused record is left as it was");
        }
    }

    /** The split record is refused by sealSplit and by a burst, staging split heads or not. */
    private static void assertSplitRefused(AeadEngine e, AeadKey k, MemorySegment seg, long off, int aad, int text,
                                           MemorySegment src, long srcOff, int srcLen, String what) {
        assertEquals(AeadEngine.ERROR, e.sealSplit(k, seg, off, aad, text, src, srcOff, srcLen), what + " sealSplit");
        for (boolean stage : new boolean[] {false, true}) {
            AeadBurst burst = new AeadBurst(2);
            burst.stageSplitHeads(stage);
            burst.addSplit(k, seg, off, aad, text, src, srcOff, srcLen);
            assertEquals(0, e.sealBurst(burst), what + " sealBurst");
            assertEquals(AeadEngine.ERROR, burst.status(0), what + " sealBurst status");
        }
    }

    /**
     * A split source longer than the record's text ({@code srcLen > textLen}): the shim copied a
     * source it cannot stream (heap memory) to {@code off + aadLen + textLen - srcLen}, in front of
     * the text (over the AAD and before the record: bytes outside the record changed), then sealed
     * in place and said OK. The JDK and OpenSSL backends refuse it; so must the shim.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void splitSourceLongerThanTheTextIsAnErrorAndWritesNothing(AeadBackend b) {
        assumeAvailable(b);
        try (Arena arena = Arena.ofConfined(); AeadEngine e = b.newEngine()) {
            AeadKey k = key(e);
            MemorySegment heapSrc = MemorySegment.ofArray(new byte[256]);
            heapSrc.fill((byte) 0x55);
            for (MemorySegment seg : new MemorySegment[] {arena.allocate(256), MemorySegment.ofArray(new byte[256])}) {
                for (MemorySegment src : new MemorySegment[] {heapSrc, arena.allocate(256)}) {
                    seg.fill((byte) 7);
                    byte[] before = bytes(seg);
                    String what = b.name() + (seg.isNative() ? " native" : " heap") + " record, "
                            + (src.isNative() ? "native" : "heap") + " source";
                    assertSplitRefused(e, k, seg, 100, 16, 10, src, 0, 60, what);
                    assertArrayEquals(before, bytes(seg), what + ": a refused record was written");
                }
            }
        }
    }

    /**
     * Memory the caller may no longer touch: a segment of a closed arena (freed), and one of a
     * confined arena owned by another thread. The JDK backend's copies refuse both; the native
     * backends took the address and sealed into it (a use after free: with the allocator handing
     * the freed block to the next allocation of its size, the seal changed another arena's
     * memory). Records and split sources, single calls and bursts.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void closedOrOtherThreadsMemoryIsAnError(AeadBackend b) throws Exception {
        assumeAvailable(b);
        try (AeadEngine e = b.newEngine(); Arena live = Arena.ofConfined()) {
            AeadKey k = key(e);
            Arena gone = Arena.ofConfined();
            MemorySegment stale = gone.allocate(4096, 64);
            MemorySegment staleSrc = gone.allocate(4096, 64);
            gone.close();
            MemorySegment fresh = live.allocate(4096, 64); // likely the freed block
            fresh.fill((byte) 7);
            byte[] before = bytes(fresh);
            MemorySegment[] foreign = new MemorySegment[1];
            Thread t = new Thread(() -> foreign[0] = Arena.ofConfined().allocate(4096, 64));
            t.start();
            t.join();
            MemorySegment seg = live.allocate(4096, 64);
            for (MemorySegment bad : new MemorySegment[] {stale, foreign[0]}) {
                String what = b.name() + (bad == stale ? " closed arena" : " other thread's arena");
                assertEquals(AeadEngine.ERROR, e.seal(k, bad, 0, 16, 1000), what + " seal");
                assertEquals(AeadEngine.ERROR, e.open(k, bad, 0, 16, 1000), what + " open");
                assertEquals(AeadEngine.ERROR, e.sealSplit(k, bad, 0, 16, 1000, seg, 2000, 500), what + " sealSplit record");
                assertEquals(AeadEngine.ERROR, e.sealSplit(k, seg, 0, 16, 1000, bad, 2000, 500), what + " sealSplit source");
                AeadBurst burst = new AeadBurst(4);
                burst.stageSplitHeads(true);
                burst.add(k, bad, 0, 16, 1000);
                burst.addSplit(k, seg, 0, 16, 1000, bad, 2000, 500);
                assertEquals(0, e.sealBurst(burst), what + " sealBurst");
                burst.clear();
                burst.add(k, bad, 0, 16, 1000);
                assertEquals(0, e.openBurst(burst), what + " openBurst");
            }
            assertArrayEquals(before, bytes(fresh), b.name() + ": memory of another arena changed");
        }
    }

    /**
     * An engine used after {@link AeadEngine#close()} (twice) with a key another engine of its
     * backend prepared (the engine's own keys are destroyed by close): OpenSSL sealed through
     * the closed engine's freed scratch (EVP wrote the output length into it: 4 bytes written into
     * whatever the allocator reused the block for), the shim threw IllegalStateException where
     * the API promises a status. Both now refuse every record (ERROR). The JDK backend keeps no
     * native state; it only must not throw.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void closedEngineRefusesEveryRecord(AeadBackend b) {
        assumeAvailable(b);
        try (AeadEngine live = b.newEngine(); Arena arena = Arena.ofShared()) {
            AeadKey k = key(live);
            AeadEngine e = b.newEngine();
            AeadKey own = key(e);
            e.close();
            e.close();
            // the size and alignment of the OpenSSL engine's scratch, likely its freed block
            MemorySegment fresh = arena.allocate(64 + JdkAeadBackend.MAX_RECORD, 64);
            fresh.fill((byte) 0x5a);
            byte[] before = bytes(fresh);
            MemorySegment seg = arena.allocate(4096, 64);
            MemorySegment heap = MemorySegment.ofArray(new byte[4096]);
            boolean nativeBackend = b != AeadBackends.jdk();
            for (MemorySegment s : new MemorySegment[] {seg, heap}) {
                String what = b.name() + (s.isNative() ? " native" : " heap") + " record";
                for (AeadKey key : new AeadKey[] {k, own}) {
                    s.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, System.nanoTime()); // a fresh nonce: the JDK refuses a repeat
                    int[] rcs = {
                        e.seal(key, s, 0, 16, 1000),
                        e.open(key, s, 0, 16, 1000),
                        e.sealSplit(key, s, 0, 16, 1000, seg, 2000, 500),
                    };
                    AeadBurst burst = new AeadBurst(2);
                    burst.add(key, s, 0, 16, 1000);
                    burst.addSplit(key, s, 0, 16, 1000, seg, 2000, 500);
                    int sealed = e.sealBurst(burst);
                    burst.clear();
                    burst.add(key, s, 0, 16, 1000);
                    int opened = e.openBurst(burst);
                    if (nativeBackend) {
                        assertArrayEquals(new int[] {AeadEngine.ERROR, AeadEngine.ERROR, AeadEngine.ERROR}, rcs, what);
                        assertEquals(0, sealed, what + " sealBurst");
                        assertEquals(0, opened, what + " openBurst");
                    }
                }
            }
            assertArrayEquals(before, bytes(fresh), b.name() + ": the closed engine wrote into freed memory");
        }
    }

    /** Eight blocks of {@code size} bytes at 128-byte alignment, filled with 7: where freed blocks of that size go next. */
    private static MemorySegment[] blocks(Arena arena, long size) {
        MemorySegment[] b = new MemorySegment[8];
        for (int i = 0; i < b.length; i++) {
            b[i] = arena.allocate(size, 128);
            b[i].fill((byte) 7);
        }
        return b;
    }

    private static boolean untouched(MemorySegment[] blocks) {
        for (MemorySegment b : blocks) {
            for (long i = 0; i < b.byteSize(); i++) {
                if (b.get(ValueLayout.JAVA_BYTE, i) != 7) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The shim's {@link TsoSealer} and {@link FrameSealer} after their engine closed: {@code add}
     * stored the segment's or frame's descriptor into the engine's freed arrays (the stores landed
     * in blocks the allocator had handed to the next arena), and {@code status} read them back.
     * Also a TSO {@code add} after a {@code begin} that refused (a key the shim cannot use): it
     * queued segments against the previous super-packet's template and key. Every such call is
     * refused.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shimBackends")
    void sealersOfAClosedEngineRefuseAndWriteNothing(AeadBackend b) {
        assumeAvailable(b);
        try (AeadEngine other = b.newEngine(); AeadEngine jdk = AeadBackends.jdk().newEngine(); Arena arena = Arena.ofShared()) {
            AeadEngine e = b.newEngine();
            TsoSealer tso = e.tsoSealer(8);
            FrameSealer frames = e.frameSealer(8);
            Assumptions.assumeTrue(tso != null && frames != null, () -> b.name() + " has no native sealers");
            AeadKey k = key(e);
            AeadKey foreign = key(other); // same implementation: usable by e
            MemorySegment tmpl = arena.allocate(256);
            assertTrue(tso.begin(k, 0, tmpl.address(), 64, 14, 16, 100, 50, 0, 0, 0, 0, 0, 0, 0, 0));
            assertFalse(tso.begin(key(jdk), 0, tmpl.address(), 64, 14, 16, 100, 50, 0, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(-1, tso.add(0, 0, 1, 1, 1, 0), b.name() + ": TSO add after a refused begin");
            frames.clear(false);
            e.close();
            MemorySegment[] freed = blocks(arena, 512);
            assertFalse(tso.begin(k, 0, tmpl.address(), 64, 14, 16, 100, 50, 0, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(-1, tso.add(0x1111111111111111L, 0x2222222222222222L, 3, 4, 5, 6), b.name() + ": TSO add after close");
            assertEquals(0, tso.seal());
            assertEquals(-1, frames.add(foreign, 0x1111111111111111L, 100, 3, 4, 5, 6), b.name() + ": frame add after close");
            assertEquals(0, frames.seal());
            assertTrue(untouched(freed), b.name() + ": a closed engine's sealer wrote into freed memory");
        }
    }
}
