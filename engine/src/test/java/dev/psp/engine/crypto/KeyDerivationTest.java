package dev.psp.engine.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.TestVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyDerivationTest {

    @Test
    void everyLineOfKdfTxtMatches() throws IOException {
        List<String> lines = Files.readAllLines(TestVectors.root().resolve("kdf.txt"));
        int checked = 0;
        for (String line : lines) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            int version = switch (f[0]) {
                case "aes-gcm-128" -> 0;
                case "aes-gcm-256" -> 1;
                default -> throw new AssertionError("unknown alg " + f[0]);
            };
            KeyDerivation kdf = new KeyDerivation(TestVectors.hex(f[1]), TestVectors.hex(f[2]));
            int spi = (int) Long.parseLong(f[3], 16);
            assertEquals(f[4], TestVectors.hex(kdf.derive(spi, version)), line);
            checked++;
        }
        assertTrue(checked >= 12, "kdf.txt had only " + checked + " vectors");
    }

    @Test
    void specWorkedExamples() {
        KeyDerivation kdf = new KeyDerivation(
                TestVectors.hex("34448a064292601b11a0978f56a2d34cf3fc35ede1a6bc04f8db3e5243a2b0ca"),
                TestVectors.hex("563952565d3a78ae773ec1b779f2f2d99f4a7f53a6fbb9b07d5b71f39364d739"));
        assertEquals("96c22dc799198090b74b70ae468e4e30", TestVectors.hex(kdf.derive(0x12345678, 0)));
        assertEquals("3946da2554eae46ad1ef77a64372edc4", TestVectors.hex(kdf.derive(0x9A345678, 0)));
        assertEquals("2b7d72074e42ca334487f2990e3f8c4037e436f38283449b76463e9b7fb2e3de",
                TestVectors.hex(kdf.derive(0x12345678, 1)));
    }

    @Test
    void gmacVersionsUseTheirOwnLabelAndLength() {
        KeyDerivation kdf = new KeyDerivation(new byte[32], new byte[32]);
        assertEquals(16, kdf.derive(0x1234, 2).length);
        assertEquals(32, kdf.derive(0x1234, 3).length);
        // a different label must give a different key than the GCM version of the same length
        assertFalse(java.util.Arrays.equals(kdf.derive(0x1234, 0), kdf.derive(0x1234, 2)));
        assertFalse(java.util.Arrays.equals(kdf.derive(0x1234, 1), kdf.derive(0x1234, 3)));
    }

    @Test
    void toStringShowsNoKeyMaterial() {
        KeyDerivation kdf = new KeyDerivation(new byte[32], null);
        assertFalse(kdf.toString().matches(".*[0-9a-f]{16}.*"));
        assertFalse(kdf.hasMasterKey(1));
        assertEquals(-1, kdf.derive(0x80000001, 0, java.lang.foreign.MemorySegment.ofArray(new byte[16]), 0));
    }
}
