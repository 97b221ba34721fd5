package dev.psp.engine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks on the files a command is given, each failure one line naming the file and the problem. */
final class FileArgs {
    private FileArgs() {}

    /**
     * Refuses an output that is the input under any spelling ({@code ./x}, a symbolic or hard
     * link): the input is memory-mapped, and truncating it for the output would destroy it mid-run.
     * Call before the output is opened. Returns the message, or null when the files differ.
     */
    static String sameFile(Path in, Path out) {
        try {
            if (Files.exists(out) && Files.exists(in) && Files.isSameFile(in, out)) {
                String msg = "input and output are the same file: " + out;
                return in.toString().equals(out.toString()) ? msg : msg + " (is " + in + ")";
            }
        } catch (IOException e) {
            // cannot tell: the open that follows names the file and the reason
        }
        return null;
    }

    /** {@link #sameFile} for the command line: a bad argument (exit 2). */
    static void requireDistinct(Path in, Path out) throws ConfigException {
        String msg = sameFile(in, out);
        if (msg != null) {
            throw new ConfigException(msg);
        }
    }
}
