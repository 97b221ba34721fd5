package dev.psp.engine.cli;

import static dev.psp.engine.cli.CliTest.psp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.psp.engine.TestVectors;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config is a few lines: one that is a device or a huge file is refused after at most
 * {@link PspConfig#MAX_BYTES} + 1 bytes (it was read whole: /dev/zero or a 3 GB file ended in an
 * OutOfMemoryError and a stack trace). One line, exit 2, no exception class name, no key bytes.
 */
class CliConfigSizeTest {
    static final Path V = TestVectors.googlePsp();
    static final String CLEAR = V.resolve("cleartext/v4_cleartext.pcap").toString();
    @TempDir
    Path tmp;

    private CliTest.Result encryptWith(Path cfg) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> psp("encrypt", "-c", cfg.toString(), "-i", CLEAR, "-o", tmp.resolve("o.pcap").toString()));
    }

    private CliTest.Result decryptWith(Path cfg) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> psp("decrypt", "-c", cfg.toString(), "-i", CLEAR, "-o", tmp.resolve("o.pcap").toString(), "--mode", "auto"));
    }

    private static void tooLarge(CliTest.Result r, Path cfg) {
        assertEquals(2, r.rc(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("psp: cannot read config " + cfg + ": larger than 64 KiB"), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("Error"), r.err());
        assertEquals("", r.out());
    }

    /** A sparse file far over the cap (over 2 GB: Files.readString threw OutOfMemoryError). */
    @Test
    void aHugeConfigIsRefusedWithoutReadingIt() throws Exception {
        Path big = tmp.resolve("big.cfg");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        tooLarge(encryptWith(big), big);
        tooLarge(decryptWith(big), big);
        assertFalse(Files.exists(tmp.resolve("o.pcap")), "nothing created");
    }

    /** One byte over the cap: a real config padded with blanks, refused; the key is not echoed. */
    @Test
    void oneByteOverTheCapIsRefusedAndTheCapItselfIsAccepted() throws Exception {
        String keys = TestVectors.decryptConfigText();
        byte[] text = keys.getBytes(StandardCharsets.ISO_8859_1);
        Path over = tmp.resolve("over.cfg");
        byte[] b = new byte[PspConfig.MAX_BYTES + 1];
        java.util.Arrays.fill(b, (byte) ' ');
        System.arraycopy(text, 0, b, b.length - text.length, text.length); // the keys at the end, past the cap
        Files.write(over, b);
        CliTest.Result r = decryptWith(over);
        tooLarge(r, over);
        String firstKeyBytes = keys.strip().split("\\s+")[0] + keys.strip().split("\\s+")[1];
        assertFalse(r.err().toLowerCase(Locale.ROOT).contains(firstKeyBytes.toLowerCase(Locale.ROOT)), r.err());

        Path at = tmp.resolve("at.cfg");
        Files.write(at, java.util.Arrays.copyOfRange(b, 1, b.length)); // exactly the cap: fine
        PspConfig.readDecrypt(at).wipe(); // does not throw
    }

    /** /dev/zero never ends: reading it must stop at the cap. */
    @Test
    void aEndlessDeviceAsConfigIsRefused() {
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero), "no /dev/zero here");
        tooLarge(encryptWith(zero), zero);
        tooLarge(decryptWith(zero), zero);
    }

    /** An I/O error reading the config names the OS reason, not the exception class. */
    @Test
    void aReadErrorNamesTheReasonNotTheExceptionClass() {
        Path mem = Path.of("/proc/self/mem");
        assumeTrue(Files.isReadable(mem), "no /proc/self/mem here");
        ConfigException e = assertThrows(ConfigException.class, () -> PspConfig.readDecrypt(mem));
        assertTrue(e.getMessage().startsWith("cannot read config " + mem + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("Exception"), e.getMessage());
    }
}
