package dev.psp.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.pcap.PcapReader;
import dev.psp.engine.psp.Packet;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapSinkTest {
    @TempDir
    Path dir;

    /** A timestamp classic pcap cannot hold is clamped as PcapWriter documents (as psp encrypt/decrypt writes it), not zeroed. */
    @Test
    void timestampsOutsideTheClassicRangeAreClampedLikePcapWriter() throws Exception {
        Path f = dir.resolve("out.pcap");
        byte[] frame = new SyntheticSource(1, 1, 100).frame(0);
        Packet p = new Packet().wrap(MemorySegment.ofArray(frame), 0, frame.length, 0, frame.length);
        long[][] in = {{1L << 33, 5}, {9, 1_000_000_000}, {-1, 7}, {12, 345}};
        long[][] expected = {{0xFFFF_FFFFL, 999_999_999}, {9, 999_999_999}, {0, 0}, {12, 345}};
        try (PcapSink sink = PcapSink.create(f)) {
            for (long[] ts : in) {
                p.tsSeconds = ts[0];
                p.tsNanos = (int) ts[1];
                sink.deliver(p);
            }
            assertEquals(in.length, sink.written());
        }
        try (PcapReader r = PcapReader.open(f)) {
            for (long[] ts : expected) {
                assertTrue(r.next(), r.error());
                assertEquals(ts[0], r.timestampSeconds());
                assertEquals(ts[1], r.timestampNanos());
            }
            assertFalse(r.next());
        }
    }
}
