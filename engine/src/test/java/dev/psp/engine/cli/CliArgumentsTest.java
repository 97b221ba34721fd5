package dev.psp.engine.cli;

import static dev.psp.engine.cli.CliTest.psp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.TestVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stray and repeated arguments: one line, exit 2, nothing run and no output file created. */
class CliArgumentsTest {
    static final Path V = TestVectors.googlePsp();
    @TempDir
    Path tmp;

    private void refused(String expected, String... args) {
        CliTest.Result r = psp(args);
        assertEquals(2, r.rc(), String.join(" ", args) + ": " + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), String.join(" ", args) + ": " + r.err());
        assertEquals("", r.out(), "nothing runs: " + String.join(" ", args));
    }

    @Test
    void aStrayPositionalArgumentIsAnError() {
        String out = tmp.resolve("o.pcap").toString();
        String clear = V.resolve("cleartext/v4_cleartext.pcap").toString();
        refused("unexpected argument 'extra'", "encrypt", "-c", V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString(),
                "-i", clear, "-o", out, "extra");
        refused("unexpected argument 'extra'", "decrypt", "extra", "-c", V.resolve("cfg/decrypt.cfg").toString(),
                "-i", clear, "-o", out, "--mode", "auto");
        refused("unexpected argument 'extra'", "demo", "--vectors", V.toString(), "--no-bench", "extra");
        refused("unexpected argument 'extra'", "backends", "extra");
        assertFalse(Files.exists(tmp.resolve("o.pcap")));
    }

    @Test
    void anOptionGivenTwiceIsAnError() {
        String out = tmp.resolve("o.pcap").toString();
        String clear = V.resolve("cleartext/v4_cleartext.pcap").toString();
        String cfg = V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString();
        String dcfg = V.resolve("cfg/decrypt.cfg").toString();
        refused("option -o given more than once", "encrypt", "-c", cfg, "-i", clear, "-o", out, "-o", tmp.resolve("p.pcap").toString());
        refused("option -c given more than once", "encrypt", "-c", cfg, "-c", cfg, "-i", clear, "-o", out);
        refused("option --json given more than once", "encrypt", "-c", cfg, "-i", clear, "-o", out, "--json", "--json");
        refused("option --mode given more than once", "decrypt", "-c", dcfg, "-i", clear, "-o", out, "--mode", "auto",
                "--mode=tunnel");
        refused("option --vectors given more than once", "demo", "--vectors", V.toString(), "--vectors", V.toString(), "--no-bench");
        refused("option --duration given more than once", "bench", "--duration", "1", "--duration", "2");
        refused("option --threshold given more than once", "compare", "a.json", "b.json", "--threshold", "1", "--threshold", "2");
        assertFalse(Files.exists(tmp.resolve("o.pcap")));
        assertFalse(Files.exists(tmp.resolve("p.pcap")));
    }

    @Test
    void argsParseRefusesRepeatsWhateverTheSpelling() {
        for (List<String> argv : List.of(List.of("-o", "a", "-o", "b"), List.of("--out=a", "--out", "b"),
                List.of("--out", "a", "--out=a"), List.of("-v", "-v"))) {
            ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                    () -> Args.parse(argv.toArray(String[]::new), 0, java.util.Set.of("-o", "--out"), java.util.Set.of("-v")));
            assertTrue(e.getMessage().matches("option (-o|--out|-v) given more than once"), e.getMessage());
        }
    }
}
