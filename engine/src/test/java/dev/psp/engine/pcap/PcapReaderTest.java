package dev.psp.engine.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PcapReaderTest {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    @TempDir
    Path dir;

    static byte[] packet(PcapReader r) {
        return r.segment().asSlice(r.dataOffset(), r.capturedLength()).toArray(ValueLayout.JAVA_BYTE);
    }

    static Stream<Arguments> classicVariants() {
        return Stream.of(Arguments.of(LE, false), Arguments.of(LE, true), Arguments.of(BE, false), Arguments.of(BE, true));
    }

    @ParameterizedTest(name = "{0} nanos={1}")
    @MethodSource("classicVariants")
    void classicEveryByteOrderAndResolution(ByteOrder order, boolean nanos) throws IOException {
        byte[] a = PcapBytes.data(60, 1);
        byte[] b = PcapBytes.data(1500, 2);
        long frac1 = nanos ? 999_999_999 : 999_999;
        Path f = PcapBytes.classic(order, nanos, 1500, 105)
                .record(1647448841L, frac1, a, 60)
                .record(0xFFFF_FFF0L, 0, b, 9000)
                .record(7, 1, new byte[0], 0)
                .write(dir.resolve("c.pcap"));
        try (PcapReader r = PcapReader.open(f)) {
            assertFalse(r.isPcapng());
            assertEquals(nanos, r.nanosecondResolution());
            assertEquals(1500, r.snapLength());
            assertTrue(r.next());
            assertEquals(24, r.recordOffset());
            assertEquals(40, r.dataOffset());
            assertEquals(60, r.capturedLength());
            assertEquals(60, r.originalLength());
            assertEquals(1647448841L, r.timestampSeconds());
            assertEquals(999_999_999 - (nanos ? 0 : 999), r.timestampNanos());
            assertEquals(105, r.linkType());
            assertArrayEquals(a, packet(r));
            assertTrue(r.next());
            assertEquals(40 + 60 + 16, r.dataOffset());
            assertEquals(1500, r.capturedLength());
            assertEquals(9000, r.originalLength());
            assertEquals(0xFFFF_FFF0L, r.timestampSeconds(), "seconds are unsigned 32-bit");
            assertEquals(0, r.timestampNanos());
            assertArrayEquals(b, packet(r));
            assertTrue(r.next());
            assertEquals(0, r.capturedLength());
            assertEquals(nanos ? 1 : 1000, r.timestampNanos());
            assertFalse(r.next());
            assertFalse(r.next());
            assertFalse(r.truncated());
            assertNull(r.error());
            assertEquals(-1, r.errorOffset());
        }
    }

    @Test
    void classicHeaderOnlyHasNoRecords() throws IOException {
        Path f = PcapBytes.classic(LE, false, 65535, 1).write(dir.resolve("empty.pcap"));
        try (PcapReader r = PcapReader.open(f)) {
            assertFalse(r.next());
            assertFalse(r.truncated());
        }
    }

    @Test
    void pcapngAllBlockKinds() throws IOException {
        byte[] p0 = PcapBytes.data(61, 3);   // padded to 64
        byte[] p1 = PcapBytes.data(40, 4);
        byte[] p2 = PcapBytes.data(64, 5);
        byte[] spb = PcapBytes.data(30, 6);  // padded to 32
        long usTs = 1647448841L * 1_000_000 + 809_251;
        long nsTs = 1647448842L * 1_000_000_000 + 123_456_789;
        Path f = PcapBytes.pcapng().shb(LE)
                .idb(1, 0)                                        // Ethernet, us default, no snaplen
                .block(4, PcapBytes.data(20, 9))                  // Name Resolution Block: skipped
                .idb(101, 128, 9, 0)                              // raw IP, if_tsresol 10^-9
                .epb(0, usTs, p0, 1514)
                .block(0x40000BAD, PcapBytes.data(12, 10))        // custom block: skipped
                .epb(1, nsTs, p1, 40)
                .block(5, PcapBytes.data(24, 11))                 // Interface Statistics Block: skipped
                .spb(30, spb)
                .epb(1, 0, p2, 64)
                .write(dir.resolve("all.pcapng"));
        try (PcapReader r = PcapReader.open(f)) {
            assertTrue(r.isPcapng());
            assertFalse(r.nanosecondResolution());

            assertTrue(r.next());
            assertEquals(0, r.interfaceId());
            assertEquals(1, r.linkType());
            assertEquals(0, r.snapLength());
            assertEquals(61, r.capturedLength());
            assertEquals(1514, r.originalLength());
            assertEquals(1647448841L, r.timestampSeconds());
            assertEquals(809_251_000, r.timestampNanos());
            assertEquals(r.recordOffset() + 28, r.dataOffset());
            assertArrayEquals(p0, packet(r));

            assertTrue(r.next());
            assertEquals(1, r.interfaceId());
            assertEquals(101, r.linkType());
            assertEquals(128, r.snapLength());
            assertEquals(40, r.capturedLength());
            assertEquals(40, r.originalLength());
            assertEquals(1647448842L, r.timestampSeconds());
            assertEquals(123_456_789, r.timestampNanos());
            assertArrayEquals(p1, packet(r));

            assertTrue(r.next());
            assertEquals(0, r.interfaceId());
            assertEquals(1, r.linkType());
            assertEquals(30, r.capturedLength(), "SPB: min(orig 30, unlimited snaplen, 32 bytes of room)");
            assertEquals(30, r.originalLength());
            assertEquals(0, r.timestampSeconds());
            assertEquals(0, r.timestampNanos());
            assertEquals(r.recordOffset() + 12, r.dataOffset());
            assertArrayEquals(spb, packet(r));

            assertTrue(r.next());
            assertEquals(1, r.interfaceId());
            assertEquals(0, r.timestampSeconds());
            assertArrayEquals(p2, packet(r));

            assertFalse(r.next());
            assertFalse(r.truncated());
        }
    }

    @Test
    void binaryTsresolTwoToMinus20() throws IOException {
        long sec = 1_700_000_000L;
        Path f = PcapBytes.pcapng().shb(LE)
                .idb(1, 65535, 0x80 | 20, 0)
                .epb(0, (sec << 20) | (1 << 19), PcapBytes.data(10, 0), 10)
                .epb(0, (sec << 20) | 0x12345, PcapBytes.data(10, 0), 10)
                .epb(0, (sec << 20) | 0xFFFFF, PcapBytes.data(10, 0), 10)
                .write(dir.resolve("bin.pcapng"));
        try (PcapReader r = PcapReader.open(f)) {
            assertTrue(r.next());
            assertEquals(sec, r.timestampSeconds());
            assertEquals(500_000_000, r.timestampNanos());
            assertTrue(r.next());
            assertEquals(sec, r.timestampSeconds());
            assertEquals(71_110_725, r.timestampNanos(), "0x12345 / 2^20 s = 71110725.4 ns, truncated");
            assertTrue(r.next());
            assertEquals(999_999_046, r.timestampNanos(), "(2^20-1) / 2^20 s");
            assertFalse(r.next());
            assertFalse(r.truncated());
        }
    }

    @Test
    void extremeTsresolAndTsoffset() throws IOException {
        Path f = PcapBytes.pcapng().shb(LE)
                .idb(1, 0, 12, 0)             // picoseconds
                .idb(1, 0, 0x80 | 40, 0)      // 2^-40 s: frac * 1e9 overflows 64 bits
                .idb(1, 0, 0, 100)            // whole seconds, if_tsoffset +100 s
                .epb(0, 5_000_000_000_000L + 987_654_321_999L, PcapBytes.data(4, 0), 4)
                .epb(1, (3L << 40) | (1L << 39) | (1L << 38), PcapBytes.data(4, 0), 4)
                .epb(2, 42, PcapBytes.data(4, 0), 4)
                .write(dir.resolve("x.pcapng"));
        try (PcapReader r = PcapReader.open(f)) {
            assertTrue(r.next());
            assertEquals(5, r.timestampSeconds());
            assertEquals(987_654_321, r.timestampNanos());
            assertTrue(r.next());
            assertEquals(3, r.timestampSeconds());
            assertEquals(750_000_000, r.timestampNanos());
            assertTrue(r.next());
            assertEquals(142, r.timestampSeconds());
            assertEquals(0, r.timestampNanos());
            assertFalse(r.next());
            assertFalse(r.truncated());
        }
    }

    /**
     * Whole-second resolutions (10^0, 2^0) make the 64-bit unsigned timestamp the seconds, and
     * if_tsoffset adds a signed 64-bit value: a sum beyond a signed long saturates at
     * Long.MAX_VALUE (it used to wrap to a negative, before-the-epoch time); a negative one stays.
     */
    @Test
    void wholeSecondTimestampsBeyondALongSaturate() throws IOException {
        Path f = PcapBytes.pcapng().shb(LE)
                .idb(1, 0, 0x80, 0)                      // 2^0 s
                .idb(1, 0, 0, -10)                       // 10^0 s, if_tsoffset -10 s
                .idb(1, 0, 0, Long.MAX_VALUE)            // 10^0 s, if_tsoffset 2^63-1 s
                .idb(1, 0, -1, -5_000_000_000L)          // us, if_tsoffset -5e9 s
                .epb(0, (1L << 63) + 5, PcapBytes.data(4, 0), 4)
                .epb(0, -1L, PcapBytes.data(4, 0), 4)
                .epb(1, (1L << 63) + 5, PcapBytes.data(4, 0), 4)
                .epb(1, -1L, PcapBytes.data(4, 0), 4)
                .epb(1, 3, PcapBytes.data(4, 0), 4)
                .epb(2, 1, PcapBytes.data(4, 0), 4)
                .epb(2, 0, PcapBytes.data(4, 0), 4)
                .epb(3, 1_000_000, PcapBytes.data(4, 0), 4)
                .write(dir.resolve("sat.pcapng"));
        long[] expect = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 4, Long.MAX_VALUE, -7,
                Long.MAX_VALUE, Long.MAX_VALUE, 1 - 5_000_000_000L};
        try (PcapReader r = PcapReader.open(f)) {
            for (int i = 0; i < expect.length; i++) {
                assertTrue(r.next(), "record " + i);
                assertEquals(expect[i], r.timestampSeconds(), "record " + i);
                assertEquals(0, r.timestampNanos(), "record " + i);
            }
            assertFalse(r.next());
            assertFalse(r.truncated(), r.error());
        }
    }

    @Test
    void bigEndianSectionsAndInterfaceIdsResetPerSection() throws IOException {
        byte[] a = PcapBytes.data(17, 1);
        byte[] b = PcapBytes.data(33, 2);
        byte[] c = PcapBytes.data(8, 3);
        Path f = PcapBytes.pcapng().shb(BE)
                .idb(1, 65535)
                .idb(113, 65535, 9, 0)                            // Linux cooked capture, ns
                .epb(1, 2_000_000_001L, a, 100)
                .epb(0, 3_000_001L, b, 33)
                .shb(LE)
                .idb(228, 20)                                      // raw IPv4, snaplen 20
                .spb(100, PcapBytes.data(100, 4))                  // captured = snaplen 20
                .shb(BE)
                .idb(229, 0)
                .epb(0, 4_000_000L, c, 8)
                .write(dir.resolve("be.pcapng"));
        try (PcapReader r = PcapReader.open(f)) {
            assertTrue(r.next());
            assertEquals(1, r.interfaceId());
            assertEquals(113, r.linkType());
            assertEquals(17, r.capturedLength());
            assertEquals(100, r.originalLength());
            assertEquals(2, r.timestampSeconds());
            assertEquals(1, r.timestampNanos());
            assertArrayEquals(a, packet(r));
            assertTrue(r.next());
            assertEquals(0, r.interfaceId());
            assertEquals(1, r.linkType());
            assertEquals(3, r.timestampSeconds());
            assertEquals(1000, r.timestampNanos());
            assertArrayEquals(b, packet(r));
            assertTrue(r.next());
            assertEquals(228, r.linkType());
            assertEquals(20, r.capturedLength());
            assertEquals(100, r.originalLength());
            assertArrayEquals(Arrays.copyOf(PcapBytes.data(100, 4), 20), packet(r));
            assertTrue(r.next());
            assertEquals(229, r.linkType());
            assertEquals(4, r.timestampSeconds());
            assertArrayEquals(c, packet(r));
            assertFalse(r.next());
            assertFalse(r.truncated());
        }
    }

    @Test
    void manyInterfacesGrowTables() throws IOException {
        PcapBytes b = PcapBytes.pcapng().shb(LE);
        for (int i = 0; i < 10; i++) {
            b.idb(100 + i, 0);
        }
        for (int i = 9; i >= 0; i--) {
            b.epb(i, i, PcapBytes.data(4, i), 4);
        }
        try (PcapReader r = PcapReader.open(b.write(dir.resolve("many.pcapng")))) {
            for (int i = 9; i >= 0; i--) {
                assertTrue(r.next());
                assertEquals(i, r.interfaceId());
                assertEquals(100 + i, r.linkType());
            }
            assertFalse(r.next());
        }
    }

    // ---- malformed input: open() throws for a bad header, next() skips a bad record it can get past, stops at bad framing ----

    private PcapFormatException openFails(byte[] bytes) throws IOException {
        Path f = Files.write(dir.resolve("bad"), bytes);
        return assertThrows(PcapFormatException.class, () -> PcapReader.open(f).close());
    }

    @Test
    void badGlobalHeaderThrowsFromOpen() throws IOException {
        byte[] classic = PcapBytes.classic(LE, false, 65535, 1).toArray();
        PcapFormatException e = openFails(new byte[0]);
        assertTrue(e.getMessage().contains("offset 0"), e.getMessage());
        e = openFails(Arrays.copyOf(classic, 10));
        assertTrue(e.getMessage().contains("offset 0: truncated pcap global header: 10 of 24"), e.getMessage());
        e = openFails(new byte[] {'G', 'I', 'F', '8', '9', 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        assertTrue(e.getMessage().contains("unknown magic 0x47494638"), e.getMessage());
        assertEquals(0, e.offset());

        byte[] ng = PcapBytes.pcapng().shb(LE).toArray();
        e = openFails(Arrays.copyOf(ng, 20));
        assertTrue(e.getMessage().contains("truncated section header block"), e.getMessage());
        byte[] badBom = ng.clone();
        badBom[8] = 0;
        e = openFails(badBom);
        assertTrue(e.getMessage().contains("byte-order magic"), e.getMessage());
        byte[] badLen = ng.clone();
        badLen[4] = 30;
        e = openFails(badLen);
        assertTrue(e.getMessage().contains("bad block total length 30"), e.getMessage());
        e = openFails(Arrays.copyOf(ng, ng.length - 4));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        byte[] badMajor = ng.clone();
        badMajor[12] = 2;
        e = openFails(badMajor);
        assertTrue(e.getMessage().contains("major version 2"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one-line message");
    }

    /** Reads to the end; returns the captured lengths of the good records. */
    private static List<Integer> drain(PcapReader r) {
        List<Integer> good = new ArrayList<>();
        while (r.next()) {
            good.add(r.capturedLength());
        }
        assertFalse(r.next(), "stays stopped");
        return good;
    }

    private PcapReader reopen(byte[] bytes) throws IOException {
        return PcapReader.open(Files.write(dir.resolve("t" + System.nanoTime()), bytes));
    }

    @Test
    void classicTruncatedAndCorruptRecordsAreCountedNotThrown() throws IOException {
        byte[] full = PcapBytes.classic(LE, false, 65535, 1)
                .record(1, 0, PcapBytes.data(100, 0), 100)
                .record(2, 0, PcapBytes.data(50, 0), 50)
                .toArray();
        int second = 24 + 16 + 100;
        // Every truncation point: no throw, good records before the cut, truncated() iff mid-record.
        for (int cut = 24; cut <= full.length; cut++) {
            try (PcapReader r = reopen(Arrays.copyOf(full, cut))) {
                List<Integer> good = drain(r);
                int expectGood = cut < second ? 0 : cut < full.length ? 1 : 2;
                assertEquals(expectGood, good.size(), "cut " + cut);
                boolean clean = cut == 24 || cut == second || cut == full.length;
                assertEquals(!clean, r.truncated(), "cut " + cut);
                if (!clean) {
                    assertEquals(cut < second ? 24 : second, r.errorOffset());
                    assertTrue(r.error().contains("offset " + r.errorOffset() + ": "), r.error());
                }
            }
        }
        byte[] huge = full.clone();
        huge[second + 8] = (byte) 0xFF;
        huge[second + 9] = (byte) 0xFF;
        huge[second + 10] = (byte) 0xFF;
        huge[second + 11] = (byte) 0xFF;
        try (PcapReader r = reopen(huge)) {
            assertEquals(List.of(100), drain(r));
            assertTrue(r.truncated());
            assertTrue(r.error().contains("offset 140: captured length 4294967295 exceeds the 50 bytes left"), r.error());
        }
        byte[] badFrac = full.clone();
        badFrac[24 + 4] = 0x40;  // usec field 0x000f4240 = 1_000_000
        badFrac[24 + 5] = 0x42;
        badFrac[24 + 6] = 0x0F;
        try (PcapReader r = reopen(badFrac)) {
            assertEquals(List.of(50), drain(r), "the bad record is skipped, the next one read");
            assertFalse(r.truncated());
            assertNull(r.error());
            assertEquals(1, r.malformedRecords());
            assertTrue(r.firstMalformedError().contains("offset 24: timestamp fraction 1000000 out of range"),
                    r.firstMalformedError());
        }
    }

    /**
     * A record that is well delimited but invalid is skipped and counted ({@link
     * PcapReader#malformedRecords()}, the first one described with its offset), and reading goes on
     * with the next record: it does not end the file. Only framing the cursor cannot get past
     * (a length running off the file, a trailer that disagrees) still stops it.
     */
    @ParameterizedTest(name = "{0} nanos={1}")
    @MethodSource("classicVariants")
    void classicBadRecordsAreSkippedAndReadingGoesOn(ByteOrder order, boolean nanos) throws IOException {
        long second = nanos ? 1_000_000_000L : 1_000_000L;
        byte[] bytes = PcapBytes.classic(order, nanos, 65535, 1)
                .record(1, 0, PcapBytes.data(10, 1), 10)
                .record(2, second, PcapBytes.data(20, 2), 20)              // fraction = 1 s
                .record(3, 0, PcapBytes.data(30, 3), 30)
                .record(4, 0xFFFF_FFFFL, PcapBytes.data(40, 4), 40)        // fraction 2^32-1
                .record(5, 0, PcapBytes.data(50, 5), Integer.MIN_VALUE)                  // original 2^31
                .record(6, second - 1, PcapBytes.data(60, 6), 60)
                .toArray();
        try (PcapReader r = reopen(bytes)) {
            List<Long> secs = new ArrayList<>();
            List<Integer> lens = new ArrayList<>();
            while (r.next()) {
                secs.add(r.timestampSeconds());
                lens.add(r.capturedLength());
            }
            assertEquals(List.of(1L, 3L, 6L), secs);
            assertEquals(List.of(10, 30, 60), lens);
            assertFalse(r.truncated(), r.error());
            assertNull(r.error());
            assertEquals(-1, r.errorOffset());
            assertEquals(3, r.malformedRecords());
            assertTrue(r.firstMalformedError().contains("offset " + (24 + 16 + 10) + ": timestamp fraction " + second
                    + " out of range"), r.firstMalformedError());
        }
        // a bad record that is also the last one: a clean end of file after it
        byte[] last = PcapBytes.classic(order, nanos, 65535, 1)
                .record(1, 0, PcapBytes.data(10, 1), 10)
                .record(2, second, PcapBytes.data(20, 2), 20)
                .toArray();
        try (PcapReader r = reopen(last)) {
            assertEquals(List.of(10), drain(r));
            assertFalse(r.truncated());
            assertEquals(1, r.malformedRecords());
        }
        // a clean file: nothing skipped
        try (PcapReader r = reopen(Arrays.copyOf(last, 24 + 16 + 10))) {
            assertEquals(List.of(10), drain(r));
            assertEquals(0, r.malformedRecords());
            assertNull(r.firstMalformedError());
        }
    }

    @Test
    void pcapngBadBlocksAreSkippedAndReadingGoesOn() throws IOException {
        PcapBytes b = PcapBytes.pcapng().shb(LE);
        int spbBeforeIdb = b.position();
        b.spb(4, PcapBytes.data(4, 0))                                  // no interface yet
                .idb(1, 0)
                .epb(0, 1, PcapBytes.data(11, 1), 11);
        int badIf = b.position();
        b.epb(5, 2, PcapBytes.data(12, 2), 12)                         // interface 5 of 1
                .epb(0, 3, PcapBytes.data(13, 3), 13);
        int capGt = b.position();
        b.epb(0, 4, PcapBytes.data(14, 4), 14)                         // captured length patched below
                .epb(0, 5, PcapBytes.data(15, 5), 15);
        int origHuge = b.position();
        b.epb(0, 6, PcapBytes.data(16, 6), 16)                         // original length patched below
                .block(6, PcapBytes.data(12, 7))                        // EPB of 24 bytes: too short
                .block(3, new byte[0])                                  // SPB of 12 bytes: too short
                .epb(0, 7, PcapBytes.data(17, 7), 17);
        byte[] bytes = b.toArray();
        java.nio.ByteBuffer.wrap(bytes).order(LE).putInt(capGt + 20, 10_000).putInt(origHuge + 24, 0x8000_0000);
        try (PcapReader r = reopen(bytes)) {
            assertEquals(List.of(11, 13, 15, 17), drain(r));
            assertFalse(r.truncated(), r.error());
            assertNull(r.error());
            assertEquals(6, r.malformedRecords());
            assertTrue(r.firstMalformedError().contains("offset " + spbBeforeIdb + ": simple packet block before any"),
                    r.firstMalformedError());
        }
        // cut before the later bad blocks: two skipped, the first one named
        try (PcapReader r = reopen(Arrays.copyOfRange(bytes, 0, capGt))) {
            assertEquals(List.of(11, 13), drain(r));
            assertEquals(2, r.malformedRecords());
            assertTrue(r.firstMalformedError().contains("offset " + spbBeforeIdb + ": "), r.firstMalformedError());
        }
        byte[] noSpb = PcapBytes.pcapng().shb(LE).idb(1, 0).toArray();
        byte[] withBadIf = Arrays.copyOf(noSpb, noSpb.length + (capGt - badIf));
        System.arraycopy(bytes, badIf, withBadIf, noSpb.length, capGt - badIf);
        try (PcapReader r = reopen(withBadIf)) {
            assertEquals(List.of(13), drain(r));
            assertEquals(1, r.malformedRecords());
            assertTrue(r.firstMalformedError().contains("offset " + noSpb.length
                    + ": enhanced packet block names interface 5 but the section has 1"), r.firstMalformedError());
        }
    }

    /** Framing the cursor cannot get past still ends the input, after any skipped records, and says why. */
    @Test
    void pcapngTrailerMismatchStillStopsAfterSkippedRecords() throws IOException {
        PcapBytes b = PcapBytes.pcapng().shb(LE).idb(1, 0)
                .epb(0, 1, PcapBytes.data(11, 1), 11)
                .epb(3, 2, PcapBytes.data(12, 2), 12);                 // skipped: no interface 3
        int bad = b.position();
        b.epb(0, 3, PcapBytes.data(13, 3), 13);
        b.epb(0, 4, PcapBytes.data(14, 4), 14);
        byte[] bytes = b.toArray();
        int badLen = java.nio.ByteBuffer.wrap(bytes).order(LE).getInt(bad + 4);
        java.nio.ByteBuffer.wrap(bytes).order(LE).putInt(bad + badLen - 4, 1);  // trailing length 1
        try (PcapReader r = reopen(bytes)) {
            assertEquals(List.of(11), drain(r));
            assertTrue(r.truncated());
            assertEquals(bad, r.errorOffset());
            assertTrue(r.error().contains("leading length " + badLen + " != trailing length 1"), r.error());
            assertEquals(1, r.malformedRecords());
        }
    }

    @Test
    void pcapngTruncatedAndCorruptBlocksAreCountedNotThrown() throws IOException {
        PcapBytes b = PcapBytes.pcapng().shb(LE).idb(1, 0);
        int firstEpb = b.position();
        b.epb(0, 1, PcapBytes.data(100, 0), 100);
        int secondEpb = b.position();
        b.epb(0, 2, PcapBytes.data(50, 0), 50);
        byte[] full = b.toArray();
        for (int cut = firstEpb; cut <= full.length; cut++) {
            try (PcapReader r = reopen(Arrays.copyOf(full, cut))) {
                List<Integer> good = drain(r);
                assertEquals(cut < secondEpb ? 0 : cut < full.length ? 1 : 2, good.size(), "cut " + cut);
                boolean clean = cut == firstEpb || cut == secondEpb || cut == full.length;
                assertEquals(!clean, r.truncated(), "cut " + cut);
            }
        }
        // Bad total length: not a multiple of 4, too small, trailer mismatch.
        for (int bad : new int[] {13, 8, 0}) {
            byte[] x = full.clone();
            x[secondEpb + 4] = (byte) bad;
            x[secondEpb + 5] = 0;
            try (PcapReader r = reopen(x)) {
                assertEquals(1, drain(r).size());
                assertTrue(r.truncated());
                assertEquals(secondEpb, r.errorOffset());
                assertTrue(r.error().contains("bad block total length " + bad), r.error());
            }
        }
        byte[] mismatch = full.clone();
        mismatch[full.length - 4] ^= 4;
        try (PcapReader r = reopen(mismatch)) {
            assertEquals(1, drain(r).size());
            assertTrue(r.error().contains("trailing length"), r.error());
        }
        // Well delimited but invalid: skipped and counted, the next block read.
        // Captured length larger than the block.
        byte[] cap = full.clone();
        cap[firstEpb + 20] = (byte) 200;
        try (PcapReader r = reopen(cap)) {
            assertEquals(List.of(50), drain(r));
            assertFalse(r.truncated());
            assertNull(r.error());
            assertEquals(1, r.malformedRecords());
            assertTrue(r.firstMalformedError().contains("offset " + firstEpb + ": captured length 200 exceeds"),
                    r.firstMalformedError());
        }
        // Unknown interface id.
        byte[] ifid = full.clone();
        ifid[firstEpb + 8] = 3;
        try (PcapReader r = reopen(ifid)) {
            assertEquals(List.of(50), drain(r));
            assertFalse(r.truncated());
            assertEquals(1, r.malformedRecords());
            assertTrue(r.firstMalformedError().contains("interface 3"), r.firstMalformedError());
        }
        // Packet block before any IDB; SPB without interface.
        try (PcapReader r = reopen(PcapBytes.pcapng().shb(LE).spb(4, new byte[4]).toArray())) {
            assertEquals(0, drain(r).size());
            assertFalse(r.truncated());
            assertEquals(1, r.malformedRecords());
            assertTrue(r.firstMalformedError().contains("before any interface"), r.firstMalformedError());
        }
        // Second section with a bad byte-order magic.
        PcapBytes two = PcapBytes.pcapng().shb(LE).idb(1, 0).epb(0, 0, new byte[4], 4);
        int shb2 = two.position();
        byte[] twoSections = two.shb(BE).toArray();
        twoSections[shb2 + 8] = 0x77;
        try (PcapReader r = reopen(twoSections)) {
            assertEquals(1, drain(r).size());
            assertTrue(r.error().contains("byte-order magic"), r.error());
        }
        // IDB option overrunning its block, unsupported if_tsresol.
        PcapBytes o = PcapBytes.pcapng().shb(LE);
        int idb = o.position();
        byte[] overrun = o.idb(1, 0).toArray();
        overrun[idb + 16 + 2] = 100;  // if_name length 4 -> 100
        try (PcapReader r = reopen(overrun)) {
            assertEquals(0, drain(r).size());
            assertTrue(r.error().contains("overruns"), r.error());
        }
        try (PcapReader r = reopen(PcapBytes.pcapng().shb(LE).idb(1, 0, 19, 0).toArray())) {
            assertEquals(0, drain(r).size());
            assertTrue(r.error().contains("if_tsresol 0x13"), r.error());
        }
    }

    // ---- the Google PSP reference vectors ----

    @Test
    void googleV4Cleartext() throws IOException {
        Path f = PcapBytes.googlePsp().resolve("cleartext/v4_cleartext.pcap");
        try (PcapReader r = PcapReader.open(f)) {
            assertFalse(r.nanosecondResolution());
            assertEquals(1434, r.snapLength());
            assertTrue(r.next());
            assertEquals(1, r.linkType());
            assertEquals(1434, r.capturedLength());
            assertEquals(1434, r.originalLength());
            assertEquals(1647448841L, r.timestampSeconds());
            assertEquals(809_251_000, r.timestampNanos());
            assertEquals(40, r.dataOffset());
            // Ethernet type IPv4, IPv4 total length 1420, UDP.
            assertEquals((short) 0x0800, r.segment().get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(BE), 40 + 12));
            assertEquals(0x45, r.segment().get(ValueLayout.JAVA_BYTE, 40 + 14));
            assertEquals((short) 1420, r.segment().get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(BE), 40 + 16));
            assertFalse(r.next());
            assertFalse(r.truncated());
        }
    }

    static Stream<Path> googleFiles() throws IOException {
        Path root = PcapBytes.googlePsp();
        List<Path> all = new ArrayList<>();
        for (String sub : new String[] {"cleartext", "encrypted", "decrypted", "corrupted"}) {
            try (Stream<Path> s = Files.list(root.resolve(sub))) {
                s.filter(p -> p.toString().endsWith(".pcap")).sorted().forEach(all::add);
            }
        }
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("googleFiles")
    void everyGoogleFileHasOneWholeRecord(Path f) throws IOException {
        try (PcapReader r = PcapReader.open(f)) {
            assertTrue(r.next(), f.toString());
            assertEquals(1, r.linkType());
            assertEquals(r.capturedLength(), r.originalLength());
            assertEquals(Files.size(f), r.dataOffset() + r.capturedLength(), "record ends the file");
            assertFalse(r.next());
            assertFalse(r.truncated(), r.error());
        }
    }

    @Test
    void googleFilesAreFound() throws IOException {
        assertEquals(4, googleFiles().filter(p -> p.getParent().getFileName().toString().equals("cleartext")).count());
        assertTrue(googleFiles().filter(p -> p.getParent().getFileName().toString().equals("encrypted")).count() >= 28);
    }
}
