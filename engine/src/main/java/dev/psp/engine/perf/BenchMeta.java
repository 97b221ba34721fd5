package dev.psp.engine.perf;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.report.RunMeta;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The "meta" object of a psp bench report: where, when and on what the numbers were taken. */
final class BenchMeta {
    private static final List<String> FLAGS = List.of("aes", "avx2", "avx512f", "vaes", "vpclmulqdq", "pclmulqdq");

    private BenchMeta() {}

    /** This run's metadata; {@link RunMeta#toJson} writes it. */
    static RunMeta meta(String[] args) {
        String commit = git("rev-parse", "HEAD");
        String status = commit == null ? null : git("status", "--porcelain", "--untracked-files=no");
        String[] cpu = cpu();
        List<String> cpuFlags = new ArrayList<>();
        if (cpu[1] != null) {
            List<String> have = List.of(cpu[1].split("\\s+"));
            for (String f : FLAGS) {
                if (have.contains(f)) {
                    cpuFlags.add(f);
                }
            }
            for (String f : have) {
                if (f.startsWith("avx512") && !f.equals("avx512f")) {
                    cpuFlags.add(f);
                }
            }
        }
        Map<String, String> backends = new LinkedHashMap<>();
        for (AeadBackend be : AeadBackends.all()) {
            backends.put(be.name(), be.isAvailable() ? be.version() : "unavailable: " + be.unavailabilityCause());
        }
        return new RunMeta(commit, status == null ? null : !status.isEmpty(), Instant.now().toString(), host(), cpu[0],
                cpuFlags, Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"), backends,
                "psp bench " + String.join(" ", args));
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
