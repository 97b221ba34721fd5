package dev.psp.engine.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.psp.engine.psp.CodecHarness;
import dev.psp.engine.psp.CounterIvSource;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.TxSa;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Test rig: frames are sealed with {@code PspEncoder} and opened with {@code PspDecoder} (JDK
 * backend), each in its own buffer slot with a chosen tailroom, ready for the coalescer.
 */
final class GroRig implements AutoCloseable {
    static final int HEADROOM = 128;
    static final int ROOM_64K = 66_000;
    static final byte[] MK0 = new byte[32];
    static final byte[] MK1 = new byte[32];

    static {
        new Random(70).nextBytes(MK0);
        new Random(71).nextBytes(MK1);
    }

    final Mode mode;
    final CodecHarness h = new CodecHarness(MK0, MK1);
    final Arena arena = Arena.ofConfined();
    final PspDecoder decoder;

    GroRig(Mode mode) {
        this(mode, false);
    }

    /** {@code verify}: the decoder verifies inner checksums (GRO then reuses its verdicts and layout). */
    GroRig(Mode mode, boolean verify) {
        this.mode = mode;
        this.decoder = h.decoder(mode).verifyInnerChecksums(verify);
    }

    TxSa sa(int spi, boolean vc) {
        return h.install(TxSa.builder().mode(mode).vc(vc, 0x5000L + spi).ivSource(new CounterIvSource(1)), spi, 0);
    }

    /** Seals and opens {@code frame}; the result is the cleartext with {@code tailroom} bytes behind it. */
    Packet sealOpen(byte[] frame, TxSa sa, int tailroom) {
        Packet p = load(frame, sa, tailroom);
        assertEquals(0, decoder.open(p), "open");
        assertArrayEquals(frame, p.toByteArray(), "decrypted frame");
        return p;
    }

    /** Seals and opens {@code frame} in a caller's descriptor (e.g. a pool slot), at its offset. */
    Packet sealOpenInto(Packet p, byte[] frame, TxSa sa) {
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, p.segment, p.offset, frame.length);
        p.length = frame.length;
        p.sa = sa;
        assertEquals(0, h.encoder.seal(p), "seal");
        assertEquals(0, decoder.open(p), "open");
        return p;
    }

    /** Seals and opens {@code frame}, expecting open to return {@code rc}. */
    Packet sealOpenRc(byte[] frame, TxSa sa, int tailroom, int rc) {
        Packet p = load(frame, sa, tailroom);
        assertEquals(rc, decoder.open(p), "open");
        return p;
    }

    /** Seals {@code frame}, flips an ICV bit, opens: an unauthenticated packet. */
    Packet sealForgeOpen(byte[] frame, TxSa sa) {
        Packet p = load(frame, sa, 64);
        long icvByte = p.offset + p.length - 1;
        p.segment.set(java.lang.foreign.ValueLayout.JAVA_BYTE, icvByte,
                (byte) (p.segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, icvByte) ^ 1));
        int rc = decoder.open(p);
        assert rc != 0;
        return p;
    }

    /** Opens {@code frame} as it is (not sealed): the decoder passes it through, {@code NOT_PSP}. */
    Packet passThrough(byte[] frame) {
        MemorySegment seg = arena.allocate(HEADROOM + frame.length + 16, 64);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, seg, HEADROOM, frame.length);
        Packet p = new Packet().wrap(seg, 0, seg.byteSize(), HEADROOM, frame.length);
        assertEquals(dev.psp.engine.psp.Reason.NOT_PSP.code(), decoder.open(p), "pass-through");
        return p;
    }

    private Packet load(byte[] frame, TxSa sa, int tailroom) {
        long size = HEADROOM + frame.length + Math.max(16, tailroom);
        MemorySegment seg = arena.allocate(size, 64);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, seg, HEADROOM, frame.length);
        Packet p = new Packet().wrap(seg, 0, size, HEADROOM, frame.length);
        p.sa = sa;
        assertEquals(0, h.encoder.seal(p), "seal");
        return p;
    }

    @Override
    public void close() {
        arena.close();
        h.close();
    }
}
