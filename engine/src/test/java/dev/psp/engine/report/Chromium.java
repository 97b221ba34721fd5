package dev.psp.engine.report;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Headless Debian Chromium for the report tests; installed with apt-get when missing and running as root. */
final class Chromium {
    static final Path BINARY = Path.of("/usr/bin/chromium");

    private Chromium() {}

    /** Skips the calling test (with the reason) when Chromium is absent and cannot be installed. */
    static void assumeAvailable() throws IOException, InterruptedException {
        if (Files.isExecutable(BINARY)) {
            return;
        }
        boolean root = "0".equals(exec(List.of("id", "-u"), 30).out().trim());
        assumeTrue(root, "chromium is not installed at " + BINARY + " and this is not root: skipping the headless "
                + "browser test (install it with: apt-get install -y chromium)");
        Result r = exec(List.of("apt-get", "install", "-y", "-q", "chromium"), 900);
        if (r.code() != 0 || !Files.isExecutable(BINARY)) {
            exec(List.of("apt-get", "update", "-q"), 600);
            r = exec(List.of("apt-get", "install", "-y", "-q", "chromium"), 900);
        }
        assumeTrue(Files.isExecutable(BINARY), "apt-get install -y chromium failed (exit " + r.code()
                + "): skipping the headless browser test");
    }

    record Result(int code, String out, String err) {}

    static List<String> baseArgs(Path profile) {
        return new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile,
                "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"));
    }

    /** The DOM after the page's scripts ran, and Chromium's stderr (console messages). */
    static Result dumpDom(Path html, Path tmp) throws IOException, InterruptedException {
        List<String> cmd = baseArgs(Files.createTempDirectory(tmp, "profile"));
        cmd.add("--dump-dom");
        cmd.add(html.toUri().toString());
        return exec(cmd, 180);
    }

    static Result screenshot(Path html, Path png, Path tmp) throws IOException, InterruptedException {
        List<String> cmd = baseArgs(Files.createTempDirectory(tmp, "profile"));
        cmd.add("--screenshot=" + png.toAbsolutePath());
        cmd.add("--window-size=1400,2400");
        cmd.add(html.toUri().toString());
        return exec(cmd, 180);
    }

    static Result exec(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("proc", ".out");
        Path err = Files.createTempFile("proc", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                return new Result(-1, Files.readString(out, StandardCharsets.UTF_8),
                        "timed out after " + timeoutSeconds + "s\n" + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Console-error lines in Chromium's stderr ("Uncaught ..." or CONSOLE lines at error level). */
    static List<String> consoleErrors(String stderr) {
        List<String> bad = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            if (line.contains("Uncaught") || line.contains("ERROR:CONSOLE")
                    || (line.contains(":CONSOLE(") && line.contains("ERROR"))) {
                bad.add(line);
            }
        }
        return bad;
    }
}
