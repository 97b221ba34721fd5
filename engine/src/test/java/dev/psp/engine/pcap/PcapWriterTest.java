package dev.psp.engine.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertThrows(IllegalArgumentException.class, () -> w.write(seg, 0, 10, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> w.write(seg, 0, 10, 1L << 32, 0));
        assertThrows(IllegalArgumentException.class, () -> w.write(seg, 0, 10, 0, 1_000_000_000));
        assertThrows(IndexOutOfBoundsException.class, () -> w.write(seg, 5, 10, 0, 0));
        w.close();
        w.close();
        assertThrows(IllegalStateException.class, () -> w.write(seg, 0, 10, 0, 0));
        assertEquals(24, Files.size(f), "only the global header");
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
}
