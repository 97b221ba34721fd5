package dev.psp.engine.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzzing of {@link PcapReader} on arbitrary files (the seeds: a classic pcap and a pcapng
 * file with an interface, an Enhanced and a Simple Packet Block, written for this test). The
 * contract of its class comment: {@code open} accepts the file or throws {@link PcapFormatException}
 * with a one-line message; {@code next()} never throws, ends (each record starts after the one
 * before), and every record it returns lies inside the file; a stop is clean or has an error.
 *
 * <p>In the default suite it replays its seeds (a fork of its own, with the other Jazzer tests);
 * coverage-guided: {@code bash scripts/fuzz.sh} (every target, one JVM each).
 */
class PcapReaderFuzzTest {
    private static Path file;

    @FuzzTest(maxDuration = "10s")
    void readerKeepsItsContract(byte[] data) throws IOException {
        if (file == null) {
            file = Files.createTempFile("pcap-fuzz", ".pcap");
            file.toFile().deleteOnExit();
        }
        Files.write(file, data);
        PcapReader r;
        try {
            r = PcapReader.open(file);
        } catch (PcapFormatException e) {
            assertNotNull(e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            return;
        }
        try (r) {
            long last = -1;
            long records = 0;
            while (r.next()) {
                assertTrue(r.recordOffset() > last, "the cursor goes forward: " + r.recordOffset() + " after " + last);
                last = r.recordOffset();
                assertTrue(r.dataOffset() >= r.recordOffset(), "packet bytes after the record header");
                assertTrue(r.capturedLength() >= 0 && r.originalLength() >= 0, "lengths");
                assertTrue(r.dataOffset() + r.capturedLength() <= data.length, "packet inside the file");
                assertTrue(r.timestampNanos() >= 0 && r.timestampNanos() < 1_000_000_000, "nanoseconds");
                byte[] packet = r.segment().asSlice(r.dataOffset(), r.capturedLength()).toArray(ValueLayout.JAVA_BYTE);
                assertEquals(r.capturedLength(), packet.length);
                assertTrue(++records <= data.length / 8, "more records than the file can hold");
            }
            assertEquals(r.truncated(), r.error() != null, "a stop is clean or names its error");
            assertEquals(r.malformedRecords() > 0, r.firstMalformedError() != null, "skipped records are named");
            assertFalse(r.next(), "the end stays the end");
        }
    }
}
