package dev.psp.engine.pcap;

import static dev.psp.engine.cli.CliTest.psp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.TestPcap;
import dev.psp.engine.cli.CliTest.Result;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code psp encrypt} and {@code psp decrypt} (cli.FileCodec over {@link PcapReader} and
 * {@link PcapWriter}) make of odd but readable input files: timestamps classic pcap cannot hold,
 * and records that are well delimited but invalid.
 */
class FileCodecPcapInputTest {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final long MAX_SECONDS = 0xFFFF_FFFFL;

    @TempDir
    Path dir;

    static Result encrypt(Path in, Path out, String... extra) {
        String cfg = PcapBytes.googlePsp().resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString();
        return psp(concat(new String[] {"encrypt", "-c", cfg, "-i", in.toString(), "-o", out.toString(), "--backend", "jdk"}, extra));
    }

    /** Decrypts {@code in} (cleartext passes through, counted rx-passthrough). */
    static Result decrypt(Path in, Path out, String... extra) {
        String cfg = PcapBytes.googlePsp().resolve("cfg/decrypt.cfg").toString();
        return psp(concat(new String[] {"decrypt", "-c", cfg, "-i", in.toString(), "-o", out.toString(), "--backend", "jdk",
                "--mode", "transport"}, extra));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static byte[] frame(int seed) {
        return Frames.spec().seed(seed).payload(100).build();
    }

    /**
     * pcapng timestamps past 2^32-1 s (whole-second if_tsresol, a binary one, the largest
     * microsecond value) or before the epoch (negative if_tsoffset): every packet is encrypted or
     * passed through and written, its timestamp clamped into classic pcap's range (nanoseconds); nothing throws.
     */
    @Test
    void pcapngTimestampsOutsideTheClassicRangeAreClampedAndTheRunCompletes() throws Exception {
        Path in = PcapBytes.pcapng().shb(LE)
                .idb(1, 0, 0, 0)                          // 0: whole seconds (10^0)
                .idb(1, 0, 0x80, 0)                       // 1: whole seconds (2^0)
                .idb(1, 0, -1, -5_000_000_000L)           // 2: microseconds, if_tsoffset -5e9 s
                .idb(1, 0)                                // 3: microseconds
                .epb(0, 1L << 40, frame(1), frame(1).length)
                .epb(1, (1L << 63) + 5, frame(2), frame(2).length)
                .epb(2, 7_000_000, frame(3), frame(3).length)
                .epb(3, -1L, frame(4), frame(4).length)
                .epb(3, 1_700_000_000_123_456L, frame(5), frame(5).length)
                .write(dir.resolve("ts.pcapng"));
        // a pcapng input gives a nanosecond pcap (its interfaces may be finer than microseconds)
        long[][] expect = {{MAX_SECONDS, 999_999_999}, {MAX_SECONDS, 999_999_999}, {0, 0}, {MAX_SECONDS, 999_999_999},
                {1_700_000_000L, 123_456_000}};
        Path enc = dir.resolve("enc.pcap");
        Result r = encrypt(in, enc, "--json");
        assertEquals(0, r.rc(), r.err() + r.out());
        assertTrue(r.out().contains("\"written\":5"), r.out());
        assertTrue(r.out().contains("\"tx-packets\":5"), r.out());
        assertTrue(r.out().contains("\"tx-error\":0"), r.out());
        List<TestPcap.Rec> recs = TestPcap.read(enc);
        assertEquals(5, recs.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(expect[i][0], recs.get(i).sec(), "record " + i);
            assertEquals(expect[i][1], recs.get(i).frac(), "record " + i);
        }
        Path dec = dir.resolve("dec.pcap");
        r = decrypt(in, dec, "--json");
        assertEquals(0, r.rc(), r.err() + r.out());
        assertTrue(r.out().contains("\"written\":5"), r.out());
        assertTrue(r.out().contains("\"rx-passthrough\":5"), r.out());
        recs = TestPcap.read(dec);
        assertEquals(5, recs.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(expect[i][0], recs.get(i).sec(), "record " + i);
            assertEquals(expect[i][1], recs.get(i).frac(), "record " + i);
            assertArrayEquals(frame(i + 1), recs.get(i).data(), "record " + i);
        }
    }

    /**
     * A classic record with a microsecond fraction of 1000000 is skipped and counted as one
     * malformed input record (tx-malformed, rx-truncated on decrypt); the records after it are
     * processed, and the summary says what was skipped, in text and in --json ("input-error").
     */
    @Test
    void aBadClassicRecordIsSkippedAndCountedAndTheRestProcessed() throws Exception {
        PcapBytes b = PcapBytes.classic(LE, false, 65535, 1);
        for (int i = 1; i <= 5; i++) {
            b.record(100 + i, i == 2 ? 1_000_000 : 0, frame(i), frame(i).length);
        }
        Path in = b.write(dir.resolve("badfrac.pcap"));
        Path enc = dir.resolve("enc.pcap");
        Result r = encrypt(in, enc, "--json");
        assertEquals(0, r.rc(), r.err() + r.out());
        assertTrue(r.out().contains("\"written\":4"), r.out());
        assertTrue(r.out().contains("\"tx-packets\":4"), r.out());
        assertTrue(r.out().contains("\"tx-error\":1"), r.out());
        assertTrue(r.out().contains("\"tx-malformed\":1"), r.out());
        assertTrue(r.out().contains("\"input-error\":\"1 malformed input record skipped, the first: "), r.out());
        assertTrue(r.out().contains("offset " + (24 + 16 + frame(1).length) + ": timestamp fraction 1000000 out of range"), r.out());
        assertEquals(List.of(101L, 103L, 104L, 105L), TestPcap.read(enc).stream().map(TestPcap.Rec::sec).toList());

        r = encrypt(in, enc);
        assertEquals(0, r.rc(), r.err() + r.out());
        assertTrue(r.out().contains("  input: 1 malformed input record skipped, the first: "), r.out());

        Path dec = dir.resolve("dec.pcap");
        r = decrypt(in, dec, "--json");
        assertEquals(0, r.rc(), r.err() + r.out());
        assertTrue(r.out().contains("\"written\":4"), r.out());
        assertTrue(r.out().contains("\"rx-passthrough\":4"), r.out());
        assertTrue(r.out().contains("\"rx-truncated\":1"), r.out());
        assertTrue(r.out().contains("timestamp fraction 1000000 out of range"), r.out());
        assertEquals(4, TestPcap.read(dec).size());

        // a clean input: the field is there, null
        r = encrypt(PcapBytes.classic(LE, false, 65535, 1).record(1, 0, frame(1), frame(1).length)
                .write(dir.resolve("ok.pcap")), enc, "--json");
        assertEquals(0, r.rc(), r.err() + r.out());
        assertTrue(r.out().contains("\"input-error\":null"), r.out());
        assertTrue(r.out().contains("\"tx-error\":0"), r.out());
    }

    /**
     * pcapng: an EPB naming an undeclared interface and one whose captured length exceeds its block
     * are skipped and counted, the packets around them processed; a block whose trailing length
     * disagrees still ends the input (counted once more), and --json now says why.
     */
    @Test
    void badPcapngBlocksAreSkippedAndAFramingErrorIsReportedInJson() throws Exception {
        PcapBytes b = PcapBytes.pcapng().shb(LE).idb(1, 0)
                .epb(0, 1_000_000, frame(1), frame(1).length)
                .epb(5, 2_000_000, frame(2), frame(2).length)       // interface 5 of 1
                .epb(0, 3_000_000, frame(3), frame(3).length);
        int capGt = b.position();
        b.epb(0, 4_000_000, frame(4), frame(4).length)              // captured length patched below
                .epb(0, 5_000_000, frame(5), frame(5).length);
        byte[] skipOnly = b.toArray();
        java.nio.ByteBuffer.wrap(skipOnly).order(LE).putInt(capGt + 20, frame(4).length + 100);
        Path in = java.nio.file.Files.write(dir.resolve("skip.pcapng"), skipOnly);
        Path enc = dir.resolve("enc.pcap");
        Result r = encrypt(in, enc, "--json");
        assertEquals(0, r.rc(), r.err() + r.out());
        assertTrue(r.out().contains("\"written\":3"), r.out());
        assertTrue(r.out().contains("\"tx-malformed\":2"), r.out());
        assertTrue(r.out().contains("\"input-error\":\"2 malformed input records skipped, the first: "), r.out());
        assertTrue(r.out().contains("enhanced packet block names interface 5 but the section has 1"), r.out());
        assertEquals(List.of(1L, 3L, 5L), TestPcap.read(enc).stream().map(TestPcap.Rec::sec).toList());

        // then a block whose trailing length is 1: the input ends there, and says so
        int bad = b.position();
        b.epb(0, 6_000_000, frame(6), frame(6).length).epb(0, 7_000_000, frame(7), frame(7).length);
        byte[] stops = b.toArray();
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(stops).order(LE);
        bb.putInt(capGt + 20, frame(4).length + 100);
        bb.putInt(bad + bb.getInt(bad + 4) - 4, 1);
        in = java.nio.file.Files.write(dir.resolve("stop.pcapng"), stops);
        r = encrypt(in, enc, "--json");
        assertEquals(0, r.rc(), r.err() + r.out());
        assertTrue(r.out().contains("\"written\":3"), r.out());
        assertTrue(r.out().contains("\"tx-malformed\":3"), r.out());
        assertTrue(r.out().contains("offset " + bad + ": block type 0x00000006: leading length"), r.out());
        assertTrue(r.out().contains("!= trailing length 1; 2 malformed input records skipped, the first: "), r.out());
        Path dec = dir.resolve("dec.pcap");
        r = decrypt(in, dec, "--json");
        assertEquals(0, r.rc(), r.err() + r.out());
        assertTrue(r.out().contains("\"written\":3"), r.out());
        assertTrue(r.out().contains("\"rx-truncated\":3"), r.out());
        assertTrue(r.out().contains("\"input-error\":\""), r.out());
        assertTrue(r.out().contains("trailing length 1"), r.out());
    }

    /** The pipeline's PcapSource counts the records the reader skipped as skipped (never silent). */
    @Test
    void pipelineSourceCountsSkippedRecords() throws Exception {
        PcapBytes b = PcapBytes.classic(LE, true, 65535, 1);
        for (int i = 1; i <= 4; i++) {
            b.record(i, i == 3 ? 1_000_000_000L : 0, frame(i), frame(i).length);
        }
        Path in = b.write(dir.resolve("src.pcap"));
        try (dev.psp.engine.pool.PacketPool pool = dev.psp.engine.pool.PacketPool.create(8);
             dev.psp.engine.pipeline.PcapSource src = dev.psp.engine.pipeline.PcapSource.open(in)) {
            dev.psp.engine.psp.Packet[] out = new dev.psp.engine.psp.Packet[8];
            int got = 0;
            for (int k; (k = src.poll(pool, out, 8)) != dev.psp.engine.pipeline.Source.END; ) {
                got += k;
                for (int i = 0; i < k; i++) {
                    pool.free(out[i]);
                }
            }
            assertEquals(3, got);
            assertEquals(1, src.skipped());
            assertEquals(4, src.recordsRead());
            assertEquals(null, src.error());
        }
    }
}
