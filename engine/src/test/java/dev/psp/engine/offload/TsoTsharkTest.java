package dev.psp.engine.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.TestPcap;
import dev.psp.engine.TestVectors;
import dev.psp.engine.cli.Main;
import dev.psp.engine.pcap.PcapWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Third-party check: TCP super-packets encrypted with {@code psp encrypt --tso-mss} and decrypted
 * with {@code psp decrypt} pass tshark with IP and TCP checksum validation on, with no bad
 * checksum and no {@code tcp.analysis} problem. Installs tshark when missing (as root); skips with
 * a message only where it cannot.
 */
class TsoTsharkTest {
    @TempDir
    Path tmp;

    static String tshark() {
        for (String p : new String[] {"/usr/bin/tshark", "/usr/local/bin/tshark"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        try {
            if ("root".equals(System.getProperty("user.name"))) {
                Process pr = new ProcessBuilder("bash", "-c",
                        "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark >/dev/null 2>&1 || "
                                + "(apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark >/dev/null 2>&1)")
                        .inheritIO().start();
                if (pr.waitFor(300, TimeUnit.SECONDS) && Files.isExecutable(Path.of("/usr/bin/tshark"))) {
                    return "/usr/bin/tshark";
                }
            }
        } catch (IOException | InterruptedException e) {
            return null;
        }
        return null;
    }

    @Test
    void decryptedTsoOutputPassesTshark() throws Exception {
        String tshark = tshark();
        Assumptions.assumeTrue(tshark != null, "tshark is not installed and could not be installed here: skipping the third-party check");
        Path clear = tmp.resolve("clear.pcap");
        Random r = new Random(4);
        int expectedSegments = 0;
        int mss = 1000;
        try (PcapWriter w = PcapWriter.create(clear, 262144, 1, false)) {
            for (int ipv : new int[] {4, 6}) {
                int seq = 1_000_000;
                for (int k = 0; k < 6; k++) {
                    int payload = 1 + r.nextInt(20_000);
                    byte[] f = tcp(ipv, seq, payload, k == 5, r);
                    seq += payload;
                    expectedSegments += (payload + mss - 1) / mss;
                    w.write(MemorySegment.ofArray(f), 0, f.length, 10 + k, 0);
                }
            }
        }
        Path enc = tmp.resolve("enc.pcap");
        Path dec = tmp.resolve("dec.pcap");
        String cfg = TestVectors.googlePsp().resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString();
        assertEquals(0, run("encrypt", "-c", cfg, "-i", clear.toString(), "-o", enc.toString(), "--tso-mss", "" + mss));
        assertEquals(0, run("decrypt", "-c", TestVectors.googlePsp().resolve("cfg/decrypt.cfg").toString(), "-i", enc.toString(),
                "-o", dec.toString(), "--mode", "transport"));
        assertEquals(expectedSegments, TestPcap.read(dec).size());
        List<String> cmd = List.of(tshark, "-n", "-r", dec.toString(), "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                "-Y", "ip.checksum.status == 0 || tcp.checksum.status == 0 || tcp.analysis.flags");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out.strip(), "tshark found bad checksums or TCP analysis problems");
        // and the checks really ran: every segment's TCP checksum is reported good
        Process q = new ProcessBuilder(tshark, "-n", "-r", dec.toString(), "-o", "tcp.check_checksum:TRUE", "-Y", "tcp.checksum.status == 1",
                "-T", "fields", "-e", "frame.number").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String good = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(q.waitFor(120, TimeUnit.SECONDS));
        assertEquals(expectedSegments, good.strip().lines().count(), good);
    }

    @Test
    void groOfOpenOfTsoGivesTheSuperPacketsBackThroughTheCli() throws Exception {
        Path clear = tmp.resolve("clear.pcap");
        Random r = new Random(5);
        List<byte[]> frames = new ArrayList<>();
        try (PcapWriter w = PcapWriter.create(clear, 262144, 1, false)) {
            for (int ipv : new int[] {4, 6}) {
                int seq = 77;
                for (int k = 0; k < 4; k++) {
                    int payload = 3000 + r.nextInt(40_000);
                    byte[] f = tcp(ipv, seq, payload, false, r);
                    seq += payload;
                    frames.add(f);
                    w.write(MemorySegment.ofArray(f), 0, f.length, 10 + k, 0);
                }
            }
        }
        Path enc = tmp.resolve("enc.pcap");
        Path dec = tmp.resolve("dec.pcap");
        assertEquals(0, run("encrypt", "-c", TestVectors.googlePsp().resolve("cfg/encrypt_tunnel_crypt_off_128.cfg").toString(),
                "-i", clear.toString(), "-o", enc.toString(), "--tso-mss", "1448"));
        assertTrue(TestPcap.read(enc).size() > frames.size() * 2);
        assertEquals(0, run("decrypt", "-c", TestVectors.googlePsp().resolve("cfg/decrypt.cfg").toString(), "-i", enc.toString(),
                "-o", dec.toString(), "--mode", "tunnel", "--gro"));
        List<TestPcap.Rec> out = TestPcap.read(dec);
        assertEquals(frames.size(), out.size(), "one super-packet per original");
        for (int i = 0; i < frames.size(); i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(frames.get(i), out.get(i).data(), "super-packet " + i);
        }
    }

    private static int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        return Main.run(args, new PrintStream(o), new PrintStream(o));
    }

    /** A TCP super-packet (timestamps option, PSH|ACK, FIN when asked) from the shared test builder. */
    static byte[] tcp(int ipv, int seq, int payload, boolean fin, Random r) {
        TcpFrames.Spec s = new TcpFrames.Spec();
        s.ipVersion = ipv;
        s.seq = seq;
        s.flags = TcpFrames.ACK | TcpFrames.PSH | (fin ? TcpFrames.FIN : 0);
        s.options = TcpFrames.timestamps(256, 512);
        s.payload = new byte[payload];
        r.nextBytes(s.payload);
        return s.build();
    }
}
