package dev.psp.engine.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** psp report and psp export never write over a results file they read, and name a bad output's reason. */
class ReportOutputTest {
    @TempDir
    Path tmp;

    static int run(String cmd, ByteArrayOutputStream err, String... args) {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        return cmd.equals("report") ? ReportCommand.run(args, out, e) : ExportCommand.run(args, out, e);
    }

    @Test
    void anInputAsTheOutputIsRefusedAndKept() throws Exception {
        Path a = tmp.resolve("a.json");
        Path b = tmp.resolve("b.json");
        Files.writeString(a, ResultsIO.write(Fixtures.run("abc", "2026-01-01T00:00:00Z", 1, 1)));
        Files.writeString(b, ResultsIO.write(Fixtures.run("def", "2026-01-02T00:00:00Z", 2, 1)));
        Path link = Files.createSymbolicLink(tmp.resolve("link.json"), b);
        byte[] aBefore = Files.readAllBytes(a);
        byte[] bBefore = Files.readAllBytes(b);
        for (String[] args : List.of(
                new String[] {"report", "-o", a.toString(), a.toString()},
                new String[] {"report", "-o", link.toString(), a.toString(), b.toString()},
                new String[] {"report", "--output", tmp.resolve("./b.json").toString(), a.toString(), b.toString()},
                new String[] {"export", "--format", "csv", a.toString(), "-o", a.toString()},
                new String[] {"export", "--format", "json", b.toString(), "-o", link.toString()},
                new String[] {"export", "--format", "bmf", a.toString(), b.toString(), "-o", b.toString()})) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            String line = String.join(" ", args);
            assertEquals(2, run(args[0], err, java.util.Arrays.copyOfRange(args, 1, args.length)), line);
            String e = err.toString(StandardCharsets.UTF_8).strip();
            assertEquals(1, e.lines().count(), e);
            assertTrue(e.startsWith("psp " + args[0] + ": input and output are the same file: "), e);
            assertArrayEquals(aBefore, Files.readAllBytes(a), line);
            assertArrayEquals(bBefore, Files.readAllBytes(b), line);
        }
        // a directory of history with the output inside it is fine: the output is not one of the runs read
        Path hist = Files.createDirectories(tmp.resolve("hist"));
        Files.copy(a, hist.resolve("a.json"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run("report", err, "-o", hist.resolve("r.html").toString(), hist.toString()), err.toString());
    }

    @Test
    void anUnwritableOutputNamesItsReason() throws Exception {
        Path a = tmp.resolve("a.json");
        Files.writeString(a, ResultsIO.write(Fixtures.run("abc", null, 1, 1)));
        Files.writeString(tmp.resolve("file"), "x");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String out = tmp.resolve("missing/x.csv").toString();
        assertEquals(2, run("export", err, "--format", "csv", a.toString(), "-o", out));
        String e = err.toString(StandardCharsets.UTF_8).strip();
        assertEquals("psp export: cannot write output " + out + ": no such file or directory", e);
        err.reset();
        out = tmp.resolve("file/r.html").toString();
        assertEquals(2, run("report", err, "-o", out, a.toString()));
        e = err.toString(StandardCharsets.UTF_8).strip();
        assertTrue(e.startsWith("psp report: cannot write output " + out + ": "), e);
        assertEquals(1, e.lines().count(), e);
        for (String cmd : new String[] {"report", "export"}) {
            err.reset();
            String[] args = cmd.equals("report") ? new String[] {"-o", "", a.toString()}
                    : new String[] {"--format", "csv", a.toString(), "-o", ""};
            assertEquals(2, run(cmd, err, args));
            e = err.toString(StandardCharsets.UTF_8).strip();
            assertEquals("psp " + cmd + ": -o needs a file name, got an empty one", e);
        }
    }
}
