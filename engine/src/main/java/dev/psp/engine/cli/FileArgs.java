package dev.psp.engine.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** Checks on the files a command is given, each failure one line naming the file and the problem. */
public final class FileArgs {
    private FileArgs() {}

    /**
     * Refuses an output that is the input under any spelling ({@code ./x}, a symbolic or hard
     * link): the input is memory-mapped, and truncating it for the output would destroy it mid-run.
     * Call before the output is opened. Returns the message, or null when the files differ.
     */
    static String sameFile(Path in, Path out) {
        return sameFile("input", in, out);
    }

    /** {@link #sameFile(Path, Path)} for any file the command reads ({@code what}: "input", "config"). */
    public static String sameFile(String what, Path in, Path out) {
        if (!isSameFile(in, out)) {
            return null;
        }
        String msg = what + " and output are the same file: " + out;
        return in.toString().equals(out.toString()) ? msg : msg + " (is " + in + ")";
    }

    /**
     * One file under any spelling: both exist and are the same file (a symbolic or hard link), or
     * the paths name the same place (two outputs, neither created yet).
     */
    static boolean isSameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            // cannot tell: the open that follows names the file and the reason
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** {@link #sameFile} for the command line: a bad argument (exit 2). */
    static void requireDistinct(Path in, Path out) throws ConfigException {
        requireDistinct("input", in, out);
    }

    /** {@link #sameFile(String, Path, Path)} for the command line: a bad argument (exit 2). */
    static void requireDistinct(String what, Path in, Path out) throws ConfigException {
        String msg = sameFile(what, in, out);
        if (msg != null) {
            throw new ConfigException(msg);
        }
    }

    /**
     * The input pcap: a readable regular file (it is memory-mapped: a pipe or device cannot be, and
     * opening a FIFO would block). Refusals are bad arguments (exit 2), checked before any work.
     */
    static Path input(String name) throws ConfigException {
        if (name.equals("-")) {
            throw new ConfigException("cannot read input -: standard input is not supported (the input is memory-mapped), give a file");
        }
        return readable("input", name, true);
    }

    /** A config file: readable and not a directory (a pipe is fine: it is read as text). */
    static Path config(String name) throws ConfigException {
        return readable("config", name, false);
    }

    /** A file to read, {@code regularOnly} when it will be memory-mapped; refusals name it and the reason. */
    static Path readable(String what, String name, boolean regularOnly) throws ConfigException {
        Path f = path("read " + what, name);
        String problem = Files.isDirectory(f) ? "is a directory"
                : !Files.exists(f) ? (Files.isDirectory(parent(f)) ? "no such file" : "no such directory")
                : regularOnly && !Files.isRegularFile(f) ? "not a regular file (a pipe or device cannot be memory-mapped)"
                : !Files.isReadable(f) ? "permission denied" : null;
        if (problem != null) {
            throw new ConfigException("cannot read " + what + " " + f + ": " + problem);
        }
        return f;
    }

    /**
     * The output pcap: not standard output ({@code -}), not a directory, in a directory that exists;
     * created or truncated later. Devices such as /dev/null are allowed.
     */
    static Path output(String name) throws ConfigException {
        return output("output", name);
    }

    /** {@link #output(String)} for another file the command writes ({@code what}: "drop capture"), named so in errors. */
    static Path output(String what, String name) throws ConfigException {
        if (name.equals("-")) {
            throw new ConfigException("cannot write " + what + " -: standard output is not supported, give a file name");
        }
        Path out = path("write " + what, name);
        Path dir = parent(out);
        String problem = Files.isDirectory(out) ? "is a directory"
                : !Files.exists(dir) ? "no such directory"
                : !Files.isDirectory(dir) ? dir + " is not a directory"
                : Files.exists(out) ? (Files.isWritable(out) ? null : "permission denied")
                : !Files.isWritable(dir) ? "permission denied (directory " + dir + ")" : null;
        if (problem != null) {
            throw new ConfigException("cannot write " + what + " " + out + ": " + problem);
        }
        return out;
    }

    private static Path path(String what, String name) throws ConfigException {
        if (name.isEmpty()) {
            throw new ConfigException("cannot " + what + " '': empty file name");
        }
        try {
            return Path.of(name);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ConfigException("cannot " + what + " '" + name + "': " + e.getReason());
        }
    }

    private static Path parent(Path p) {
        Path parent = p.toAbsolutePath().getParent();
        return parent == null ? p.toAbsolutePath() : parent;
    }

    /** What went wrong, without the file name (the caller names it): the OS reason where there is one. */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemException f) {
            return f.getReason() != null ? f.getReason() : "input/output error";
        }
        if (e instanceof java.io.EOFException && e.getMessage() == null) {
            return "unexpected end of file";
        }
        // never the exception's class name: the contract is an OS reason a user can act on
        return e.getMessage() != null ? e.getMessage() : "input/output error";
    }
}
