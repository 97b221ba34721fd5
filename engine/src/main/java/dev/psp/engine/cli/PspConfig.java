package dev.psp.engine.cli;

import dev.psp.engine.crypto.Redact;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.PspHeader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Google's psp_encrypt / psp_decrypt configuration files, accepted unchanged. Encrypt: master key
 * 0 (32 hex bytes), master key 1 (32 hex bytes), SPI (hex), {@code transport|tunnel}, algorithm,
 * transport crypt offset, IPv4-tunnel crypt offset, IPv6-tunnel crypt offset, {@code vc|no-vc}, all
 * whitespace separated. Decrypt: the two master keys. Besides the reference's {@code aes-gcm-128}
 * and {@code aes-gcm-256} the algorithm may be {@code aes-gmac-128} or {@code aes-gmac-256}.
 * Unlike the reference, crypt offsets above 63 (they do not fit the 6-bit field) and reserved SPIs
 * are refused, and so are signs ({@code +1}) and fields after the last one. Error messages name the
 * field and show a bad token only when it is too short to be key material ({@link Redact}). A file
 * over {@link #MAX_BYTES} (64 KiB) is refused unread. Wipe keys with {@link #wipe()}.
 */
public final class PspConfig {
    /**
     * The largest config file read, in bytes: a config is a few lines (the reference's are under 400
     * bytes), so 64 KiB is generous; anything larger is refused without being read whole.
     */
    public static final int MAX_BYTES = 64 * 1024;

    public final byte[] masterKey0;
    public final byte[] masterKey1;
    /** Encrypt configs only. */
    public final boolean hasSa;
    public final int spi;
    public final Mode mode;
    public final int version;
    public final int cryptOffsetTransport;
    public final int cryptOffsetTunnelV4;
    public final int cryptOffsetTunnelV6;
    public final boolean vc;

    private PspConfig(byte[] mk0, byte[] mk1, boolean hasSa, int spi, Mode mode, int version, int co, int co4, int co6, boolean vc) {
        this.masterKey0 = mk0;
        this.masterKey1 = mk1;
        this.hasSa = hasSa;
        this.spi = spi;
        this.mode = mode;
        this.version = version;
        this.cryptOffsetTransport = co;
        this.cryptOffsetTunnelV4 = co4;
        this.cryptOffsetTunnelV6 = co6;
        this.vc = vc;
    }

    public static PspConfig readEncrypt(Path file) throws ConfigException {
        return parse(file, read(file), true);
    }

    public static PspConfig readDecrypt(Path file) throws ConfigException {
        return parse(file, read(file), false);
    }

    /**
     * The file's text, read through a stream (a pipe works) and never more than {@link #MAX_BYTES}
     * + 1 bytes: a longer file, a huge one or a device such as /dev/zero, is refused unread.
     */
    private static String read(Path file) throws ConfigException {
        byte[] b = null;
        try (InputStream in = Files.newInputStream(file)) {
            b = in.readNBytes(MAX_BYTES + 1);
            if (b.length > MAX_BYTES) {
                throw new ConfigException("cannot read config " + file + ": larger than " + MAX_BYTES / 1024
                        + " KiB (is it a config?)");
            }
            return new String(b, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new ConfigException("cannot read config " + file + ": " + FileArgs.reason(e));
        } finally {
            if (b != null) {
                Arrays.fill(b, (byte) 0); // key bytes
            }
        }
    }

    /** Parses config text; {@code encrypt} selects the format. */
    public static PspConfig parse(Path name, String text, boolean encrypt) throws ConfigException {
        List<String> tok = new ArrayList<>(Arrays.asList(text.trim().split("\\s+")));
        if (tok.size() == 1 && tok.get(0).isEmpty()) {
            tok.clear();
        }
        int[] pos = {0};
        byte[] mk0 = masterKey(name, tok, pos, 0);
        byte[] mk1 = masterKey(name, tok, pos, 1);
        if (!encrypt) {
            noMoreFields(name, tok, pos, "master key 1 (a decrypt config is the two master keys)");
            return new PspConfig(mk0, mk1, false, 0, null, 0, 0, 0, 0, false);
        }
        String spiTok = next(name, tok, pos, "SPI");
        String hex = spiTok.startsWith("0x") || spiTok.startsWith("0X") ? spiTok.substring(2) : spiTok;
        String significant = hex.replaceFirst("^0+", "");
        if (hex.isEmpty() || !hex.chars().allMatch(c -> hexDigit((char) c) >= 0) || significant.length() > 8) {
            throw new ConfigException(name + ": SPI must be a 32-bit hex value, got " + Redact.quoted(spiTok));
        }
        int spi = significant.isEmpty() ? 0 : (int) Long.parseLong(significant, 16);
        if (!PspHeader.validSpi(spi)) {
            throw new ConfigException(name + ": SPI " + Redact.quoted(spiTok) + " is reserved (its low 31 bits must be non-zero)");
        }
        String modeTok = next(name, tok, pos, "encap mode");
        Mode mode = Mode.parse(modeTok);
        if (mode == null || mode == Mode.AUTO) {
            throw new ConfigException(name + ": encap mode must be 'transport' or 'tunnel', got " + Redact.quoted(modeTok));
        }
        String algTok = next(name, tok, pos, "crypto algorithm");
        int version = PspHeader.parseVersion(algTok);
        if (version < 0 || algTok.length() == 1) {
            throw new ConfigException(name + ": crypto algorithm must be aes-gcm-128, aes-gcm-256, aes-gmac-128 or aes-gmac-256, got " + Redact.quoted(algTok));
        }
        int co = offset(name, tok, pos, "transport crypt offset");
        int co4 = offset(name, tok, pos, "IPv4 tunnel crypt offset");
        int co6 = offset(name, tok, pos, "IPv6 tunnel crypt offset");
        String vcTok = next(name, tok, pos, "vc mode");
        boolean vc;
        if (vcTok.equals("vc")) {
            vc = true;
        } else if (vcTok.equals("no-vc")) {
            vc = false;
        } else {
            throw new ConfigException(name + ": vc mode must be 'vc' or 'no-vc', got " + Redact.quoted(vcTok));
        }
        noMoreFields(name, tok, pos, "the vc mode (an encrypt config ends there)");
        return new PspConfig(mk0, mk1, true, spi, mode, version, co, co4, co6, vc);
    }

    /** An ASCII hex digit's value, else -1 (no signs, no other scripts' digits). */
    private static int hexDigit(char c) {
        return c < 0x80 ? Character.digit(c, 16) : -1;
    }

    private static void noMoreFields(Path name, List<String> tok, int[] pos, String after) throws ConfigException {
        if (pos[0] < tok.size()) {
            // Fields are counted from 1 over the whole file; the token itself is never shown (it may be a key).
            throw new ConfigException(name + ": unexpected extra field " + (pos[0] + 1) + " after " + after);
        }
    }

    private static String next(Path name, List<String> tok, int[] pos, String what) throws ConfigException {
        if (pos[0] >= tok.size()) {
            throw new ConfigException(name + ": missing " + what);
        }
        return tok.get(pos[0]++);
    }

    private static byte[] masterKey(Path name, List<String> tok, int[] pos, int index) throws ConfigException {
        byte[] key = new byte[32];
        if (pos[0] < tok.size() && tok.get(pos[0]).length() == 64) {
            String t = tok.get(pos[0]++);
            for (int i = 0; i < 32; i++) {
                int hi = hexDigit(t.charAt(2 * i));
                int lo = hexDigit(t.charAt(2 * i + 1));
                if (hi < 0 || lo < 0) {
                    throw new ConfigException(name + ": master key " + index + " is not hex");
                }
                key[i] = (byte) (hi << 4 | lo);
            }
            return key;
        }
        for (int i = 0; i < 32; i++) {
            if (pos[0] >= tok.size()) {
                throw new ConfigException(name + ": master key " + index + " has " + i + " bytes, needs 32");
            }
            String t = tok.get(pos[0]++);
            if (t.startsWith("0x") || t.startsWith("0X")) {
                t = t.substring(2);
            }
            int v = -1;
            if (t.length() == 1) {
                v = hexDigit(t.charAt(0));
            } else if (t.length() == 2 && hexDigit(t.charAt(0)) >= 0 && hexDigit(t.charAt(1)) >= 0) {
                v = hexDigit(t.charAt(0)) << 4 | hexDigit(t.charAt(1));
            }
            if (v < 0) {
                throw new ConfigException(name + ": master key " + index + " byte " + i + " is not a hex byte");
            }
            key[i] = (byte) v;
        }
        return key;
    }

    private static int offset(Path name, List<String> tok, int[] pos, String what) throws ConfigException {
        String t = next(name, tok, pos, what);
        if (t.isEmpty() || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            // Plain decimal digits only: no sign, no hex, no non-ASCII digits.
            throw new ConfigException(name + ": " + what + " must be a number of 4-byte units, got " + Redact.quoted(t));
        }
        String significant = t.replaceFirst("^0+", "");
        int v = significant.length() > 2 ? Integer.MAX_VALUE : significant.isEmpty() ? 0 : Integer.parseInt(significant);
        if (v > PspHeader.CRYPT_OFFSET_MAX) {
            throw new ConfigException(name + ": " + what + " must be 0.." + PspHeader.CRYPT_OFFSET_MAX
                    + " (a 6-bit field in 4-byte units), got " + Redact.quoted(t));
        }
        return v;
    }

    /** Zeroes the master keys held by this object. */
    public void wipe() {
        Arrays.fill(masterKey0, (byte) 0);
        Arrays.fill(masterKey1, (byte) 0);
    }

    @Override
    public String toString() {
        return hasSa
                ? String.format("PspConfig[spi=%08x, %s, %s, co=%d/%d/%d, vc=%s, master keys redacted]", spi,
                        mode.name().toLowerCase(java.util.Locale.ROOT), PspHeader.versionName(version),
                        cryptOffsetTransport, cryptOffsetTunnelV4, cryptOffsetTunnelV6, vc)
                : "PspConfig[decrypt, master keys redacted]";
    }
}
