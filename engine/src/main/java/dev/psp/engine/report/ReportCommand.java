package dev.psp.engine.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code psp report -o FILE.html [--threshold PERCENT] [--title TEXT] RESULTS...}: one self-contained HTML page
 * from result files and/or directories of history (each {@code *.json} a run, ordered by meta.time).
 */
public final class ReportCommand {
    static final String USAGE = "usage: psp report -o FILE.html [--threshold PERCENT] [--title TEXT] RESULTS...";

    private ReportCommand() {}

    /** Exit codes: 0 written, 2 bad arguments or unreadable input (one line on err). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String output = null;
        String title = "PSP benchmark report";
        double threshold = CompareCommand.DEFAULT_THRESHOLD;
        List<Path> inputs = new ArrayList<>();
        try {
            for (int k = 0; k < args.length; k++) {
                String a = args[k];
                String name = a;
                String value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                switch (name) {
                    case "-o", "--output", "--threshold", "--title" -> {
                        if (value == null) {
                            if (k + 1 >= args.length) {
                                throw new IllegalArgumentException(name + " needs a value");
                            }
                            value = args[++k];
                        }
                        switch (name) {
                            case "--threshold" -> {
                                String t = value.endsWith("%") ? value.substring(0, value.length() - 1) : value;
                                try {
                                    threshold = Double.parseDouble(t);
                                } catch (NumberFormatException e) {
                                    throw new IllegalArgumentException("--threshold expects a number, got \"" + value
                                            + "\"");
                                }
                                if (!(threshold >= 0) || Double.isInfinite(threshold)) {
                                    throw new IllegalArgumentException("--threshold must be >= 0, got " + value);
                                }
                            }
                            case "--title" -> title = value;
                            default -> output = value;
                        }
                    }
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> {
                        if (a.startsWith("-") && a.length() > 1) {
                            throw new IllegalArgumentException("unknown option " + a);
                        }
                        inputs.add(Path.of(a));
                    }
                }
            }
            if (output == null) {
                throw new IllegalArgumentException("-o FILE.html is required (" + USAGE + ")");
            }
            if (inputs.isEmpty()) {
                throw new IllegalArgumentException("no results given (" + USAGE + ")");
            }
        } catch (IllegalArgumentException e) {
            err.println("psp report: " + e.getMessage());
            return 2;
        }
        try {
            List<ResultSet> runs = ResultsIO.loadAll(inputs);
            String html = HtmlReport.render(runs, threshold, title);
            Path out0 = Path.of(output);
            if (out0.getParent() != null) {
                Files.createDirectories(out0.getParent());
            }
            Files.writeString(out0, html, StandardCharsets.UTF_8);
            int results = runs.stream().mapToInt(r -> r.results().size()).sum();
            out.printf("psp report: wrote %s (%d run%s, %d results, %d KiB)%n", output, runs.size(),
                    runs.size() == 1 ? "" : "s", results, (html.length() + 1023) / 1024);
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("psp report: " + e.getMessage());
            return 2;
        }
    }
}
