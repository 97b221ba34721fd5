package dev.psp.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.Frames;
import dev.psp.engine.TestPcap;
import dev.psp.engine.TestVectors;
import dev.psp.engine.pcap.PcapWriter;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The psp command line, end to end on files. */
public class CliTest {
    static final Path V = TestVectors.googlePsp();
    @TempDir
    Path tmp;

    /** What one in-process {@code psp} run returned and printed (other test packages use it too). */
    public record Result(int rc, String out, String err) {}

    public static Result psp(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static Stream<String> cases() throws Exception {
        return TestVectors.encryptedCases().stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void referenceModeEncryptAndDecryptMatchTheReferenceFiles(String name) throws Exception {
        Path enc = tmp.resolve("enc.pcap");
        Path cfg = TestVectors.cfgFor(name);
        Path clear = TestVectors.cleartextFor(name);
        Result r = psp("encrypt", "-c", cfg.toString(), "-i", clear.toString(), "-o", enc.toString(), "--reference-mode");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("tx-packets     1"), r.out());
        // the whole file, global header included (the reference writes snaplen 9014 too)
        assertArrayEquals(Files.readAllBytes(V.resolve("encrypted/" + name + ".pcap")), Files.readAllBytes(enc));
        Path dec = tmp.resolve("dec.pcap");
        r = psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", V.resolve("encrypted/" + name + ".pcap").toString(),
                "-o", dec.toString(), "--mode", name.contains("tunnel") ? "tunnel" : "transport");
        assertEquals(0, r.rc(), r.err());
        assertArrayEquals(TestPcap.records(clear), TestPcap.records(dec));
    }

