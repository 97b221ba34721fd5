package dev.psp.engine.cli;

import static dev.psp.engine.cli.CliTest.psp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.TestVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same file as input and output, under any spelling: refused before the output is opened (the
 * input is memory-mapped, and truncating it under the mapping crashed the run and destroyed it).
 */
class CliSameFileTest {
    static final Path V = TestVectors.googlePsp();
    @TempDir
    Path tmp;

    @Test
    void sameFileForInputAndOutputIsRefusedAndTheInputKept() throws Exception {
        Path same = tmp.resolve("same.pcap");
        Files.copy(V.resolve("cleartext/v4_cleartext.pcap"), same);
        byte[] before = Files.readAllBytes(same);
        Files.createDirectories(tmp.resolve("sub"));
        List<Path> spellings = new ArrayList<>(List.of(same, tmp.resolve("sub/../same.pcap"), tmp.resolve("./same.pcap")));
        spellings.add(Files.createSymbolicLink(tmp.resolve("link.pcap"), same));
        spellings.add(Files.createLink(tmp.resolve("hard.pcap"), same));
        String enc = V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString();
        String dec = V.resolve("cfg/decrypt.cfg").toString();
        for (Path out : spellings) {
            for (String[] args : List.of(
                    new String[] {"encrypt", "-c", enc, "-i", same.toString(), "-o", out.toString()},
                    new String[] {"decrypt", "-c", dec, "-i", same.toString(), "-o", out.toString(), "--mode", "auto"},
                    new String[] {"decrypt", "-c", dec, "-i", out.toString(), "-o", same.toString(), "--mode", "auto"})) {
                CliTest.Result r = psp(args);
                assertNotEquals(0, r.rc(), String.join(" ", args));
                assertEquals(1, r.err().strip().lines().count(), r.err());
                assertTrue(r.err().startsWith("psp: input and output are the same file: "), r.err());
                assertTrue(r.err().contains(args[6]), r.err());
                assertArrayEquals(before, Files.readAllBytes(same), "input destroyed by " + String.join(" ", args));
            }
        }
    }

    /** The config as the output: refused before the output is opened (it once truncated the keys away, exit 0). */
    @Test
    void configAsOutputIsRefusedAndTheConfigKept() throws Exception {
        Path enc = tmp.resolve("enc.cfg");
        Path dec = tmp.resolve("dec.cfg");
        Files.copy(V.resolve("cfg/encrypt_transport_crypt_off_128.cfg"), enc);
        Files.copy(V.resolve("cfg/decrypt.cfg"), dec);
        Path link = Files.createSymbolicLink(tmp.resolve("link.cfg"), enc);
        String in = V.resolve("cleartext/v4_cleartext.pcap").toString();
        for (String[] args : List.of(
                new String[] {"encrypt", "-c", enc.toString(), "-i", in, "-o", enc.toString()},
                new String[] {"encrypt", "-c", enc.toString(), "-i", in, "-o", link.toString()},
                new String[] {"decrypt", "-c", dec.toString(), "-i", in, "-o", dec.toString(), "--mode", "auto"})) {
            byte[] before = Files.readAllBytes(Path.of(args[2]));
            CliTest.Result r = psp(args);
            assertEquals(2, r.rc(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("psp: config and output are the same file: " + args[6]), r.err());
            assertArrayEquals(before, Files.readAllBytes(Path.of(args[2])), "config destroyed by " + String.join(" ", args));
        }
    }

    /** The library entry point refuses too (psp demo and embedders call it directly). */
    @Test
    void fileCodecRefusesTheSameFileBeforeTruncatingIt() throws Exception {
        Path same = tmp.resolve("same.pcap");
        Files.copy(V.resolve("cleartext/v4_cleartext.pcap"), same);
        byte[] before = Files.readAllBytes(same);
        PspConfig cfg = PspConfig.readDecrypt(V.resolve("cfg/decrypt.cfg"));
        dev.psp.engine.crypto.KeyDerivation kdf = new dev.psp.engine.crypto.KeyDerivation(cfg.masterKey0, cfg.masterKey1);
        try (var engine = dev.psp.engine.crypto.AeadBackends.jdk().newEngine(); FileCodec codec = new FileCodec()) {
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> codec.decrypt(engine, kdf, dev.psp.engine.psp.Mode.AUTO, 0, same, tmp.resolve("./same.pcap"), 9014));
            assertTrue(e.getMessage().startsWith("input and output are the same file: "), e.getMessage());
        } finally {
            kdf.destroy();
        }
        assertArrayEquals(before, Files.readAllBytes(same));
    }
}
