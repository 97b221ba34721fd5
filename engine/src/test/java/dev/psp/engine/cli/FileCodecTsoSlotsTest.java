package dev.psp.engine.cli;

import static dev.psp.engine.cli.CliTest.psp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.TestPcap;
import dev.psp.engine.TestVectors;
import dev.psp.engine.pcap.PcapWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segment slots of {@code psp encrypt --tso-mss/--gso-size}: sized per protocol. One slab of
 * (largest segment) x (65535 / smallest segment) took ~4.3 GB for {@code --tso-mss 65535 --gso-size 1}.
 */
class FileCodecTsoSlotsTest {
    static final Path V = TestVectors.googlePsp();
    static final long LIMIT = 64L << 20;
    @TempDir
    Path tmp;

    /** Small slabs, and every segment either protocol can cut from one packet fits the slot it lands in. */
    @Test
    void slotsAreSizedPerProtocolAndSmall() {
        for (int[] c : new int[][] {{65535, 1}, {1, 65535}, {65535, 0}, {0, 1}, {1, 1}, {65535, 65535}, {9000, 1}, {1448, 1400}}) {
            long[] b = FileCodec.tsoSlotBounds(c[0], c[1]);
            assertTrue(b[b.length - 1] < LIMIT, c[0] + "/" + c[1] + ": " + b[b.length - 1] + " bytes");
            for (int seg : c) {
                if (seg == 0) {
                    continue;
                }
                int most = (65535 + seg - 1) / seg; // segments of one 64 KiB payload, filled from slot 0
                assertTrue(most <= b.length - 1, c[0] + "/" + c[1] + ": " + most + " segments of " + seg);
                for (int i = 0; i < most; i++) {
                    assertTrue(b[i + 1] - b[i] >= FileCodec.tsoSlotSize(seg), c[0] + "/" + c[1] + " slot " + i);
                }
            }
        }
        assertEquals(1, FileCodec.tsoSlotBounds(0, 0).length);
    }

    /** Both protocols in one run at very different sizes (the second run segments both), each segment where it belongs. */
    @Test
    void largeMssWithTinyGsoSegmentsBothProtocols() throws Exception {
        Path clear = tmp.resolve("clear.pcap");
        try (PcapWriter w = PcapWriter.create(clear, 262144, 1, false)) {
            for (byte[] f : new byte[][] {Frames.spec().proto(6).payload(60_000).seed(1).build(),
                    Frames.spec().proto(17).payload(300).seed(2).build(), Frames.spec().v(6).proto(6).payload(3000).seed(3).build()}) {
                w.write(MemorySegment.ofArray(f), 0, f.length, 1, 0);
            }
        }
        String cfg = V.resolve("cfg/encrypt_tunnel_crypt_off_128.cfg").toString();
        Path enc = tmp.resolve("enc.pcap");
        CliTest.Result r = psp("encrypt", "-c", cfg, "-i", clear.toString(), "-o", enc.toString(), "--tso-mss", "65535",
                "--gso-size", "1", "--json");
        assertEquals(0, r.rc(), r.err());
        assertEquals(1 + 300 + 1, TestPcap.read(enc).size(), r.out());
        r = psp("encrypt", "-c", cfg, "-i", clear.toString(), "-o", enc.toString(), "--tso-mss", "1000", "--gso-size", "7", "--json");
        assertEquals(0, r.rc(), r.err());
        assertEquals(60 + 43 + 3, TestPcap.read(enc).size(), r.out());
    }
}
