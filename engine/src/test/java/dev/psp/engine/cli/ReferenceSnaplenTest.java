package dev.psp.engine.cli;

import static dev.psp.engine.cli.CliTest.psp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.TestPcap;
import dev.psp.engine.TestVectors;
import dev.psp.engine.pcap.PcapWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --reference-mode} writes the reference's 9014-byte snap length: a decrypted or passed-through
 * frame longer than that is dropped and counted (rx-error, reason rx-output-too-big), never cut short
 * and counted as delivered (it was: a 9542-byte frame came out as 9014 bytes, rx-packets 2).
 */
class ReferenceSnaplenTest {
    static final Path V = TestVectors.googlePsp();
    @TempDir
    Path tmp;

    @Test
    void framesBeyondTheReferenceSnapLengthAreDroppedAndCounted() throws Exception {
        byte[] jumbo = Frames.spec().v(4).proto(17).payload(9500).seed(1).build();
        byte[] small = Frames.spec().v(6).proto(17).payload(100).seed(2).build();
        assertTrue(jumbo.length > PcapWriter.DEFAULT_SNAPLEN);
        Path clear = tmp.resolve("clear.pcap");
        try (PcapWriter w = PcapWriter.create(clear, 262144, 1, false)) {
            w.write(MemorySegment.ofArray(jumbo), 0, jumbo.length, 1, 0);
            w.write(MemorySegment.ofArray(small), 0, small.length, 2, 0);
        }
        Path enc = tmp.resolve("enc.pcap");
        assertEquals(0, psp("encrypt", "-c", V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString(), "-i",
                clear.toString(), "-o", enc.toString()).rc());
        assertEquals(2, TestPcap.read(enc).size());
        String dec = V.resolve("cfg/decrypt.cfg").toString();
        for (Path in : List.of(enc, clear)) {
            Path out = tmp.resolve("out.pcap");
            CliTest.Result r = psp("decrypt", "-c", dec, "-i", in.toString(), "-o", out.toString(), "--reference-mode", "--json");
            assertEquals(0, r.rc(), r.err());
            boolean sealed = in.equals(enc);
            assertTrue(r.out().contains("\"rx-packets\":" + (sealed ? 1 : 0)), r.out());
            assertTrue(r.out().contains("\"rx-passthrough\":" + (sealed ? 0 : 1)), r.out());
            assertTrue(r.out().contains("\"rx-error\":1"), r.out());
            assertTrue(r.out().contains("\"rx-output-too-big\":1"), r.out());
            assertTrue(r.out().contains("\"written\":1"), r.out());
            List<TestPcap.Rec> recs = TestPcap.read(out);
            assertEquals(1, recs.size());
            assertArrayEquals(small, recs.get(0).data());
        }
        // without --reference-mode the jumbo frame comes back whole
        Path out = tmp.resolve("whole.pcap");
        CliTest.Result r = psp("decrypt", "-c", dec, "-i", enc.toString(), "-o", out.toString(), "--mode", "transport");
        assertEquals(0, r.rc(), r.err());
        assertArrayEquals(jumbo, TestPcap.read(out).get(0).data());
    }
}
