package dev.psp.engine.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class RedactTest {

    @Test
    void printableTokensAreShownAsIs() {
        String t = "aes-gmac-256";
        assertSame(t, Redact.printable(t));
        assertEquals("'é日本😀'", Redact.quoted("é日本😀"), "printable letters and symbols of any script stay");
        assertEquals("a 13-character value", Redact.bare("0123456789abc"));
    }

    /** C0, DEL and C1 controls (and the other non-printable code points below U+0100) as \xNN, as before. */
    @Test
    void controlCharactersAsHexBytes() {
        assertEquals("x\\x1b[2J\\x07\\x7f\\x85", Redact.printable("x\u001b[2J\u0007\u007f\u0085"));
        assertEquals("\\xa0\\xad", Redact.printable("\u00a0\u00ad"), "no-break space, soft hyphen");
    }

    /**
     * The replacement character (what invalid UTF-8 input decodes to) and other non-printable code
     * points (format and bidi controls, separators, private use, unassigned, lone surrogates) as
     * {@code \\u{XXXX}}: a token cannot reorder, hide or fake the text it is echoed in.
     */
    @Test
    void nonPrintableCodePointsAsUnicodeEscapes() {
        assertEquals("\\u{fffd}\\u{fffd}", Redact.printable("\ufffd\ufffd"));
        assertEquals("a\\u{202e}b\\u{200b}c\\u{2028}\\u{3000}", Redact.printable("a\u202eb\u200bc\u2028\u3000"));
        assertEquals("\\u{e000}\\u{0378}\\u{ffff}", Redact.printable("\ue000\u0378\uffff"));
        assertEquals("\\u{d800}x\\u{dc00}", Redact.printable("\ud800x\udc00"), "lone surrogates, one escape each");
        assertEquals("\\u{e0001}\\u{f0000}", Redact.printable("\udb40\udc01\udb80\udc00"), "tag, supplementary private use");
        assertEquals("'\\u{fffd}'", Redact.quoted("\ufffd"));
        assertEquals("ok\\u{feff}", Redact.bare("ok\ufeff"));
    }
}
