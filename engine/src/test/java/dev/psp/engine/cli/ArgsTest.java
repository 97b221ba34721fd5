package dev.psp.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ArgsTest {
    private static int flows(String v) throws ConfigException {
        Args a = Args.parse(new String[] {"--flows", v}, 0, Set.of("--flows"), Set.of());
        return a.intValue("--flows", 1, 0, 1 << 20);
    }

    /** Integers are decimal even with leading zeros (Integer.decode read 010 as octal 8, and refused 08); 0x is hex. */
    @ParameterizedTest
    @CsvSource({"010, 10", "08, 8", "0009, 9", "0, 0", "64, 64", "+7, 7", "0x10, 16", "0X1f, 31"})
    void decimalUnlessHex(String text, int expected) throws ConfigException {
        assertEquals(expected, flows(text));
    }

    @ParameterizedTest
    @CsvSource({"'#10'", "0x", "1e3", "''", "12a", "-1", "0x-1", "99999999999"})
    void refusesWithOneLineNamingTheOption(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> flows(text));
        assertTrue(e.getMessage().startsWith("option --flows must be an integer in 0.."), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'));
    }

    /** A key pasted where a number or a file name belongs is never echoed (a short token is, for the user to see). */
    @Test
    void aKeyInTheWrongPlaceIsNotEchoed() {
        String key = "00112233445566778899aabbccddeeff";
        ConfigException e = assertThrows(ConfigException.class, () -> flows(key));
        assertTrue(!e.getMessage().contains(key) && e.getMessage().contains("32-character value"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> Args.parse(new String[] {key}, 0, Set.of(), Set.of()).noPositional("encrypt"));
        assertTrue(!e.getMessage().contains(key), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Args.parse(new String[] {"--" + key}, 0, Set.of(), Set.of()));
        assertTrue(!e.getMessage().contains(key), e.getMessage());
        e = assertThrows(ConfigException.class, () -> flows("abc"));
        assertTrue(e.getMessage().endsWith("got 'abc'"), e.getMessage());
    }

    @Test
    void defaultWhenAbsent() throws ConfigException {
        Args a = Args.parse(new String[0], 0, Set.of("--flows"), Set.of());
        assertEquals(5, a.intValue("--flows", 5, 0, 10));
    }
}
