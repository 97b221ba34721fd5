package dev.psp.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates {@code ../shared/vectors} relative to the repository root, at test time. */
public final class TestVectors {
    private TestVectors() {}

    /** The shared vectors directory; fails the test run loudly when it cannot be found. */
    public static Path root() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("../shared/vectors").normalize();
            if (Files.isDirectory(candidate) && Files.exists(d.resolve("pom.xml")) && Files.isDirectory(d.resolve("engine"))) {
                return candidate;
            }
        }
        // a git worktree elsewhere: the nearest ancestor holding shared/vectors
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared/vectors");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("../shared/vectors not found above " + dir);
    }

    /** The repository root: the nearest directory above the working directory holding pom.xml and engine/. */
    public static Path repoRoot() {
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve("pom.xml")) && Files.isDirectory(d.resolve("engine"))) {
                return d;
            }
        }
        throw new IllegalStateException("repository root not found above " + System.getProperty("user.dir"));
    }

    public static Path googlePsp() {
        return root().resolve("google-psp");
    }

    /** The 28 reference cases: the names of the files in {@code encrypted/}, without ".pcap". */
    public static java.util.List<String> encryptedCases() throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.list(googlePsp().resolve("encrypted"))) {
            java.util.List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pcap"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
            if (names.size() < 28) {
                throw new IllegalStateException("expected 28 encrypted vectors, found " + names.size());
            }
            return names;
        }
    }

    /** The encrypt config a case was made with ({@code v4_tunnel_x} -> {@code cfg/encrypt_tunnel_x.cfg}). */
    public static Path cfgFor(String name) {
        return googlePsp().resolve("cfg/encrypt_" + name.substring(3) + ".cfg");
    }

    /** The cleartext a case was made from. */
    public static Path cleartextFor(String name) {
        return googlePsp().resolve("cleartext/" + name.substring(0, 2) + "_cleartext" + (name.endsWith("_empty") ? "_empty" : "") + ".pcap");
    }

    public static byte[] hex(String s) {
        s = s.replaceAll("\\s+", "");
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    public static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }

    /** The text of the vectors' decrypt config: the two master keys, one hex byte per token, a line each. */
    public static String decryptConfigText() {
        try {
            return Files.readString(googlePsp().resolve("cfg/decrypt.cfg"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
