package dev.psp.engine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DeviceConsoleTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(PspDevice d, String script) throws Exception {
        return run(d, new BufferedReader(new StringReader(script)));
    }

    private int run(PspDevice d, BufferedReader in) throws Exception {
        try (PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
                PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
            return new DeviceConsole(d).run(in, out, err);
        }
    }

    /** A script in which a comment line {@code # advance MS} moves {@code clock} on by MS milliseconds as it is read. */
    private static BufferedReader timed(AtomicLong clock, String script) {
        return new BufferedReader(new StringReader(script)) {
            @Override
            public String readLine() throws IOException {
                String line = super.readLine();
                if (line != null && line.startsWith("# advance ")) {
                    clock.addAndGet(Duration.ofMillis(Long.parseLong(line.substring(10).strip())).toNanos());
                }
                return line;
            }
        };
    }

    private static PspDevice device() {
        return PspDevice.builder().random(new SplittableRandom(21)).saCapacity(64).build();
    }

    @Test
    void scriptedSessionSucceeds() throws Exception {
        try (PspDevice d = device()) {
            int rc = run(d, """
                    # comment
                    help
                    dev-get
                    dev-set versions 0,1
                    dev-set rotation-period 3600
                    rx-assoc --version 1 --count 2
                    tx-assoc add --spi 0x00001234 --version 1 --key %s --sa 0
                    tx-assoc add --spi 99 --version 0 --key %s
                    key-rotate
                    tx-assoc del 1
                    get-stats
                    get-stats --json
                    quit
                    dev-get
                    """.formatted("ab".repeat(32), "cd".repeat(16)));
            String out = outBytes.toString(StandardCharsets.UTF_8);
            assertEquals(0, rc, errBytes.toString(StandardCharsets.UTF_8));
            assertTrue(out.contains("active-key=0 generation=0 versions=0,1,2,3"), out);
            assertTrue(out.contains("versions=0,1\n"), out);
            assertTrue(out.matches("(?s).*sa=0 spi=0x[0-9a-f]{8} version=1\n.*"), out);
            assertTrue(out.contains("sa=0 tx-spi=0x00001234 version=1"), out);
            assertTrue(out.contains("sa=2 tx-spi=0x00000099 version=0"), out);
            assertTrue(out.contains("generation=1 active-key=1"), out);
            assertTrue(out.contains("deleted sa=1"), out);
            assertTrue(out.contains("key-rotations 1\n"), out);
            assertTrue(out.contains("{\"key-rotations\":1,\"stale-events\":0,\"rx-assoc\":2,\"tx-assoc\":2,"), out);
            assertFalse(out.contains(" key="), "keys only with --show-key");
            assertFalse(out.contains("abab") || out.contains("cdcd"), out);
            assertEquals(1, out.split("active-key=", -1).length - 2, "stopped at quit");
        }
    }

    @Test
    void badCommandsReportOneLineEachAndContinue() throws Exception {
        try (PspDevice d = device()) {
            int rc = run(d, """
                    frobnicate
                    dev-set versions 0,7
                    rx-assoc --version 0 --show-key
                    tx-assoc add --spi 10 --version 1 --key %s
                    tx-assoc add --spi 10 --version 0 --key 00 --sa 0
                    tx-assoc add --spi 10 --version 1 --key %s --sa 0
                    tx-assoc del 42
                    rx-assoc --count
                    get-stats --xml
                    dev-get
                    """.formatted("11".repeat(16), "22".repeat(32)));
            String out = outBytes.toString(StandardCharsets.UTF_8);
            String err = errBytes.toString(StandardCharsets.UTF_8);
            assertEquals(1, rc);
            String[] lines = err.strip().split("\n");
            assertEquals(8, lines.length, err);
            assertTrue(lines[0].startsWith("error: frobnicate: unknown command"), err);
            assertTrue(lines[2].contains("bad-key: version 1 needs a 32-byte key, got 16"), err);
            assertTrue(lines[3].contains("bad-key"), err);
            assertTrue(lines[4].contains("version-mismatch"), err);
            assertTrue(lines[5].contains("no-such-sa"), err);
            assertFalse(err.contains("1111") || err.contains("2222"), "keys never echoed");
            assertTrue(out.matches("(?s)sa=0 spi=0x[0-9a-f]{8} version=0 key=[0-9a-f]{32}\n.*"), out);
            assertTrue(out.contains("generation=0"), "console continued");
        }
    }

    /**
     * A version outside 0..3 is named as such (not as a disabled version); an option given twice is
     * refused (a second --key left the first one unwiped); control characters are never echoed raw
     * (an escape sequence typed into a token would drive the operator's terminal).
     */
    @Test
    void outOfRangeVersionsRepeatedOptionsAndControlCharacters() throws Exception {
        try (PspDevice d = device()) {
            int rc = run(d, """
                    rx-assoc --version 9
                    tx-assoc add --spi 10 --version 4 --key %s
                    tx-assoc add --spi 10 --version 0 --key %s --key %s
                    rx-assoc --count 1 --count 2
                    x\u001b[2J
                    rx-assoc --b\u0007
                    dev-get
                    """.formatted("11".repeat(16), "22".repeat(16), "33".repeat(16)));
            String out = outBytes.toString(StandardCharsets.UTF_8);
            String err = errBytes.toString(StandardCharsets.UTF_8);
            assertEquals(1, rc);
            String[] lines = err.strip().split("\n");
            assertEquals(6, lines.length, err);
            assertTrue(lines[0].contains("version must be 0..3: '9'"), err);
            assertTrue(lines[1].contains("version must be 0..3: '4'"), err);
            assertTrue(lines[2].contains("--key given twice"), err);
            assertTrue(lines[3].contains("--count given twice"), err);
            assertTrue(lines[4].contains("\\x1b[2J"), err);
            assertTrue(lines[5].contains("\\x07"), err);
            assertFalse(err.chars().anyMatch(c -> c < 0x20 && c != '\n'), "no raw control character echoed: " + err);
            assertFalse(err.contains("1111") || err.contains("2222") || err.contains("3333"), "keys never echoed");
            assertFalse(out.contains("sa="), "nothing was installed: " + out);
            assertTrue(out.contains("generation=0"), "console continued");
        }
    }

    @Test
    void hugeNumbersGiveOneErrorLineEachAndTheConsoleContinues() throws Exception {
        try (PspDevice d = device()) {
            int rc = run(d, """
                    dev-set rotation-period 99999999999999
                    dev-set rotation-period 9223372036854775807
                    dev-set rotation-period 99999999999999999999
                    dev-set versions 99999999999
                    rx-assoc --version 2147483647
                    rx-assoc --count 99999999999
                    tx-assoc add --spi 0x1ffffffff --version 0 --key %s
                    tx-assoc add --spi 10 --version 0 --key %s --sa 2147483647
                    tx-assoc add --spi 10 --version 0 --key %s --sa -5
                    tx-assoc del 99999999999
                    dev-set rotation-period 2147483647
                    dev-get
                    """.formatted("11".repeat(16), "22".repeat(16), "33".repeat(16)));
            String out = outBytes.toString(StandardCharsets.UTF_8);
            String err = errBytes.toString(StandardCharsets.UTF_8);
            assertEquals(1, rc);
            String[] lines = err.strip().split("\n");
            assertEquals(10, lines.length, err);
            for (String l : lines) {
                assertTrue(l.startsWith("error: "), err);
            }
            assertEquals("error: dev-set: seconds out of range (1..2147483647): a 14-character value", lines[0]);
            assertTrue(lines[8].startsWith("error: tx-assoc: no-such-sa"), err);
            assertFalse(err.contains("1111") || err.contains("2222") || err.contains("3333"), "keys never echoed");
            // The largest period in range is accepted; the console ran to the end.
            assertTrue(out.contains("rotation-period-s=2147483647\n"), out);
            assertTrue(out.contains("rotation-period-s=2147483647 "), out);
            assertEquals(Duration.ofSeconds(Integer.MAX_VALUE), d.rotationPeriod());
        }
    }

    @Test
    void aKeyTypedWhereAnotherValueBelongsIsNeverEchoed() throws Exception {
        String key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        try (PspDevice d = device()) {
            int rc = run(d, """
                    tx-assoc add --spi K --version 0 --key 10
                    tx-assoc add --spi 10 --version K --key 10
                    tx-assoc add --spi 10 --version 0 --key 10 --sa K
                    tx-assoc add --spi 10 --version 0 --key 10 K
                    tx-assoc K
                    tx-assoc del K
                    dev-set versions K
                    dev-set versions 0,K
                    dev-set rotation-period K
                    dev-set K 1
                    rx-assoc --count K
                    rx-assoc K
                    K
                    dev-set rotation-period 123456789012345678901234567890
                    """.replace("K", key));
            String err = errBytes.toString(StandardCharsets.UTF_8);
            assertEquals(1, rc);
            String[] lines = err.strip().split("\n");
            assertEquals(14, lines.length, err);
            for (int i = 0; i + 16 <= key.length(); i++) {
                assertFalse(err.contains(key.substring(i, i + 16)), err);
            }
            assertTrue(lines[0].contains("spi out of range: a 64-character value"), err);
            assertTrue(lines[12].startsWith("error: a 64-character value: unknown command"), err);
            assertTrue(lines[13].contains("out of range: a 30-character value"), err);
        }
    }

    /**
     * The probe's session on an injected clock: after 3.5 periods of silence dev-get shows generation
     * 3 (one rotation per whole elapsed period, applied before the command), the next rx-assoc does
     * not rotate again, SA 0 (made 3.5 periods ago) is stale, and the half period left over counts
     * towards the next rotation.
     */
    @Test
    void automaticRotationCatchesUpBeforeEachCommand() throws Exception {
        AtomicLong now = new AtomicLong(0);
        try (PspDevice d = PspDevice.builder().random(new SplittableRandom(22)).clock(now::get).saCapacity(64).build()) {
            int rc = run(d, timed(now, """
                    rx-assoc
                    dev-set rotation-period 1
                    # advance 3500
                    dev-get
                    rx-assoc
                    dev-get
                    tx-assoc add --spi 12345678 --version 0 --key 000102030405060708090a0b0c0d0e0f --sa 0
                    get-stats
                    # advance 499
                    dev-get
                    # advance 1
                    dev-get
                    """));
            String out = outBytes.toString(StandardCharsets.UTF_8);
            String err = errBytes.toString(StandardCharsets.UTF_8);
            assertEquals(1, rc);
            String[] states = out.lines().filter(l -> l.startsWith("active-key=")).toArray(String[]::new);
            assertEquals(4, states.length, out);
            assertTrue(states[0].startsWith("active-key=1 generation=3 "), out);
            assertTrue(states[0].contains(" sa-count=1 sa-stale=1 "), out);
            assertTrue(states[1].startsWith("active-key=1 generation=3 "), "no second rotation: " + out);
            assertTrue(states[2].startsWith("active-key=1 generation=3 "), out);
            assertTrue(states[3].startsWith("active-key=0 generation=4 "), out);
            assertTrue(out.matches("(?s).*sa=1 spi=0x[89a-f][0-9a-f]{7} version=0\n.*"), "allocated on key 1: " + out);
            assertEquals("error: tx-assoc: stale", err.strip());
            assertTrue(out.contains("key-rotations 3\nstale-events 1\nrx-assoc 2\ntx-assoc 0\n"), out);
        }
    }

    /** A second tx-assoc onto SA 0 is refused with a clear status; the first transmit SA stays as it was. */
    @Test
    void secondTxAssocOntoOneSaIsRefused() throws Exception {
        try (PspDevice d = device()) {
            int rc = run(d, """
                    rx-assoc
                    tx-assoc add --spi 11 --version 0 --key %s --sa 0
                    tx-assoc add --spi 22 --version 0 --key %s --sa 0
                    get-stats
                    """.formatted("11".repeat(16), "22".repeat(16)));
            String out = outBytes.toString(StandardCharsets.UTF_8);
            String err = errBytes.toString(StandardCharsets.UTF_8);
            assertEquals(1, rc);
            assertEquals("error: tx-assoc: tx-key-set: sa 0 already has a transmit key (tx-assoc del 0, then rx-assoc anew)",
                    err.strip());
            assertTrue(out.contains("sa=0 tx-spi=0x00000011 version=0\n"), out);
            assertFalse(out.contains("tx-spi=0x00000022"), out);
            assertTrue(out.contains("\ntx-assoc 1\n"), out);
            assertEquals(0x11, d.saTable().txSpi(0));
        }
    }

    /**
     * A version list with no version ({@code ,}) or an empty entry is refused: it used to disable
     * every version (or drop the empty entry silently); the enabled versions stay as they were.
     */
    @Test
    void emptyVersionListsAndEmptyEntriesAreRefused() throws Exception {
        try (PspDevice d = device()) {
            int rc = run(d, """
                    dev-set versions ,
                    dev-set versions ,,,
                    dev-set versions 0,
                    dev-set versions ,1
                    dev-set versions 0,,1
                    dev-get
                    dev-set versions 1,2
                    """);
            String out = outBytes.toString(StandardCharsets.UTF_8);
            String err = errBytes.toString(StandardCharsets.UTF_8);
            assertEquals(1, rc);
            String[] lines = err.strip().split("\n");
            assertEquals(5, lines.length, err);
            assertEquals("error: dev-set: no versions given (a list of 0..3, e.g. 0,1)", lines[0]);
            assertEquals(lines[0], lines[1]);
            assertEquals("error: dev-set: empty entry in the version list: '0,'", lines[2]);
            assertEquals("error: dev-set: empty entry in the version list: ',1'", lines[3]);
            assertEquals("error: dev-set: empty entry in the version list: '0,,1'", lines[4]);
            assertTrue(out.contains(" versions=0,1,2,3 "), "unchanged: " + out);
            assertTrue(out.contains("versions=1,2\n"), out);
            assertEquals(0b0110, d.enabledVersions());
        }
    }

    /**
     * A hex SPI that is too long is out of range (it said "must be hex"); a sign, an empty value or a
     * non-ASCII digit is not hex (Long.parseLong took {@code +1234} and {@code 0x+12}).
     */
    @Test
    void spiTooLongIsOutOfRangeAndSignsAreNotHex() throws Exception {
        try (PspDevice d = device()) {
            int rc = run(d, """
                    tx-assoc add --spi 000102030405060708090a0b0c0d0e0f --version 0 --key %1$s
                    tx-assoc add --spi 0x1000000000 --version 0 --key %1$s
                    tx-assoc add --spi +1234 --version 0 --key %1$s
                    tx-assoc add --spi 0x+12 --version 0 --key %1$s
                    tx-assoc add --spi -1 --version 0 --key %1$s
                    tx-assoc add --spi 0x --version 0 --key %1$s
                    tx-assoc add --spi \u0661\u0662 --version 0 --key %1$s
                    tx-assoc add --spi 0X00000000000000000000FFFFFFFF --version 0 --key %1$s
                    """.formatted("11".repeat(16)));
            String out = outBytes.toString(StandardCharsets.UTF_8);
            String err = errBytes.toString(StandardCharsets.UTF_8);
            assertEquals(1, rc);
            String[] lines = err.strip().split("\n");
            assertEquals(7, lines.length, err);
            assertEquals("error: tx-assoc: spi out of range: a 32-character value", lines[0]);
            assertEquals("error: tx-assoc: spi out of range: '0x1000000000'", lines[1]);
            assertEquals("error: tx-assoc: spi must be hex: '+1234'", lines[2]);
            assertEquals("error: tx-assoc: spi must be hex: '0x+12'", lines[3]);
            assertEquals("error: tx-assoc: spi must be hex: '-1'", lines[4]);
            assertEquals("error: tx-assoc: spi must be hex: '0x'", lines[5]);
            assertEquals("error: tx-assoc: spi must be hex: '\u0661\u0662'", lines[6]);
            assertEquals("sa=0 tx-spi=0xffffffff version=0\n", out, "leading zeros are fine");
        }
    }

    /**
     * dev-set rotation-period takes what {@code psp device --rotation-period} takes, 1..2^31-1
     * seconds (it took up to the device's 292 years); a refused period leaves the old one.
     */
    @Test
    void rotationPeriodHasTheCommandLineLimit() throws Exception {
        try (PspDevice d = device()) {
            int rc = run(d, """
                    dev-set rotation-period 2147483648
                    dev-set rotation-period 0
                    dev-set rotation-period -1
                    dev-set rotation-period 1
                    """);
            String out = outBytes.toString(StandardCharsets.UTF_8);
            String err = errBytes.toString(StandardCharsets.UTF_8);
            assertEquals(1, rc);
            assertEquals("""
                    error: dev-set: seconds out of range (1..2147483647): '2147483648'
                    error: dev-set: seconds out of range (1..2147483647): '0'
                    error: dev-set: seconds out of range (1..2147483647): '-1'
                    """, err);
            assertEquals("rotation-period-s=1\n", out);
        }
    }

    /**
     * Invalid UTF-8 (decoded to U+FFFD) and other non-printable code points in an echoed token are
     * escaped as {@code \\u{XXXX}}, not written raw to the operator's terminal.
     */
    @Test
    void invalidUtf8AndNonPrintableCodePointsAreEscaped() throws Exception {
        byte[] script = {(byte) 0xff, (byte) 0xfe, '\n', 'r', 'x', '-', 'a', 's', 's', 'o', 'c', ' ', '-', '-', (byte) 0xe2,
            (byte) 0x80, (byte) 0xae, 'x', '\n', 'x', (byte) 0xc3, '\n'};
        try (PspDevice d = device()) {
            int rc = run(d, new BufferedReader(new InputStreamReader(new ByteArrayInputStream(script), StandardCharsets.UTF_8)));
            String err = errBytes.toString(StandardCharsets.UTF_8);
            assertEquals(1, rc);
            assertEquals("""
                    error: \\u{fffd}\\u{fffd}: unknown command (try help)
                    error: rx-assoc: unknown option '--\\u{202e}x'
                    error: x\\u{fffd}: unknown command (try help)
                    """, err);
        }
    }
}
