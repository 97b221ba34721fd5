package dev.psp.engine.report;

import dev.psp.engine.cli.Args;
import dev.psp.engine.cli.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

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
        Path outFile;
        String title = "PSP benchmark report";
        double threshold = CompareCommand.DEFAULT_THRESHOLD;
        List<Path> inputs = new ArrayList<>();
        try {
            Args o = Args.parse(args, 0, Set.of("--output", "-o", "--threshold", "--title"), Set.of("--help", "-h"));
            if (o.flag("--help") || o.flag("-h")) {
                out.println(USAGE);
                return 0;
            }
            output = o.get("--output", o.get("-o"));
            title = o.get("--title", title);
            if (o.get("--threshold") != null) {
                threshold = CompareCommand.parseNumber("--threshold", o.get("--threshold"));
                if (threshold < 0) {
                    throw new IllegalArgumentException("--threshold must be >= 0, got " + o.get("--threshold"));
                }
            }
            for (String in : o.positional()) {
                inputs.add(Path.of(in));
            }
            if (output == null) {
                throw new IllegalArgumentException("-o FILE.html is required (" + USAGE + ")");
            }
            if (inputs.isEmpty()) {
                throw new IllegalArgumentException("no results given (" + USAGE + ")");
            }
            outFile = OutputFile.of(output, inputs);
        } catch (IllegalArgumentException | ConfigException e) {
            err.println("psp report: " + e.getMessage());
            return 2;
        }
        try {
            List<ResultSet> runs = ResultsIO.loadAll(inputs);
            String html = HtmlReport.render(runs, threshold, title);
            OutputFile.write(outFile, html, true);
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
