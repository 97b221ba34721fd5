package dev.psp.engine.cli;

import static dev.psp.engine.cli.CliTest.psp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.psp.engine.Frames;
import dev.psp.engine.TestPcap;
import dev.psp.engine.TestVectors;
import dev.psp.engine.pcap.PcapWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Timestamps survive encrypt and decrypt at the input's resolution: a nanosecond pcap gives a
 * nanosecond pcap (it gave microseconds, two distinct timestamps collapsing into one), a microsecond
 * one stays microseconds, and --reference-mode writes microseconds as the reference does.
 */
class TimestampResolutionTest {
    static final Path V = TestVectors.googlePsp();
    @TempDir
    Path tmp;

    private static int magic(Path f) throws Exception {
        return ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    @Test
    void nanosecondInputsKeepTheirNanoseconds() throws Exception {
        byte[] a = Frames.spec().v(4).proto(17).payload(100).seed(1).build();
        byte[] b = Frames.spec().v(6).proto(6).payload(200).seed(2).build();
        Path clear = tmp.resolve("ns.pcap");
        try (PcapWriter w = PcapWriter.create(clear, 65535, 1, true)) {
            w.write(MemorySegment.ofArray(a), 0, a.length, 1_700_000_000L, 123_456_789);
            w.write(MemorySegment.ofArray(b), 0, b.length, 1_700_000_000L, 123_456_999);
        }
        String enc = V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString();
        String dec = V.resolve("cfg/decrypt.cfg").toString();
        Path e = tmp.resolve("e.pcap");
        Path d = tmp.resolve("d.pcap");
        assertEquals(0, psp("encrypt", "-c", enc, "-i", clear.toString(), "-o", e.toString()).rc());
        assertEquals(0, psp("decrypt", "-c", dec, "-i", e.toString(), "-o", d.toString(), "--mode", "transport").rc());
        for (Path f : List.of(e, d)) {
            assertEquals(0xa1b23c4d, magic(f), f.toString());
            List<TestPcap.Rec> r = TestPcap.read(f);
            assertEquals(123_456_789, r.get(0).frac());
            assertEquals(123_456_999, r.get(1).frac());
        }
        assertArrayEquals(a, TestPcap.read(d).get(0).data());
        // reference mode: microseconds, as the reference writes
        assertEquals(0, psp("encrypt", "-c", enc, "-i", clear.toString(), "-o", e.toString(), "--reference-mode").rc());
        assertEquals(0xa1b2c3d4, magic(e));
        assertEquals(123_456, TestPcap.read(e).get(0).frac());
        // a microsecond input stays microseconds
        Path us = V.resolve("cleartext/v4_cleartext.pcap");
        assertEquals(0, psp("encrypt", "-c", enc, "-i", us.toString(), "-o", e.toString()).rc());
        assertEquals(0xa1b2c3d4, magic(e));
    }
}
