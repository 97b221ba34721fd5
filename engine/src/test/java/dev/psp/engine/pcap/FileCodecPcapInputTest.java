package dev.psp.engine.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.TestPcap;
import dev.psp.engine.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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

    record Result(int rc, String out, String err) {}

    static Result psp(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

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
     * passed through and written, its timestamp clamped into classic pcap's range; nothing throws.
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
        long[][] expect = {{MAX_SECONDS, 999_999}, {MAX_SECONDS, 999_999}, {0, 0}, {MAX_SECONDS, 999_999},
                {1_700_000_000L, 123_456}};
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
}
