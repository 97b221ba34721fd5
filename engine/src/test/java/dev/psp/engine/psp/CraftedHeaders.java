package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.wire.Bytes;
import java.util.function.Consumer;

/**
 * Test helper: packets with a crafted PSP header and a valid ICV over it. The encoder seals the
 * frame, the engine opens the record in place, {@code edit} rewrites header fields, and the engine
 * seals the record again under a fresh IV (never the same key and IV twice), so only a header rule
 * can refuse the result.
 */
final class CraftedHeaders {
    private long nextIv = 0x7000;

    Packet craft(CodecHarness h, TxSa sa, byte[] frame, Consumer<Packet> edit) {
        Packet p = h.load(frame);
        p.sa = sa;
        assertEquals(0, h.encoder.seal(p));
        AeadEngine e = h.engine;
        assertEquals(AeadEngine.OK, e.open(sa.key, p.segment, p.aeadOff, p.aadLen, p.textLen));
        edit.accept(p);
        Bytes.u64(p.segment, p.aeadOff + PspHeader.IV_OFFSET, nextIv++);
        assertEquals(AeadEngine.OK, e.seal(sa.key, p.segment, p.aeadOff, p.aadLen, p.textLen));
        return p;
    }

    static void nextHeader(Packet p, int nh) {
        Bytes.u8(p.segment, p.aeadOff, nh);
    }

    static void hdrExtLen(Packet p, int v) {
        Bytes.u8(p.segment, p.aeadOff + 1, v);
    }

    static void vBit(Packet p, boolean on) {
        int f = Bytes.u8(p.segment, p.aeadOff + 3);
        Bytes.u8(p.segment, p.aeadOff + 3, on ? f | PspHeader.FLAG_V : f & ~PspHeader.FLAG_V);
    }

    /** A drop under {@code reason}: nothing delivered, nothing in rx-packets / rx-bytes, the reason counted once more. */
    static void assertDropped(CodecHarness h, Packet p, int rc, Reason reason, long before) {
        assertEquals(reason.code(), rc, () -> "got " + Reason.of(rc));
        assertEquals(reason.code(), p.result);
        org.junit.jupiter.api.Assertions.assertFalse(p.authenticated);
        assertEquals(0, h.rxCounters.rxPackets);
        assertEquals(0, h.rxCounters.rxBytes);
        assertEquals(before + 1, h.rxCounters.reasons[reason.code()]);
    }
}
