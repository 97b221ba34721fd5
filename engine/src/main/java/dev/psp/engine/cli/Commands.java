package dev.psp.engine.cli;

import java.io.PrintStream;

/** Commands implemented by other packages, wired in one place. */
final class Commands {
    private Commands() {}

    static int bench(String[] args, PrintStream out, PrintStream err) throws ConfigException {
        throw new ConfigException("bench is not available in this build yet");
    }

    static int device(String[] args, PrintStream out, PrintStream err) throws ConfigException {
        throw new ConfigException("device is not available in this build yet");
    }

    static int report(String[] args, PrintStream out, PrintStream err) throws ConfigException {
        throw new ConfigException("report is not available in this build yet");
    }

    static int compare(String[] args, PrintStream out, PrintStream err) throws ConfigException {
        throw new ConfigException("compare is not available in this build yet");
    }
}
