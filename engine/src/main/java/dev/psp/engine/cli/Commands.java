package dev.psp.engine.cli;

import java.io.PrintStream;

/** Commands implemented by other packages, wired in one place. */
final class Commands {
    static final String DEVICE_USAGE = """
            usage: psp device [--rotation-period SECONDS]
              PSP device console: reads commands (dev-get, key-rotate, rx-assoc, tx-assoc, get-stats...)
              from the terminal or standard input; 'help' lists them""";

    private Commands() {}

    static int bench(String[] args, PrintStream out, PrintStream err) {
        return dev.psp.engine.perf.LineRateHarness.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
    }

    /** {@code psp device}: the device console, reading commands from the terminal or standard input. */
    static int device(String[] args, PrintStream out, PrintStream err) throws ConfigException, java.io.IOException {
        Args a = Args.parse(args, 1, java.util.Set.of("--rotation-period"), java.util.Set.of("--help", "-h"));
        if (Main.help(a, out, DEVICE_USAGE)) {
            return 0;
        }
        a.noPositional("device");
        dev.psp.engine.device.PspDevice.Builder b = dev.psp.engine.device.PspDevice.builder();
        if (a.get("--rotation-period") != null) {
            b.rotationPeriod(java.time.Duration.ofSeconds(a.intValue("--rotation-period", 86400, 1,
                    dev.psp.engine.device.DeviceConsole.MAX_ROTATION_PERIOD_SECONDS)));
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
