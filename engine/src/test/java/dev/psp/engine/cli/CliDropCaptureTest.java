package dev.psp.engine.cli;

import static dev.psp.engine.cli.CliTest.psp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.TestVectors;
import dev.psp.engine.pcap.PcapReader;
import dev.psp.engine.pcap.PcapWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code psp encrypt|decrypt --drop-capture FILE [--drop-capture-limit N]} (PSP.md: failed packets
 * can be captured for inspection, rate-limited): every dropped packet's input record, as read
 * (for decrypt the received ciphertext, never unauthenticated plaintext), with its timestamp; at
 * most N a second of capture time, the rest counted.
 */
class CliDropCaptureTest {
    static final Path V = TestVectors.googlePsp();

    @TempDir
    Path dir;

    /** One pcap record: bytes, original length, timestamp. */
    record Rec(byte[] data, int origLen, long sec, int nanos) {}

    static List<Rec> read(Path f) throws IOException {
        List<Rec> l = new ArrayList<>();
        try (PcapReader r = PcapReader.open(f)) {
            while (r.next()) {
                l.add(new Rec(r.segment().asSlice(r.dataOffset(), r.capturedLength()).toArray(ValueLayout.JAVA_BYTE),
                        r.originalLength(), r.timestampSeconds(), r.timestampNanos()));
            }
        }
        return l;
    }

    static void write(Path f, List<Rec> recs) throws IOException {
        try (PcapWriter w = PcapWriter.create(f, 262144, PcapWriter.LINKTYPE_ETHERNET, true)) {
            for (Rec r : recs) {
                w.write(MemorySegment.ofArray(r.data()), 0, r.data().length, r.origLen(), r.sec(), r.nanos());
            }
        }
    }

