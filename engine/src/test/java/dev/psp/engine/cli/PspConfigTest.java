package dev.psp.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.psp.engine.TestVectors;
import dev.psp.engine.psp.Mode;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Config parsing: errors never carry key material, no signs, no trailing fields. */
class PspConfigTest {
    private static final Path NAME = Path.of("x.cfg");
    /** The two master keys of the shared vectors (their decrypt config), one byte per token, read at test time. */
    private static final String KEYS = TestVectors.decryptConfigText();
    private static final String KEY_A = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    private static final String KEY_B = "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899";
    /** The seven fields after the keys of a valid encrypt config. */
    private static final List<String> SA = List.of("9A345678", "transport", "aes-gcm-128", "1", "6", "11", "no-vc");

    private static ConfigException refused(String text, boolean encrypt) {
        return assertThrows(ConfigException.class, () -> PspConfig.parse(NAME, text, encrypt), text);
    }

    /** No run of 16 or more hex digits of {@code key} appears in {@code message}, in any case. */
    private static void assertNoKeyRun(String key, String message) {
        String m = message.toLowerCase(Locale.ROOT);
        String k = key.toLowerCase(Locale.ROOT);
        for (int i = 0; i + 16 <= k.length(); i++) {
            assertFalse(m.contains(k.substring(i, i + 16)), "key material in: " + message);
        }
        assertFalse(message.contains("\n"), "one line: " + message);
    }

    private static String encryptWith(int position, String token) {
        List<String> f = new ArrayList<>(SA);
        f.set(position, token);
        return KEYS + String.join("\n", f) + "\n";
    }

    @Test
    void aKeyInAnyFieldPositionIsNeverEchoed() {
        // The audit's case: three 64-hex keys, the third where the SPI belongs.
        String dec3 = KEY_A + "\n" + KEY_B + "\n" + KEY_B + "\n";
        ConfigException e = refused(dec3, true);
        assertTrue(e.getMessage().contains("SPI"), e.getMessage());
        assertNoKeyRun(KEY_B, e.getMessage());
        e = refused(dec3, false);
        assertNoKeyRun(KEY_B, e.getMessage());

        String[] names = {"SPI", "encap mode", "crypto algorithm", "transport crypt offset", "IPv4 tunnel crypt offset",
                "IPv6 tunnel crypt offset", "vc mode"};
        String[] keyLike = {KEY_B, KEY_B.toUpperCase(Locale.ROOT), "0x" + KEY_B, KEY_B.substring(0, 32), KEY_B.substring(0, 16),
                KEY_B + "zz", "+" + KEY_B, KEY_B.substring(0, 31) + "-" + KEY_B.substring(31)};
        for (int pos = 0; pos < SA.size(); pos++) {
            for (String k : keyLike) {
                e = refused(encryptWith(pos, k), true);
                assertTrue(e.getMessage().contains(names[pos]), e.getMessage());
                assertNoKeyRun(KEY_B, e.getMessage());
                assertTrue(e.getMessage().contains("-character value"), e.getMessage());
            }
        }
        // ... and after the last field.
        e = refused(KEYS + String.join(" ", SA) + " " + KEY_B, true);
        assertNoKeyRun(KEY_B, e.getMessage());
        e = refused(KEYS + KEY_B, false);
        assertNoKeyRun(KEY_B, e.getMessage());
    }

    @Test
    void shortBadTokensAreStillShown() {
        assertTrue(refused(encryptWith(0, "xyz"), true).getMessage().contains("'xyz'"));
        assertTrue(refused(encryptWith(1, "tunnle"), true).getMessage().contains("'tunnle'"));
        assertTrue(refused(encryptWith(1, "auto"), true).getMessage().contains("'auto'"));
        assertTrue(refused(encryptWith(2, "aes-gcm-1024"), true).getMessage().contains("'aes-gcm-1024'"));
        assertTrue(refused(encryptWith(3, "one"), true).getMessage().contains("'one'"));
        assertTrue(refused(encryptWith(4, "64"), true).getMessage().contains("got '64'"));
        assertTrue(refused(encryptWith(6, "VC"), true).getMessage().contains("'VC'"));
        String m = refused(encryptWith(1, "transport-mode"), true).getMessage();
        assertTrue(m.contains("a 14-character value"), m);
    }

