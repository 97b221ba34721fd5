package dev.psp.engine.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.psp.Packet;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PcapWriterTest {
    @TempDir
    Path dir;

    @Test
    void defaultsWriteMicrosecondEthernetLittleEndian() throws IOException {
        Path f = dir.resolve("d.pcap");
        byte[] pkt = PcapBytes.data(60, 1);
        try (PcapWriter w = PcapWriter.create(f)) {
            w.write(MemorySegment.ofArray(pkt), 0, 60, 1647448841L, 809_251_999);
        }
        byte[] expected = PcapBytes.classic(ByteOrder.LITTLE_ENDIAN, false, 9014, 1)
                .record(1647448841L, 809_251, pkt, 60).toArray();
        assertArrayEquals(expected, Files.readAllBytes(f));
    }

    @Test
    void nanosecondOptionSnaplenTruncationAndOrigLen() throws IOException {
        Path f = dir.resolve("n.pcap");
        byte[] big = PcapBytes.data(200, 2);
        try (Arena arena = Arena.ofConfined(); PcapWriter w = PcapWriter.create(f, 100, 101, true)) {
            MemorySegment seg = arena.allocate(300);
            MemorySegment.copy(MemorySegment.ofArray(big), 0, seg, 50, 200);
            w.write(seg, 50, 200, 7, 999_999_999);          // cut to snaplen 100, orig 200
            w.write(seg, 50, 10, 1500, 0xFFFF_FFFFL, 1);     // explicit original length
            w.write(seg, 0, 0, 0, 0);                        // empty packet
        }
        byte[] expected = PcapBytes.classic(ByteOrder.LITTLE_ENDIAN, true, 100, 101)
                .record(7, 999_999_999, Arrays.copyOf(big, 100), 200)
                .record(0xFFFF_FFFFL, 1, Arrays.copyOf(big, 10), 1500)
                .record(0, 0, new byte[0], 0)
                .toArray();
        assertArrayEquals(expected, Files.readAllBytes(f));
        try (PcapReader r = PcapReader.open(f)) {
            assertTrue(r.nanosecondResolution());
            assertEquals(100, r.snapLength());
            assertTrue(r.next());
            assertEquals(101, r.linkType());
            assertEquals(100, r.capturedLength());
            assertEquals(200, r.originalLength());
            assertEquals(999_999_999, r.timestampNanos());
            assertTrue(r.next());
            assertEquals(0xFFFF_FFFFL, r.timestampSeconds());
            assertEquals(1, r.timestampNanos());
            assertEquals(1500, r.originalLength());
            assertTrue(r.next());
            assertEquals(0, r.capturedLength());
            assertFalse(r.next());
            assertFalse(r.truncated());
        }
    }

    @Test
    void roundTripAcrossManyBufferFlushes() throws IOException {
        Path f = dir.resolve("many.pcap");
        int n = 400;  // about 3.6 MB through the 1 MiB buffer
        try (Arena arena = Arena.ofConfined(); PcapWriter w = PcapWriter.create(f)) {
            MemorySegment slab = arena.allocate(9014);
            for (int i = 0; i < n; i++) {
                int len = 1 + (i * 7919) % 9014;
                slab.fill((byte) i);
                w.write(slab, 0, len, 1_000_000L + i, i * 1000);
                if (i == n / 2) {
                    w.flush();
                }
            }
        }
        try (PcapReader r = PcapReader.open(f)) {
            for (int i = 0; i < n; i++) {
                assertTrue(r.next(), "record " + i);
                int len = 1 + (i * 7919) % 9014;
                assertEquals(len, r.capturedLength());
                assertEquals(len, r.originalLength());
                assertEquals(1_000_000L + i, r.timestampSeconds());
                assertEquals(i * 1000, r.timestampNanos());
                byte[] expect = new byte[len];
                Arrays.fill(expect, (byte) i);
                assertArrayEquals(expect, PcapReaderTest.packet(r));
            }
            assertFalse(r.next());
            assertFalse(r.truncated());
        }
    }

    @Test
    void badArgumentsThrowAndWriteNothing() throws IOException {
        Path f = dir.resolve("bad.pcap");
        assertThrows(IllegalArgumentException.class, () -> PcapWriter.create(f, 0, 1, false));
        MemorySegment seg = MemorySegment.ofArray(new byte[10]);
        PcapWriter w = PcapWriter.create(f);
        assertThrows(IllegalArgumentException.class, () -> w.write(seg, 0, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> w.write(seg, 0, 10, 9, 0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> w.write(seg, 5, 10, 0, 0));
        w.close();
        w.close();
        assertThrows(IllegalStateException.class, () -> w.write(seg, 0, 10, 0, 0));
        assertEquals(24, Files.size(f), "only the global header");
    }

    /**
     * A timestamp classic pcap cannot hold (seconds outside 0..2^32-1, as pcapng timestamps, a
     * binary if_tsresol or a negative if_tsoffset give) is clamped to the nearest representable
     * instant, the fraction kept in 0..1 s; the record is written, nothing throws.
     */
    @ParameterizedTest(name = "nanos={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void timestampsOutsideTheClassicRangeAreClampedNotThrown(boolean nanos) throws IOException {
        Path f = dir.resolve("clamp.pcap");
        byte[] pkt = PcapBytes.data(20, 7);
        MemorySegment seg = MemorySegment.ofArray(pkt);
        long max = 0xFFFF_FFFFL;
        long maxFrac = nanos ? 999_999_999 : 999_999;
        try (PcapWriter w = PcapWriter.create(f, 100, 1, nanos)) {
            w.write(seg, 0, 20, -1, 500);                      // before the epoch
            w.write(seg, 0, 20, Long.MIN_VALUE, 999_999_999);
            w.write(seg, 0, 20, 1L << 32, 0);                  // past 2106
            w.write(seg, 0, 20, 1L << 40, 123_456_789);
            w.write(seg, 0, 20, Long.MAX_VALUE, 0);
            w.write(seg, 0, 20, 9, -1);                        // fraction out of range: kept inside the second
            w.write(seg, 0, 20, 9, 1_000_000_000);
            w.write(seg, 0, 20, 9, Integer.MAX_VALUE);
            w.write(seg, 0, 20, max, 999_999_999);             // the bounds themselves are unchanged
            w.write(seg, 0, 20, 0, 0);
            Packet p = new Packet().wrap(seg, 0, 20, 0, 20);    // the Packet path too
            p.tsSeconds = -5_000_000_000L;
            p.tsNanos = 42;
            w.write(p);
            p.tsSeconds = 1L << 33;
            w.write(p);
        }
        byte[] expected = PcapBytes.classic(ByteOrder.LITTLE_ENDIAN, nanos, 100, 1)
                .record(0, 0, pkt, 20)
                .record(0, 0, pkt, 20)
                .record(max, maxFrac, pkt, 20)
                .record(max, maxFrac, pkt, 20)
                .record(max, maxFrac, pkt, 20)
                .record(9, 0, pkt, 20)
                .record(9, maxFrac, pkt, 20)
                .record(9, maxFrac, pkt, 20)
                .record(max, maxFrac, pkt, 20)
                .record(0, 0, pkt, 20)
                .record(0, 0, pkt, 20)
                .record(max, maxFrac, pkt, 20)
                .toArray();
        assertArrayEquals(expected, Files.readAllBytes(f));
        try (PcapReader r = PcapReader.open(f)) {
            int n = 0;
            while (r.next()) {
                n++;
            }
            assertEquals(12, n);
            assertFalse(r.truncated(), r.error());
        }
    }

    static Stream<Path> googleFiles() throws IOException {
        return PcapReaderTest.googleFiles();
    }

    /** write(read(x)) reproduces x: whole file when snaplen and magic match, else every record byte. */
    @ParameterizedTest
    @MethodSource("googleFiles")
    void rewritingGoogleVectorsReproducesTheirBytes(Path in) throws IOException {
        Path out = dir.resolve("out.pcap");
        try (PcapReader r = PcapReader.open(in);
             PcapWriter w = PcapWriter.create(out, (int) r.snapLength(), 1, r.nanosecondResolution())) {
            while (r.next()) {
                w.write(r.segment(), r.dataOffset(), r.capturedLength(), r.originalLength(),
                        r.timestampSeconds(), r.timestampNanos());
            }
            assertFalse(r.truncated(), r.error());
        }
        assertArrayEquals(Files.readAllBytes(in), Files.readAllBytes(out), in.toString());
    }

    @Test
    void v4CleartextRecordsSurviveADifferentSnaplen() throws IOException {
        Path in = PcapBytes.googlePsp().resolve("cleartext/v4_cleartext.pcap");
        Path out = dir.resolve("v4.pcap");
        try (PcapReader r = PcapReader.open(in); PcapWriter w = PcapWriter.create(out)) {
            assertTrue(r.next());
            w.write(r.segment(), r.dataOffset(), r.capturedLength(), r.timestampSeconds(), r.timestampNanos());
        }
        byte[] a = Files.readAllBytes(in);
        byte[] b = Files.readAllBytes(out);
        assertArrayEquals(Arrays.copyOfRange(a, 24, a.length), Arrays.copyOfRange(b, 24, b.length));
        assertEquals(9014, (b[16] & 0xff) | (b[17] & 0xff) << 8);
    }

    /**
     * A chained packet (zero-copy GRO) is one record gathered from the head and each fragment,
     * original length the whole frame, cut at the snap length wherever that falls: inside the
     * head, at its end, inside a fragment, at a fragment boundary, at the frame's end, beyond it.
     */
    @Test
    void chainedPacketIsGatheredAndCutAtTheSnapLength() throws IOException {
        byte[] frame = PcapBytes.data(100, 3);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slab = arena.allocate(1024);
            // head: frame[0, 40) at 16; fragments: frame[40, 70) at 300 and frame[70, 100) at 600,
            // each fragment's contribution behind bytes that must not be written (its own headers)
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, slab, 16, 40);
            MemorySegment.copy(MemorySegment.ofArray(frame), 40, slab, 300 + 7, 30);
            MemorySegment.copy(MemorySegment.ofArray(frame), 70, slab, 600 + 9, 30);
            Packet f2 = new Packet().wrap(slab, 600, 700, 600, 39);
            f2.fragOffset = 609;
            f2.fragLength = 30;
            Packet f1 = new Packet().wrap(slab, 300, 400, 300, 37);
            f1.fragOffset = 307;
            f1.fragLength = 30;
            f1.next = f2;
            Packet h = new Packet().wrap(slab, 0, 100, 16, 40);
            h.next = f1;
            h.chainCount = 2;
            h.chainBytes = 60;
            h.tsSeconds = 5;
            h.tsNanos = 6000;
            assertArrayEquals(frame, h.toByteArray());
            for (int snap : new int[] {1, 25, 40, 41, 55, 70, 71, 99, 100, 101, 9014}) {
                Path f = dir.resolve("chain-" + snap + ".pcap");
                try (PcapWriter w = PcapWriter.create(f, snap, 1, false)) {
                    w.write(h);
                }
                int cap = Math.min(snap, 100);
                byte[] expected = PcapBytes.classic(ByteOrder.LITTLE_ENDIAN, false, snap, 1)
                        .record(5, 6, Arrays.copyOf(frame, cap), 100).toArray();
                assertArrayEquals(expected, Files.readAllBytes(f), "snaplen " + snap);
                // the gather itself: exactly cap bytes, nothing behind them
                byte[] dst = new byte[128];
                Arrays.fill(dst, (byte) 0x5a);
                assertEquals(cap, h.copyFrameTo(MemorySegment.ofArray(dst), 3, snap));
                assertArrayEquals(Arrays.copyOf(frame, cap), Arrays.copyOfRange(dst, 3, 3 + cap));
                for (int i = 3 + cap; i < dst.length; i++) {
                    assertEquals((byte) 0x5a, dst[i], "byte " + i + " behind the limit, snaplen " + snap);
                }
            }
            assertEquals(0, h.copyFrameTo(slab, 900, 0));
            assertThrows(IllegalArgumentException.class, () -> h.copyFrameTo(slab, 900, -1));
        }
    }

    /**
     * A chain that does not hold what its head declares ({@code chainCount} descriptors adding
     * {@code chainBytes}) is refused and nothing is written: a chain shorter than declared left
     * the record's tail as the buffer held it (bytes of an earlier record, another packet's, went
     * into this one), a cycle of empty fragments never ended (the writer hung), a negative
     * fragment length threw from the gather after the record header was reserved.
     */
    @Test
    void aChainThatDoesNotMatchItsHeadIsRefusedAndNothingWritten() throws Exception {
        Path f = dir.resolve("bad-chain.pcap");
        try (Arena arena = Arena.ofShared(); PcapWriter w = PcapWriter.create(f)) {
            MemorySegment slab = arena.allocate(1024);
            MemorySegment secret = MemorySegment.ofArray(new byte[200]);
            secret.fill((byte) 0x41);
            w.write(secret, 0, 200, 0, 0);
            w.flush(); // the buffer starts over, its bytes still there
            long size = Files.size(f);
            Packet shortChain = new Packet().wrap(slab, 0, 100, 16, 40);
            shortChain.chainCount = 2;
            shortChain.chainBytes = 60; // no fragments at all
            Packet loop = new Packet().wrap(slab, 200, 300, 200, 10);
            loop.fragOffset = 200;
            loop.fragLength = 0;
            loop.next = loop;
            Packet cycle = new Packet().wrap(slab, 0, 100, 16, 40);
            cycle.next = loop;
            cycle.chainCount = 1;
            cycle.chainBytes = 5;
            Packet negative = new Packet().wrap(slab, 200, 300, 200, 10);
            negative.fragOffset = 200;
            negative.fragLength = -4;
            Packet negHead = new Packet().wrap(slab, 0, 100, 16, 40);
            negHead.next = negative;
            negHead.chainCount = 1;
            negHead.chainBytes = 0;
            for (Packet bad : new Packet[] {shortChain, cycle, negHead}) { // on a thread of its own: a hang fails the test
                var write = new java.util.concurrent.FutureTask<>(() -> assertThrows(IllegalArgumentException.class, () -> w.write(bad)));
                Thread.ofPlatform().daemon().start(write);
                write.get(10, java.util.concurrent.TimeUnit.SECONDS); // TimeoutException: the write never returned
            }
            w.flush();
            assertEquals(size, Files.size(f), "a refused chain wrote a record");
        }
    }

    /**
     * A write that fails part-way (disk full for a moment) must not write the buffer's first bytes
     * twice when the next flush succeeds: the file is the records in order, each once (it repeated
     * everything from the buffer's start).
     */
    @Test
    void aFlushThatFailedPartWayResumesWhereItStopped() throws IOException {
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        int[] failAfter = {30}; // the first write call takes 30 bytes, then the next one fails, once
        java.nio.channels.WritableByteChannel ch = new java.nio.channels.WritableByteChannel() {
            @Override
            public int write(java.nio.ByteBuffer src) throws IOException {
                if (failAfter[0] == 0) {
                    failAfter[0] = -1;
                    throw new IOException("No space left on device");
                }
                int n = failAfter[0] > 0 ? Math.min(failAfter[0], src.remaining()) : src.remaining();
                failAfter[0] = failAfter[0] > 0 ? 0 : failAfter[0];
                byte[] b = new byte[n];
                src.get(b);
                file.write(b, 0, n);
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        byte[] a = PcapBytes.data(60, 1);
        byte[] b = PcapBytes.data(70, 2);
        try (PcapWriter w = PcapWriter.over(ch, 9014, PcapWriter.LINKTYPE_ETHERNET, false)) {
            w.write(MemorySegment.ofArray(a), 0, 60, 1L, 0);
            assertThrows(IOException.class, w::flush);
            w.write(MemorySegment.ofArray(b), 0, 70, 2L, 0);
        }
        byte[] expected = PcapBytes.classic(ByteOrder.LITTLE_ENDIAN, false, 9014, 1)
                .record(1L, 0, a, 60).record(2L, 0, b, 70).toArray();
        assertArrayEquals(expected, file.toByteArray());
    }
}
