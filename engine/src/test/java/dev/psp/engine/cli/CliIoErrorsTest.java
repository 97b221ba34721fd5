package dev.psp.engine.cli;

import static dev.psp.engine.cli.CliTest.psp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.psp.engine.TestVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File errors: one line naming the file and the reason ("psp: No such device" named neither). */
class CliIoErrorsTest {
    static final Path V = TestVectors.googlePsp();
    static final String CLEAR = V.resolve("cleartext/v4_cleartext.pcap").toString();
    static final String ENC_CFG = V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString();
    @TempDir
    Path tmp;

    private static CliTest.Result encrypt(String in, String out) {
        return psp("encrypt", "-c", ENC_CFG, "-i", in, "-o", out);
    }

    private static void oneLine(CliTest.Result r, String... parts) {
        assertNotEquals(0, r.rc(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("psp"), r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), "expected '" + p + "' in: " + r.err());
        }
    }

    @Test
    void badInputsNameTheFileAndTheReason() {
        String out = tmp.resolve("o.pcap").toString();
        oneLine(encrypt(tmp.toString(), out), "cannot read input " + tmp + ": is a directory");
        oneLine(encrypt("", out), "cannot read input ''");
        oneLine(encrypt(tmp.resolve("missing.pcap").toString(), out), "cannot read input " + tmp.resolve("missing.pcap") + ": no such file");
        oneLine(psp("decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", tmp.toString(), "-o", out, "--mode", "auto"),
                "cannot read input " + tmp + ": is a directory");
        oneLine(psp("encrypt", "-c", tmp.toString(), "-i", CLEAR, "-o", out), "cannot read config " + tmp + ": is a directory");
        assertFalse(Files.exists(tmp.resolve("o.pcap")), "nothing created");
    }

    @Test
    void aFifoAsInputIsRefusedWithoutBlocking() throws Exception {
        Path fifo = tmp.resolve("fifo");
        int rc;
        try {
            rc = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        } catch (java.io.IOException e) {
            rc = -1;
        }
        assumeTrue(rc == 0 && Files.exists(fifo), "mkfifo unavailable");
        CliTest.Result r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> encrypt(fifo.toString(), tmp.resolve("o.pcap").toString()));
        oneLine(r, "cannot read input " + fifo + ": not a regular file");
    }

    @Test
    void badOutputsNameTheFileAndTheReason() {
        Path missingDir = tmp.resolve("nonexistent/dir/x.pcap");
        oneLine(encrypt(CLEAR, missingDir.toString()), "cannot write output " + missingDir + ": no such directory");
        oneLine(encrypt(CLEAR, tmp.toString()), "cannot write output " + tmp + ": is a directory");
        oneLine(encrypt(CLEAR, ""), "cannot write output ''");
    }

    @Test
    void aDeviceAsInputIsNotARegularFile() {
        assumeTrue(Files.exists(Path.of("/dev/zero")), "no /dev/zero here");
        oneLine(encrypt("/dev/zero", tmp.resolve("o.pcap").toString()), "cannot read input /dev/zero: not a regular file");
    }

    @Test
    void aFullDeviceAsOutputIsAnIoFailureNamingIt() {
        assumeTrue(Files.isWritable(Path.of("/dev/full")), "no writable /dev/full here");
        CliTest.Result r = encrypt(CLEAR, "/dev/full");
        oneLine(r, "cannot write output /dev/full: ", "No space left on device");
        assertEquals(1, r.rc(), "an I/O failure, not a bad argument");
    }

    @Test
    void reportNamesAFileThatIsNotJsonResults() {
        Path html = tmp.resolve("r.html");
        CliTest.Result r = psp("report", "-o", html.toString(), CLEAR);
        assertEquals(2, r.rc(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("psp report: " + CLEAR + ": "), r.err());
        assertTrue(r.err().contains("expected"), r.err());
        assertFalse(r.err().contains("Input length"), r.err());
        assertFalse(Files.exists(html));
    }
}
