package dev.psp.engine.psp;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Test helper: one buffer with headroom and tailroom, an encoder and a decoder. */
public final class CodecHarness implements AutoCloseable {
    public static final int HEADROOM = 256;
    public final Arena arena = Arena.ofConfined();
    public final MemorySegment buf = arena.allocate(HEADROOM + 70_000 + 256, 64);
    public final AeadEngine engine;
    public final KeyDerivation kdf;
    public final PspCounters txCounters = new PspCounters();
    public final PspCounters rxCounters = new PspCounters();
    public final PspEncoder encoder;
    public final RxKeys rxKeys;

    public CodecHarness(AeadBackend backend, byte[] mk0, byte[] mk1, int cacheSize) {
        this(backend.newEngine(), mk0, mk1, cacheSize);
    }

    /** Around an engine of the test's own (closed with the harness). */
    public CodecHarness(AeadEngine engine, byte[] mk0, byte[] mk1, int cacheSize) {
        this.engine = engine;
        kdf = new KeyDerivation(mk0, mk1);
        encoder = new PspEncoder(engine, txCounters);
        rxKeys = new RxKeys(kdf, engine, cacheSize, 64, 0xf);
    }

    public CodecHarness(byte[] mk0, byte[] mk1) {
        this(AeadBackends.jdk(), mk0, mk1, 0);
    }

    public PspDecoder decoder(Mode mode) {
        return new PspDecoder(engine, rxKeys, rxCounters, mode);
    }

    /** Installs a transmit SA with the key derived from the master keys, as the reference does. */
    public TxSa install(TxSa.Builder b, int spi, int version) {
        byte[] k = kdf.derive(spi, version);
        return b.spi(spi).version(version).install(engine, MemorySegment.ofArray(k), 0);
    }

    /** Loads {@code frame} into the buffer after the headroom and returns a descriptor for it. */
    public Packet load(byte[] frame) {
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, buf, HEADROOM, frame.length);
        return new Packet().wrap(buf, 0, buf.byteSize(), HEADROOM, frame.length);
    }

    public Packet load(Packet p, byte[] frame) {
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, buf, HEADROOM, frame.length);
        return p.wrap(buf, 0, buf.byteSize(), HEADROOM, frame.length);
    }

    @Override
    public void close() {
        rxKeys.close();
        engine.close();
        kdf.destroy();
        arena.close();
    }
}
