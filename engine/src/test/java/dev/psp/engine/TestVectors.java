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

    public static Path googlePsp() {
        return root().resolve("google-psp");
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
}
