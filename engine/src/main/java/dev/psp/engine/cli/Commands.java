package dev.psp.engine.cli;

import java.io.PrintStream;

/** Commands implemented by other packages, wired in one place. */
final class Commands {
    private Commands() {}

    static int bench(String[] args, PrintStream out, PrintStream err) {
        return dev.psp.engine.perf.LineRateHarness.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
    }

    /** {@code psp device}: the device console, reading commands from the terminal or standard input. */
    static int device(String[] args, PrintStream out, PrintStream err) throws ConfigException, java.io.IOException {
        Args a = Args.parse(args, 1, java.util.Set.of("--rotation-period"), java.util.Set.of());
        dev.psp.engine.device.PspDevice.Builder b = dev.psp.engine.device.PspDevice.builder();
        if (a.get("--rotation-period") != null) {
            b.rotationPeriod(java.time.Duration.ofSeconds(a.intValue("--rotation-period", 86400, 1, Integer.MAX_VALUE)));
        }
        try (dev.psp.engine.device.PspDevice device = b.build()) {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
            return new dev.psp.engine.device.DeviceConsole(device).run(in, out, err);
        }
    }

    static int report(String[] args, PrintStream out, PrintStream err) {
        return dev.psp.engine.report.ReportCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
    }

    static int compare(String[] args, PrintStream out, PrintStream err) {
        return dev.psp.engine.report.CompareCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
    }

    static int export(String[] args, PrintStream out, PrintStream err) {
        return dev.psp.engine.report.ExportCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
    }
}
