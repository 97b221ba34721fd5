package dev.psp.engine.perf;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The "meta" object of a psp-bench/1 report: where, when and on what the numbers were taken. */
final class BenchMeta {
    private static final List<String> FLAGS = List.of("aes", "avx2", "avx512f", "vaes", "vpclmulqdq", "pclmulqdq");

    private BenchMeta() {}

    static String json(String[] args) {
        StringBuilder b = new StringBuilder(512);
        String commit = git("rev-parse", "HEAD");
        String status = commit == null ? null : git("status", "--porcelain", "--untracked-files=no");
        b.append('{');
        Json.field(b, "commit", commit).append(',');
        b.append("\"dirty\":").append(status == null ? "null" : String.valueOf(!status.isEmpty())).append(',');
        Json.field(b, "time", Instant.now().toString()).append(',');
        Json.field(b, "host", host()).append(',');
        String[] cpu = cpu();
        Json.field(b, "cpuModel", cpu[0]).append(',');
        b.append("\"cpuFlags\":[");
        if (cpu[1] != null) {
            List<String> have = List.of(cpu[1].split("\\s+"));
            String sep = "";
            for (String f : FLAGS) {
                if (have.contains(f)) {
                    b.append(sep);
                    Json.string(b, f);
                    sep = ",";
                }
            }
            for (String f : have) {
                if (f.startsWith("avx512") && !f.equals("avx512f")) {
                    b.append(sep);
                    Json.string(b, f);
                    sep = ",";
                }
            }
        }
        b.append("],");
        b.append("\"cores\":").append(Runtime.getRuntime().availableProcessors()).append(',');
        Json.field(b, "kernel", System.getProperty("os.name") + " " + System.getProperty("os.version")).append(',');
        Json.field(b, "jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")).append(',');
        b.append("\"backends\":{");
        String sep = "";
        for (AeadBackend be : AeadBackends.all()) {
            b.append(sep);
            Json.string(b, be.name()).append(':');
            Json.string(b, be.isAvailable() ? be.version() : "unavailable: " + be.unavailabilityCause());
            sep = ",";
        }
        b.append("},");
        Json.field(b, "commandLine", "psp bench " + String.join(" ", args));
        return b.append('}').toString();
    }

    /** [model name, flags] from /proc/cpuinfo, nulls when unreadable. */
    static String[] cpu() {
        String[] r = new String[2];
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int c = line.indexOf(':');
                if (c < 0) {
                    continue;
                }
                String k = line.substring(0, c).strip();
                if (r[0] == null && k.equals("model name")) {
                    r[0] = line.substring(c + 1).strip();
                } else if (r[1] == null && k.equals("flags")) {
                    r[1] = line.substring(c + 1).strip();
                }
                if (r[0] != null && r[1] != null) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: leave unknown
        }
        return r;
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return System.getenv("HOSTNAME");
        }
    }

    /** Runs git in the working directory; trimmed stdout, or null when git fails. */
    private static String git(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] outBytes = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                return null;
            }
            return new String(outBytes, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