    @Test
    void signsAreRefused() {
        for (String spi : new String[] {"+1", "-1", "0x+1", "+0x1", "-0", "0x"}) {
            String m = refused(encryptWith(0, spi), true).getMessage();
            assertTrue(m.contains("SPI"), m);
        }
        String[] names = {"transport crypt offset", "IPv4 tunnel crypt offset", "IPv6 tunnel crypt offset"};
        for (int i = 0; i < 3; i++) {
            for (String off : new String[] {"+1", "-0", "-1", "+0", "1.0", "0x1", "\u0661"}) {
                String m = refused(encryptWith(3 + i, off), true).getMessage();
                assertTrue(m.contains(names[i]), m);
            }
        }
        // nor in key bytes ("+f" and "-0" were read as 0x0f and 0x00)
        for (String b : new String[] {"+f", "-0", "\uff10\uff10"}) {
            String m = refused(b + KEYS.substring(2) + String.join(" ", SA), true).getMessage();
            assertEquals("x.cfg: master key 0 byte 0 is not a hex byte", m);
        }
        String m64 = refused("\uff10" + KEY_A.substring(1) + " " + KEY_B, false).getMessage();
        assertEquals("x.cfg: master key 0 is not hex", m64);
        // a huge decimal offset is out of range, not "not a number"
        String m = refused(encryptWith(3, "99999999999"), true).getMessage();
        assertTrue(m.contains("0..63"), m);
    }

    @Test
    void trailingFieldsAreRefused() {
        String m = refused(KEYS + String.join(" ", SA) + " extra", true).getMessage();
        assertEquals("x.cfg: unexpected extra field 72 after the vc mode (an encrypt config ends there)", m);
        m = refused(KEYS + "9A345678", false).getMessage();
        assertEquals("x.cfg: unexpected extra field 65 after master key 1 (a decrypt config is the two master keys)", m);
        m = refused(KEY_A + " " + KEY_B + " " + String.join(" ", SA) + " no-vc", true).getMessage();
        assertTrue(m.contains("unexpected extra field 10 "), m);
    }

    @Test
    void goodConfigsStillParse() throws Exception {
        PspConfig c = PspConfig.parse(NAME, KEYS + " 0x9a345678 tunnel aes-gmac-256 0 63 007 vc \n", true);
        assertEquals(0x9a345678, c.spi);
        assertEquals(Mode.TUNNEL, c.mode);
        assertEquals(3, c.version);
        assertEquals(63, c.cryptOffsetTunnelV4);
        assertEquals(7, c.cryptOffsetTunnelV6);
        assertTrue(c.vc);
        c = PspConfig.parse(NAME, KEY_A + "\n" + KEY_B, false);
        assertEquals(0x00, c.masterKey0[0]);
        assertEquals((byte) 0xaa, c.masterKey1[0]);
        c = PspConfig.parse(NAME, KEYS + "0000000000001 transport aes-gcm-128 0 0 0 no-vc", true);
        assertEquals(1, c.spi);
    }

    @Test
    void everySharedVectorConfigParses() throws Exception {
        Path dir = TestVectors.googlePsp().resolve("cfg");
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.cfg")) {
            for (Path f : ds) {
                String name = f.getFileName().toString();
                PspConfig c = name.startsWith("encrypt") ? PspConfig.readEncrypt(f) : PspConfig.readDecrypt(f);
                assertEquals(name.startsWith("encrypt"), c.hasSa, name);
                assertTrue(Arrays.equals(c.masterKey0, PspConfig.parse(NAME, KEYS, false).masterKey0), name);
                n++;
            }
        }
        assertEquals(15, n);
    }
}