    /**
     * Good packets, tampered ones (ICV), a partial capture and a truncated PSP header interleaved:
     * the output holds the good ones, the capture exactly the others, byte for byte as received,
     * in order, with their timestamps; the counters and the capture agree.
     */
    @Test
    void decryptCapturesExactlyTheDroppedRecordsAsReceived() throws IOException {
        List<Rec> good = read(V.resolve("encrypted/v4_transport_crypt_off_128.pcap"));
        List<Rec> bad = read(V.resolve("corrupted/v4_transport_crypt_off_128_err.pcap"));
        Rec g = good.get(0);
        Rec tampered = bad.get(0);
        byte[] cut = java.util.Arrays.copyOf(g.data(), 14 + 20 + 8 + 10); // PSP header cut short
        List<Rec> in = List.of(
                new Rec(g.data(), g.origLen(), 10, 1),
                new Rec(tampered.data(), tampered.origLen(), 10, 2),
                new Rec(g.data(), g.data().length + 40, 10, 3), // partial capture
                new Rec(g.data(), g.origLen(), 11, 4),
                new Rec(cut, cut.length, 11, 5));
        Path inFile = dir.resolve("in.pcap");
        write(inFile, in);
        Path out = dir.resolve("out.pcap");
        Path drops = dir.resolve("drops.pcap");
        CliTest.Result r = psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", inFile.toString(),
                "-o", out.toString(), "--mode", "transport", "--drop-capture", drops.toString(), "--json");
        assertEquals(0, r.rc(), r.err());
        assertEquals(2, read(out).size());
        List<Rec> got = read(drops);
        List<Rec> expected = List.of(in.get(1), in.get(2), in.get(4));
        assertEquals(expected.size(), got.size(), r.out());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).data(), got.get(i).data(), "record " + i + " as received");
            assertEquals(expected.get(i).origLen(), got.get(i).origLen());
            assertEquals(expected.get(i).sec(), got.get(i).sec());
            assertEquals(expected.get(i).nanos(), got.get(i).nanos());
        }
        assertTrue(r.out().contains("\"drop-capture\":{\"file\":\"" + drops + "\",\"captured\":3,\"suppressed\":0}"), r.out());
        assertTrue(r.out().contains("\"rx-auth-fail\":1"), r.out());
        assertTrue(r.out().contains("\"rx-error\":2"), r.out());
    }

    /** Every corrupted reference vector, with and without GRO: one captured record per counted drop. */
    @Test
    void everyCountedDropIsCapturedOnce() throws IOException {
        java.util.regex.Pattern num = java.util.regex.Pattern.compile("\"(rx-auth-fail|rx-error|rx-bad|captured|suppressed)\":(\\d+)");
        try (var files = Files.list(V.resolve("corrupted"))) {
            for (Path f : files.sorted().toList()) {
                for (boolean gro : new boolean[] {false, true}) {
                    Path drops = dir.resolve("drops.pcap");
                    List<String> args = new ArrayList<>(List.of("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(),
                            "-i", f.toString(), "-o", dir.resolve("out.pcap").toString(), "--mode", "auto",
                            "--drop-capture", drops.toString(), "--json"));
                    if (gro) {
                        args.add("--gro");
                    }
                    CliTest.Result r = psp(args.toArray(String[]::new));
                    assertEquals(0, r.rc(), f + ": " + r.err());
                    java.util.Map<String, Long> m = new java.util.HashMap<>();
                    java.util.regex.Matcher mm = num.matcher(r.out());
                    while (mm.find()) {
                        m.putIfAbsent(mm.group(1), Long.parseLong(mm.group(2))); // counters come before reasons
                    }
                    long dropped = m.get("rx-auth-fail") + m.get("rx-error") + m.get("rx-bad");
                    assertTrue(dropped > 0, f.toString());
                    assertEquals(dropped, m.get("captured") + m.get("suppressed"), f + (gro ? " --gro" : "") + ": " + r.out());
                    assertEquals(m.get("captured"), read(drops).size(), f.toString());
                }
            }
        }
    }

    /** At most N a second of capture time: the rest are counted, not written; a new second starts afresh. */
    @Test
    void theLimitCountsWhatItKeepsOut() throws IOException {
        Rec bad = read(V.resolve("corrupted/v4_transport_crypt_off_128_err.pcap")).get(0);
        List<Rec> in = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            in.add(new Rec(bad.data(), bad.origLen(), 100, i)); // five in one second
        }
        in.add(new Rec(bad.data(), bad.origLen(), 101, 0));
        Path inFile = dir.resolve("in.pcap");
        write(inFile, in);
        Path drops = dir.resolve("drops.pcap");
        CliTest.Result r = psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", inFile.toString(),
                "-o", dir.resolve("out.pcap").toString(), "--mode", "transport", "--drop-capture", drops.toString(),
                "--drop-capture-limit", "2");
        assertEquals(0, r.rc(), r.err());
        List<Rec> got = read(drops);
        assertEquals(3, got.size());
        assertEquals(List.of(0, 1, 0), got.stream().map(Rec::nanos).toList());
        assertTrue(r.out().contains("drops captured 3 in " + drops + " (3 over the limit)"), r.out());
    }

    /** Encrypt: a frame that cannot be sealed (not IP) is captured as given; the sealed ones are not. */
    @Test
    void encryptCapturesWhatItCouldNotSeal() throws IOException {
        Rec clear = read(V.resolve("cleartext/v4_cleartext.pcap")).get(0);
        byte[] arp = clear.data().clone();
        arp[12] = 0x08;
        arp[13] = 0x06;
        Path inFile = dir.resolve("in.pcap");
        write(inFile, List.of(clear, new Rec(arp, arp.length, 7, 8)));
        Path drops = dir.resolve("drops.pcap");
        for (String[] tso : new String[][] {{}, {"--tso-mss", "100"}}) { // the TSO path seals on its own
            List<String> args = new ArrayList<>(List.of("encrypt", "-c",
                    V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString(), "-i", inFile.toString(),
                    "-o", dir.resolve("out.pcap").toString(), "--drop-capture", drops.toString()));
            args.addAll(List.of(tso));
            CliTest.Result r = psp(args.toArray(String[]::new));
            assertEquals(0, r.rc(), r.err());
            List<Rec> got = read(drops);
            assertEquals(1, got.size(), String.join(" ", tso));
            assertArrayEquals(arp, got.get(0).data());
        }
    }

    /** A capture file that cannot be written fails the run naming it, not the output (which was fine). */
    @Test
    void aFailedCaptureWriteNamesTheCaptureFile() {
        Path full = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(full), "no writable /dev/full here");
        CliTest.Result r = psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(),
                "-i", V.resolve("corrupted/v4_transport_crypt_off_128_err.pcap").toString(),
                "-o", dir.resolve("out.pcap").toString(), "--mode", "transport", "--drop-capture", full.toString());
        assertEquals(1, r.rc(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("cannot write drop capture /dev/full"), r.err());
    }

    /** Bad arguments: one line, exit 2, nothing written. */
    @Test
    void badArgumentsAreRefused() throws IOException {
        String cfg = V.resolve("cfg/decrypt.cfg").toString();
        String in = V.resolve("corrupted/v4_transport_crypt_off_128_err.pcap").toString();
        String out = dir.resolve("out.pcap").toString();
        String[][] cases = {
                {"--drop-capture-limit", "5"},
                {"--drop-capture", dir.resolve("d.pcap").toString(), "--drop-capture-limit", "0"},
                {"--drop-capture", in},
                {"--drop-capture", out},
                {"--drop-capture", cfg},
                {"--drop-capture", "/nonexistent-dir/d.pcap"},
                {"--drop-capture", dir.toString()},
        };
        String[] why = {"--drop-capture-limit needs --drop-capture", "--drop-capture-limit", "is the input file",
                "is the output file", "is the config file", "cannot write drop capture /nonexistent-dir/d.pcap: no such directory",
                "cannot write drop capture " + dir + ": is a directory"};
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(List.of("decrypt", "-c", cfg, "-i", in, "-o", out, "--mode", "transport"));
            args.addAll(List.of(cases[i]));
            CliTest.Result r = psp(args.toArray(String[]::new));
            assertEquals(2, r.rc(), String.join(" ", cases[i]) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(why[i]), r.err());
            assertFalse(Files.exists(dir.resolve("d.pcap")));
        }
        assertTrue(Files.size(Path.of(in)) > 0, "the input is intact");
        assertTrue(Files.size(Path.of(cfg)) > 0, "the config is intact");
    }
}
