package dev.psp.engine.cli;

import static dev.psp.engine.cli.CliTest.psp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.TestVectors;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** README: {@code psp <cmd> --help} prints the command's usage and exits 0, for every command. */
class CliHelpTest {
    static final Path V = TestVectors.googlePsp();

    @ParameterizedTest
    @ValueSource(strings = {"encrypt", "decrypt", "backends", "demo", "bench", "device", "report", "compare", "export"})
    void everyCommandPrintsItsUsage(String cmd) {
        for (String h : new String[] {"--help", "-h"}) {
            CliTest.Result r = psp(cmd, h);
            assertEquals(0, r.rc(), cmd + " " + h + ": " + r.err());
            assertTrue(r.out().contains("usage: psp " + cmd), cmd + " " + h + ": " + r.out());
            assertEquals("", r.err(), cmd + " " + h);
        }
        assertEquals(0, psp("help").rc());
    }

    /**
     * Every option encrypt and decrypt accept is in their own usage and in psp help's summary
     * (--gro-flush-timeout was missing from the summary).
     */
    @Test
    void everyAcceptedOptionIsInTheUsageLines() {
        String[][] commands = {{"encrypt", Main.ENCRYPT_USAGE}, {"decrypt", Main.DECRYPT_USAGE}};
        java.util.Map<String, java.util.Set<String>> accepted = java.util.Map.of(
                "encrypt", Main.ENCRYPT_OPTIONS, "decrypt", Main.DECRYPT_OPTIONS);
        String summary = psp("help").out();
        for (String[] c : commands) {
            String line = summary.substring(summary.indexOf("  " + c[0] + " "));
            line = line.substring(0, nextCommand(line));
            for (String o : accepted.get(c[0])) {
                if (o.equals("--help") || o.equals("-h")) {
                    continue;
                }
                assertTrue(c[1].matches("(?s).*[\\[ ]" + java.util.regex.Pattern.quote(o) + "[\\] ].*"), c[0] + " usage lacks " + o);
                assertTrue(line.matches("(?s).*[\\[ ]" + java.util.regex.Pattern.quote(o) + "[\\] ].*"), "psp help's " + c[0] + " lacks " + o);
            }
        }
    }

    /** The length of {@code text}'s first command entry: up to the next line indented by exactly two spaces. */
    private static int nextCommand(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\n  [a-z]").matcher(text);
        return m.find() ? m.start() : text.length();
    }

    /** psp help takes no arguments (there is no 'psp help COMMAND': 'psp COMMAND --help' is the form). */
    @Test
    void helpRefusesExtraArguments() {
        for (String h : new String[] {"help", "--help", "-h"}) {
            for (String[] extra : new String[][] {{"extra"}, {"encrypt"}, {"--json"}, {"a", "b"}}) {
                String[] args = new String[extra.length + 1];
                args[0] = h;
                System.arraycopy(extra, 0, args, 1, extra.length);
                CliTest.Result r = psp(args);
                assertEquals(2, r.rc(), String.join(" ", args) + ": " + r.err());
                assertEquals("", r.out(), String.join(" ", args));
                assertEquals(1, r.err().strip().lines().count(), r.err());
                assertTrue(r.err().startsWith("psp: unexpected argument '" + extra[0] + "'") && r.err().contains("--help"), r.err());
            }
            assertEquals(0, psp(h).rc(), h);
        }
    }

    /** The bench options of psp demo are checked before the vectors run, and the error names psp demo. */
    @Test
    void demoRefusesABadDurationBeforeAnyWork() {
        for (String d : new String[] {"abc", "-1", "0"}) {
            CliTest.Result r = psp("demo", "--vectors", V.toString(), "--duration", d);
            assertEquals(2, r.rc(), r.err());
            assertEquals("", r.out(), "nothing ran");
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("psp demo: ") && r.err().contains("--duration"), r.err());
        }
    }

    @Test
    void standardOutputAsOutputIsRefused() {
        String clear = V.resolve("cleartext/v4_cleartext.pcap").toString();
        for (String[] args : new String[][] {
                {"encrypt", "-c", V.resolve("cfg/encrypt_transport_crypt_off_128.cfg").toString(), "-i", clear, "-o", "-"},
                {"decrypt", "-c", V.resolve("cfg/decrypt.cfg").toString(), "-i", clear, "-o", "-", "--mode", "auto"}}) {
            CliTest.Result r = psp(args);
            assertEquals(2, r.rc(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("cannot write output -: standard output is not supported"), r.err());
            assertEquals("", r.out());
        }
    }
}
