package dev.psp.engine.report;

import dev.psp.engine.cli.FileArgs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The file psp report and psp export write: never one of the result files they read; failures name the reason. */
final class OutputFile {
    private OutputFile() {}

    /**
     * The output file {@code name}: not empty, and not one of the inputs under any spelling (a
     * directory input is read, never written).
     */
    static Path of(String name, List<Path> inputs) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("-o needs a file name, got an empty one");
        }
        Path out = Path.of(name);
        for (Path in : inputs) {
            String same = Files.isRegularFile(in) ? FileArgs.sameFile("input", in, out) : null;
            if (same != null) {
                throw new IllegalArgumentException(same);
            }
        }
        return out;
    }

    /** Writes {@code text}, creating missing parent directories when {@code mkdirs}; one-line message on failure. */
    static void write(Path out, String text, boolean mkdirs) {
        try {
            Path parent = out.toAbsolutePath().getParent();
            for (Path p = parent; p != null; p = p.getParent()) {
                if (Files.exists(p) && !Files.isDirectory(p)) {
                    throw new IllegalArgumentException("cannot write output " + out + ": " + p + " is not a directory");
                }
            }
            if (mkdirs && parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(out, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write output " + out + ": " + FileArgs.reason(e), e);
        }
    }
}