    @Test
    void corruptedFilesAreRejectedAndCounted() throws Exception {
        try (Stream<Path> files = Files.list(V.resolve("corrupted"))) {
            for (Path f : files.toList()) {
                Path out = tmp.resolve("x.pcap");
                Result r = psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", f.toString(), "-o", out.toString(),
                        "--mode", "auto", "--json");
                assertEquals(0, r.rc(), r.err());
                assertTrue(r.out().contains("\"rx-auth-fail\":1"), f + ": " + r.out());
                assertTrue(r.out().contains("\"written\":0"), f + ": " + r.out());
                assertEquals(0, TestPcap.read(out).size());
            }
        }
    }

    @Test
    void defaultModeUsesTimestampIvsAndFlowHashPortsAndRoundTrips() throws Exception {
        Path enc = tmp.resolve("enc.pcap");
        Path clear = V.resolve("cleartext/v4_cleartext.pcap");
        Result r = psp("encrypt", "-c", V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString(), "-i", clear.toString(),
                "-o", enc.toString(), "--backend", "jdk");
        assertEquals(0, r.rc(), r.err());
        byte[] pkt = TestPcap.read(enc).get(0).data();
        long iv = java.nio.ByteBuffer.wrap(pkt, 14 + 20 + 8 + 8, 8).getLong();
        assertTrue(iv > 1_000_000_000_000_000_000L || iv < 0, "timestamp IV expected, got " + iv);
        int sport = ((pkt[34] & 0xff) << 8) | (pkt[35] & 0xff);
        assertTrue(sport >= 0xC000, "flow-hash source port expected, got " + sport);
        Path dec = tmp.resolve("dec.pcap");
        r = psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", enc.toString(), "-o", dec.toString(), "--mode", "transport");
        assertEquals(0, r.rc(), r.err());
        assertArrayEquals(TestPcap.records(clear), TestPcap.records(dec));
    }

    @Test
    void aRunGoesOnPastBadPacketsAndPassesNonPspThrough() throws Exception {
        Path in = tmp.resolve("mixed.pcap");
        byte[] good1 = Frames.spec().seed(1).payload(300).build();
        byte[] arp = new byte[60];
        arp[12] = 0x08;
        arp[13] = 0x06;
        byte[] cut = java.util.Arrays.copyOf(Frames.spec().seed(2).build(), 25);
        byte[] good2 = Frames.spec().v(6).proto(6).seed(3).payload(1000).build();
        try (PcapWriter w = PcapWriter.create(in)) {
            for (byte[] f : List.of(good1, arp, cut, good2)) {
                w.write(MemorySegment.ofArray(f), 0, f.length, 100, 0);
            }
        }
        Path enc = tmp.resolve("enc.pcap");
        Result r = psp("encrypt", "-c", V.resolve("cfg/encrypt_tunnel_crypt_off_128.cfg").toString(), "-i", in.toString(), "-o", enc.toString(),
                "--json");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("\"tx-packets\":2"), r.out());
        assertTrue(r.out().contains("\"tx-error\":2"), r.out());
        // decrypt a file holding PSP packets and the original cleartext: cleartext passes through
        Path both = tmp.resolve("both.pcap");
        try (PcapWriter w = PcapWriter.create(both)) {
            for (TestPcap.Rec rec : TestPcap.read(enc)) {
                w.write(MemorySegment.ofArray(rec.data()), 0, rec.data().length, 1, 0);
            }
            w.write(MemorySegment.ofArray(good1), 0, good1.length, 2, 0);
        }
        Path dec = tmp.resolve("dec.pcap");
        r = psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", both.toString(), "-o", dec.toString(), "--mode", "tunnel", "--json");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("\"rx-packets\":2"), r.out());
        assertTrue(r.out().contains("\"rx-passthrough\":1"), r.out());
        List<TestPcap.Rec> out = TestPcap.read(dec);
        assertEquals(3, out.size());
        assertArrayEquals(good1, out.get(0).data());
        assertArrayEquals(good2, out.get(1).data());
        assertArrayEquals(good1, out.get(2).data());
    }

    @Test
    void badConfigsAndArgumentsGiveOneClearLineAndNonZeroExit() throws Exception {
        Path cfg = tmp.resolve("bad.cfg");
        String keys = Files.readString(V.resolve("cfg/decrypt.cfg"));
        String[][] bad = {
            {keys + " 9A345678 transport aes-gcm-512 0 0 0 no-vc", "crypto algorithm"},
            {keys + " 9A345678 transport aes-gcm-128 64 0 0 no-vc", "crypt offset"},
            {keys + " 9A345678 sideways aes-gcm-128 0 0 0 no-vc", "encap mode"},
            {keys + " 80000000 transport aes-gcm-128 0 0 0 no-vc", "reserved"},
            {keys + " 9A345678 transport aes-gcm-128 0 0 0", "vc mode"},
            {"34 44 zz", "master key 0"},
        };
        for (String[] b : bad) {
            Files.writeString(cfg, b[0]);
            Result r = psp("encrypt", "-c", cfg.toString(), "-i", V.resolve("cleartext/v4_cleartext.pcap").toString(), "-o", tmp.resolve("o").toString());
            assertEquals(2, r.rc());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(b[1]), r.err());
            assertFalse(r.err().toLowerCase().contains("34 44 8a") || r.err().contains("34448a"), "key bytes leaked: " + r.err());
        }
        assertEquals(2, psp("encrypt", "-c", V.resolve("cfg/encrypt_tunnel_crypt_off_128.cfg").toString()).rc());
        assertEquals(2, psp("decrypt", "--bogus").rc());
        Result flag = psp("decrypt", "--gro=yes");
        assertEquals(2, flag.rc());
        assertTrue(flag.err().contains("--gro takes no value"), flag.err());
        Result ic = psp("encrypt", "-c", V.resolve("cfg/encrypt_tunnel_crypt_off_128.cfg").toString(), "-i",
                V.resolve("cleartext/v4_cleartext.pcap").toString(), "-o", tmp.resolve("o").toString(), "--reference-mode", "--inner-checksum");
        assertEquals(2, ic.rc());
        assertTrue(ic.err().contains("--inner-checksum"), ic.err());
        assertEquals(2, psp("frobnicate").rc());
        Result r = psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", "/nonexistent.pcap", "-o", tmp.resolve("o").toString());
        assertNotEquals(0, r.rc());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        r = psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", V.resolve("cfg/decrypt.cfg").toString(), "-o", tmp.resolve("o").toString(), "--mode", "auto");
        assertNotEquals(0, r.rc());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals(2, psp("encrypt", "-c", V.resolve("cfg/encrypt_tunnel_crypt_off_128.cfg").toString(), "-i",
                V.resolve("cleartext/v4_cleartext.pcap").toString(), "-o", tmp.resolve("o").toString(), "--backend", "nope").rc());
    }

    /** An unexpected error is one line naming its type, never its message, exit 70; the trace only on request. */
    @Test
    void anInternalErrorIsOneLineWithoutItsMessage() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(70, Main.internalError(new IllegalStateException("00112233445566778899aabbccddeeff"), err));
        String e = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, e.strip().lines().count(), e);
        assertTrue(e.startsWith("psp: internal error (java.lang.IllegalStateException)"), e);
        assertFalse(e.contains("0011223344"), e);
        bytes.reset();
        System.setProperty("psp.debug", "true");
        try {
            Main.internalError(new IllegalStateException("x"), err);
        } finally {
            System.clearProperty("psp.debug");
        }
        assertTrue(bytes.toString(java.nio.charset.StandardCharsets.UTF_8).contains("\tat "), "the trace on request");
    }

    /** Every option --reference-mode refuses, on both commands: one line naming it, exit 2, nothing written. */
    @Test
    void referenceModeRefusesEachOptionItHasNo() throws Exception {
        String in = V.resolve("cleartext/v4_cleartext.pcap").toString();
        Path o = tmp.resolve("ref.pcap");
        String[] values = {"--sport", "fixed:5", "--vc-value", "12", "--tso-mss", "1000", "--gso-size", "1000",
            "--gro-max-segments", "4", "--gro-max-size", "9000", "--gro-merge", "copy", "--gro-flush-timeout", "1000"};
        java.util.Map<String, String> value = new java.util.HashMap<>();
        for (int i = 0; i < values.length; i += 2) {
            value.put(values[i], values[i + 1]);
        }
        for (boolean enc : new boolean[] {true, false}) {
            for (String opt : enc ? Main.NOT_WITH_REFERENCE_ENCRYPT : Main.NOT_WITH_REFERENCE_DECRYPT) {
                List<String> args = new java.util.ArrayList<>(List.of(enc ? "encrypt" : "decrypt", "-c",
                        V.resolve(enc ? "cfg/encrypt_transport_crypt_off_128_vc.cfg" : "cfg/decrypt.cfg").toString(), "-i", in,
                        "-o", o.toString(), "--reference-mode", opt));
                if (value.containsKey(opt)) {
                    args.add(value.get(opt));
                }
                Result r = psp(args.toArray(String[]::new));
                assertEquals(2, r.rc(), args + ": " + r.err());
                assertEquals(1, r.err().strip().lines().count(), r.err());
                assertTrue(r.err().contains(opt + " cannot be combined with --reference-mode"), r.err());
                assertFalse(Files.exists(o), "nothing written: " + args);
            }
        }
    }

    /** A key pasted into a value that is echoed back (a mode, a VC, a bench option, a stray argument) is described, not shown. */
    @Test
    void aKeyPastedIntoAnOptionIsNeverEchoed() {
        String key = "00112233445566778899aabbccddeeff";
        String in = V.resolve("cleartext/v4_cleartext.pcap").toString();
        String o = tmp.resolve("o").toString();
        String vc = V.resolve("cfg/encrypt_transport_crypt_off_128_vc.cfg").toString();
        for (String[] args : List.of(
                new String[] {"encrypt", "-c", vc, "-i", in, "-o", o, "--vc-value", key},
                new String[] {"encrypt", "-c", vc, "-i", in, "-o", o, "--sport", key},
                new String[] {"decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", in, "-o", o, "--mode", key},
                new String[] {"bench", "--mode", key}, new String[] {"bench", "--sizes", key}, new String[] {"bench", key},
                new String[] {"help", key})) {
            Result r = psp(args);
            assertEquals(2, r.rc(), String.join(" ", args) + ": " + r.err());
            assertFalse(r.err().contains(key) || r.out().contains(key), "echoed: " + r.err());
            assertTrue(r.err().contains("32-character value"), r.err());
        }
    }

    /** Options that could not take effect are refused, not silently dropped; a refused decrypt prints its error alone. */
    @Test
    void optionsThatWouldBeIgnoredAreRefused() {
        String in = V.resolve("cleartext/v4_cleartext.pcap").toString();
        String o = tmp.resolve("o").toString();
        String[][] cases = {
            {"--sport", "encrypt", "-c", V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString(), "-i", in, "-o", o,
                "--reference-mode", "--sport", "fixed:5"},
            {"--vc-value", "encrypt", "-c", V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString(), "-i", in, "-o", o,
                "--vc-value", "1234"},
            {"--key-cache", "decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", in, "-o", o, "--key-cache", "3"},
            {"--gro", "decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", in, "-o", o, "--reference-mode",
                "--gro-max-segments", "4"},
            // the reference writes S, D and the UDP checksum as 0: these would break its bytes
            {"--s-bit", "encrypt", "-c", V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString(), "-i", in, "-o", o,
                "--reference-mode", "--s-bit"},
            {"--d-bit", "encrypt", "-c", V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString(), "-i", in, "-o", o,
                "--reference-mode", "--d-bit"},
            {"--udp-checksum", "encrypt", "-c", V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString(), "-i", in,
                "-o", o, "--reference-mode", "--udp-checksum"},
        };
        for (String[] c : cases) {
            Result r = psp(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertEquals(2, r.rc(), String.join(" ", c) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(c[0]), r.err());
        }
        // with a VC config the value is used
        assertEquals(0, psp("encrypt", "-c", V.resolve("cfg/encrypt_transport_crypt_off_128_vc.cfg").toString(), "-i", in,
                "-o", o, "--vc-value", "1234").rc());
    }

    /** Tunnel mode, and transport mode (whose common-shape frames the shim's frame sealer checksums in C when it is there). */
    @ParameterizedTest
    @ValueSource(strings = {"tunnel", "transport"})
    void innerChecksumsFilledOnEncryptAndVerifiedOnDecrypt(String mode) throws Exception {
        byte[] good = Frames.spec().proto(6).seed(5).payload(700).build();
        byte[] bad = Frames.spec().proto(17).seed(6).payload(300).build();
        MemorySegment g = MemorySegment.ofArray(good);
        Bytes.u16(g, 34 + 16, Checksum.l4(g, 14, 4, 6, 34, good.length - 34, 16));
        MemorySegment b = MemorySegment.ofArray(bad);
        Bytes.u16(b, 34 + 6, Checksum.l4(b, 14, 4, 17, 34, bad.length - 34, 6) ^ 0x0101); // wrong
        Path in = tmp.resolve("csum.pcap");
        try (PcapWriter w = PcapWriter.create(in)) {
            w.write(g, 0, good.length, 1, 0);
            w.write(b, 0, bad.length, 2, 0);
        }
        String cfg = V.resolve("cfg/encrypt_" + mode + "_crypt_off_128.cfg").toString();
        Path enc = tmp.resolve("csum-enc.pcap");
        Path dec = tmp.resolve("csum-dec.pcap");
        assertEquals(0, psp("encrypt", "-c", cfg, "-i", in.toString(), "-o", enc.toString()).rc());
        Result r = psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", enc.toString(), "-o", dec.toString(),
                "--mode", mode, "--inner-checksum", "--json");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("\"rx-inner-csum-bad\":1"), r.out());
        List<TestPcap.Rec> out = TestPcap.read(dec);
        assertEquals(1, out.size(), "the packet with the bad inner checksum is dropped");
        assertArrayEquals(good, out.get(0).data());
        // encrypt filling the checksums in: both verify, and only the bad packet's checksum field changed
        assertEquals(0, psp("encrypt", "-c", cfg, "-i", in.toString(), "-o", enc.toString(), "--inner-checksum").rc());
        r = psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", enc.toString(), "-o", dec.toString(),
                "--mode", mode, "--inner-checksum", "--json");
        assertEquals(0, r.rc(), r.err());
        assertFalse(r.out().contains("\"rx-inner-csum-bad\":1"), r.out());
        out = TestPcap.read(dec);
        assertEquals(2, out.size());
        assertArrayEquals(good, out.get(0).data());
        Bytes.u16(b, 34 + 6, Checksum.l4(b, 14, 4, 17, 34, bad.length - 34, 6));
        assertArrayEquals(bad, out.get(1).data());
        assertEquals(2, psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", enc.toString(), "-o", dec.toString(),
                "--reference-mode", "--inner-checksum").rc());
    }

    @Test
    void backendsListsEveryBackend() {
        Result r = psp("backends");
        assertEquals(0, r.rc());
        for (var b : dev.psp.engine.crypto.AeadBackends.all()) {
            assertTrue(r.out().contains(b.name()), r.out());
        }
    }

    /** psp device --rotation-period and the console's dev-set rotation-period share one limit. */
    @Test
    void deviceRotationPeriodLimitIsTheConsoles() {
        long max = dev.psp.engine.device.DeviceConsole.MAX_ROTATION_PERIOD_SECONDS;
        assertEquals(Integer.MAX_VALUE, max);
        Result r = psp("device", "--rotation-period", Long.toString(max + 1));
        assertNotEquals(0, r.rc());
        assertTrue(r.err().contains("1.." + max), r.err());
    }
}
