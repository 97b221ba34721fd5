package dev.psp.engine.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Jazzer fuzzing of the config parser ({@code psp encrypt/decrypt -c}): text made of two master
 * keys (fuzzer's bytes, written as the reference writes them, space-separated hex, or as one hex
 * string) then fuzzer text, or fuzzer text alone. The parser returns a config or throws
 * {@link ConfigException} with one line that carries no run of 16 hex digits of either key, in any
 * case, whatever else is wrong (keys never appear in logs or exceptions); nothing else is thrown.
 *
 * <p>In the default suite it replays its seeds (a fork of its own, with the other Jazzer tests);
 * coverage-guided: {@code bash scripts/fuzz.sh} (every target, one JVM each).
 */
class PspConfigFuzzTest {
    private static final Path NAME = Path.of("fuzz.cfg");

    @FuzzTest(maxDuration = "10s")
    void errorsAreOneLineWithoutKeyMaterial(FuzzedDataProvider data) {
        boolean withKeys = data.consumeBoolean();
        boolean spaced = data.consumeBoolean();
        boolean encrypt = data.consumeBoolean();
        String k0 = "";
        String k1 = "";
        StringBuilder text = new StringBuilder();
        if (withKeys) {
            k0 = HexFormat.of().formatHex(data.consumeBytes(32));
            k1 = HexFormat.of().formatHex(data.consumeBytes(32));
            text.append(spaced ? HexFormat.ofDelimiter(" ").formatHex(HexFormat.of().parseHex(k0)) : k0).append('\n');
            text.append(spaced ? HexFormat.ofDelimiter(" ").formatHex(HexFormat.of().parseHex(k1)) : k1).append('\n');
        }
        text.append(data.consumeRemainingAsString());
        try {
            PspConfig.parse(NAME, text.toString(), encrypt);
        } catch (ConfigException e) {
            String m = e.getMessage();
            assertNotNull(m);
            assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
            String lower = m.toLowerCase(Locale.ROOT);
            for (String k : new String[] {k0, k1}) {
                for (int i = 0; i + 16 <= k.length(); i += 2) {
                    assertFalse(lower.contains(k.substring(i, i + 16)), "key material in: " + m);
                }
            }
        }
    }
}
