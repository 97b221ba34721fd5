package dev.psp.engine.cli;

import static dev.psp.engine.cli.CliTest.psp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.TestVectors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * psp demo on a bad vectors directory: one line naming what is wrong, never a stack trace or an
 * exception class name; its temporary pcaps are removed whatever happens.
 */
class CliDemoTest {
    static final Path V = TestVectors.googlePsp();
    static final String CASE = "v4_transport_crypt_off_128";
    @TempDir
    Path tmp;

    /** A vectors directory: decrypt.cfg, the cleartexts, an empty corrupted/ and the given encrypted vectors. */
    private Path vectors(String... encrypted) throws Exception {
        Path d = tmp.resolve("vectors");
        Files.createDirectories(d.resolve("encrypted"));
        Files.createDirectories(d.resolve("cfg"));
        Files.createDirectories(d.resolve("corrupted"));
        Files.createDirectories(d.resolve("cleartext"));
        Files.copy(V.resolve("cfg/decrypt.cfg"), d.resolve("cfg/decrypt.cfg"));
        Files.copy(V.resolve("cleartext/v4_cleartext.pcap"), d.resolve("cleartext/v4_cleartext.pcap"));
        for (String name : encrypted) {
            Files.copy(V.resolve("encrypted/" + CASE + ".pcap"), d.resolve("encrypted/" + name + ".pcap"));
        }
        return d;
    }

    private static void refused(CliTest.Result r, String... parts) {
        assertEquals(2, r.rc(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("psp"), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), "expected '" + p + "' in: " + r.err());
        }
    }

    @Test
    void aVectorNotFollowingTheNamingIsRefusedBeforeAnyWork() throws Exception {
        Path d = vectors("ab");
        CliTest.Result r = psp("demo", "--no-bench", "--vectors", d.toString());
        refused(r, "encrypted/ab.pcap", "v4_");
        assertEquals("", r.out(), "nothing ran");
    }

    @Test
    void aMissingConfigIsNamedWithTheReason() throws Exception {
        Path d = vectors("v4_nonexist");
        refused(psp("demo", "--no-bench", "--vectors", d.toString()), d.resolve("cfg/encrypt_nonexist.cfg") + ": no such file");
        Files.delete(d.resolve("cfg/decrypt.cfg"));
        Files.copy(V.resolve("cfg/encrypt_" + CASE.substring(3) + ".cfg"), d.resolve("cfg/encrypt_nonexist.cfg"));
        refused(psp("demo", "--no-bench", "--vectors", d.toString()), d.resolve("cfg/decrypt.cfg") + ": no such file");
    }

    @Test
    void aMissingCleartextIsNamed() throws Exception {
        Path d = vectors("v6_transport_crypt_off_128");
        Files.copy(V.resolve("cfg/encrypt_transport_crypt_off_128.cfg"), d.resolve("cfg/encrypt_transport_crypt_off_128.cfg"));
        refused(psp("demo", "--no-bench", "--vectors", d.toString()), d.resolve("cleartext/v6_cleartext.pcap") + ": no such file");
    }

    @Test
    void noVectorsIsRefused() throws Exception {
        Path d = vectors();
        refused(psp("demo", "--no-bench", "--vectors", d.toString()), "no vectors", d.resolve("encrypted").toString());
    }

    @Test
    void missingSubdirectoriesAreNamed() throws Exception {
        Path d = vectors(CASE);
        Files.copy(V.resolve("cfg/encrypt_" + CASE.substring(3) + ".cfg"), d.resolve("cfg/encrypt_" + CASE.substring(3) + ".cfg"));
        Files.delete(d.resolve("corrupted"));
        refused(psp("demo", "--no-bench", "--vectors", d.toString()), "vectors directory " + d + " has no corrupted/ subdirectory");
        Path none = tmp.resolve("none");
        refused(psp("demo", "--no-bench", "--vectors", none.toString()), "vectors not found at " + none);
        refused(psp("demo", "--no-bench", "--vectors", tmp.toString()), "vectors directory " + tmp + " has no encrypted/ subdirectory");
    }

    @Test
    void anEmptyVectorsNameIsRefused() {
        refused(psp("demo", "--no-bench", "--vectors", ""), "--vectors", "empty");
    }

    @Test
    void benchOptionsAreNotIgnoredWithNoBench() {
        for (String d : new String[] {"1e9", "NaN", "1"}) {
            CliTest.Result r = psp("demo", "--no-bench", "--duration", d, "--vectors", V.toString());
            refused(r, "--duration", "--no-bench");
            assertEquals("", r.out(), "nothing ran");
        }
        for (String d : new String[] {"1e9", "NaN"}) { // and without --no-bench, checked before any work
            CliTest.Result r = psp("demo", "--duration", d, "--vectors", V.toString());
            assertEquals(2, r.rc(), r.err());
            assertTrue(r.err().contains("--duration"), r.err());
            assertEquals("", r.out(), "nothing ran");
        }
    }

    /** The temporary pcaps go whether the run passes or fails half-way (a bad config after a good vector). */
    @Test
    void theTemporaryDirectoryIsRemovedOnSuccessAndOnFailure() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("tmproot"));
        Path d = vectors(CASE, "v4_zz_bad");
        Files.copy(V.resolve("cfg/encrypt_" + CASE.substring(3) + ".cfg"), d.resolve("cfg/encrypt_" + CASE.substring(3) + ".cfg"));
        Files.writeString(d.resolve("cfg/encrypt_zz_bad.cfg"), "not a config\n");
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        ConfigException e = assertThrows(ConfigException.class,
                () -> Demo.run(new String[] {"demo", "--no-bench", "--vectors", d.toString()}, out, out, root));
        assertTrue(e.getMessage().contains("encrypt_zz_bad.cfg"), e.getMessage());
        assertEquals(0, count(root), "temporary files left behind after a failure");

        Files.delete(d.resolve("encrypted/v4_zz_bad.pcap"));
        assertEquals(0, Demo.run(new String[] {"demo", "--no-bench", "--vectors", d.toString()}, out, out, root));
        assertEquals(0, count(root), "temporary files left behind after a success");
    }

    private static long count(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    /** The default vectors are found beside the repository (the launcher passes psp.root), not the working directory. */
    @Test
    void theDefaultVectorsAreResolvedAgainstTheRepositoryRoot() {
        Path repo = TestVectors.repoRoot();
        String before = System.getProperty("psp.root");
        System.setProperty("psp.root", repo.toString());
        try {
            CliTest.Result r = psp("demo", "--no-bench");
            assertEquals(0, r.rc(), r.err());
            assertTrue(r.out().contains("== reference vectors (" + V.toAbsolutePath().normalize() + ")"), r.out());
            assertTrue(r.out().contains("28 cases"), r.out());
        } finally {
            if (before == null) {
                System.clearProperty("psp.root");
            } else {
                System.setProperty("psp.root", before);
            }
        }
    }
}
