package dev.psp.bench;

import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.AeadKey;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.PspHeader;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.wire.Bytes;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One PSP seal (transport mode, IPv4/UDP, {@code size} bytes of UDP payload) against its
 * baselines in the same run: {@link #rawAeadSeal} is the same backend's AEAD on the same record
 * with no PSP work, {@link #rawJdkSeal} a plain javax.crypto AES-GCM on heap arrays. Every method
 * first copies its input back from a template (seal works in place), so each includes one copy of
 * about the same number of bytes.
 */
public class PspSealBenchmark extends PspBench {
    @Param({"64", "512", "1400", "8900"})
    public int size;
    @Param({"jdk"})
    public String backend;
    @Param({"0"})
    public int version;

    private Arena arena;
    private AeadEngine engine;
    private PspEncoder encoder;
    private TxSa sa;
    private final Packet packet = new Packet();
    private MemorySegment buf;
    private MemorySegment template;
    private int frameLen;

    private MemorySegment rawBuf;
    private MemorySegment rawTemplate;
    private AeadKey rawKey;
    private int aadLen;
    private int textLen;
    private long iv;

    private Cipher cipher;
    private SecretKeySpec jdkKey;
    private byte[] jdkTemplate;
    private byte[] jdkIn;
    private byte[] jdkOut;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        arena = PacketPool.packetArena();
        engine = BenchFixtures.backend(backend).newEngine();
        encoder = new PspEncoder(engine, new PspCounters());
        KeyDerivation kdf = new KeyDerivation(BenchFixtures.MASTER_KEY_0, BenchFixtures.MASTER_KEY_1);
        sa = BenchFixtures.txSa(engine, kdf, version);
        buf = arena.allocate(BenchFixtures.HEADROOM + size + 100 + BenchFixtures.TAILROOM, 64);
        template = arena.allocate(size + 100, 64);
        frameLen = BenchFixtures.frame(template, 0, size);
        if (seal() != 0) {
            throw new IllegalStateException("PSP seal failed in set-up: " + encoder.counters().reasonMap());
        }

        byte[] key = kdf.derive(BenchFixtures.SPI, version); // the SA's key, for the baselines
        kdf.destroy();
        aadLen = BenchFixtures.rawAad(version, size);
        textLen = BenchFixtures.rawText(version, size);
        int rec = aadLen + textLen;
        rawTemplate = arena.allocate(rec + PspHeader.ICV_LENGTH, 64);
        MemorySegment.copy(MemorySegment.ofArray(BenchFixtures.bytes(rec, 3)), 0, rawTemplate, 0, rec);
        rawBuf = arena.allocate(rec + PspHeader.ICV_LENGTH, 64);
        rawKey = engine.prepareKey(null, MemorySegment.ofArray(key), 0, key.length);
        if (rawAeadSeal() != AeadEngine.OK) {
            throw new IllegalStateException("raw AEAD seal failed in set-up");
        }

        cipher = Cipher.getInstance("AES/GCM/NoPadding");
        jdkKey = new SecretKeySpec(key, "AES");
        jdkTemplate = BenchFixtures.bytes(rec, 3);
        jdkIn = new byte[rec + PspHeader.ICV_LENGTH];
        jdkOut = new byte[rec + PspHeader.ICV_LENGTH];
        rawJdkSeal();
        encoder.counters().reset();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long errors = encoder.counters().txError;
        engine.close();
        arena.close();
        if (errors != 0) {
            throw new IllegalStateException(errors + " PSP seals failed: " + encoder.counters().reasonMap());
        }
    }

    /** Restore the cleartext frame, then encapsulate and seal it in place. */
    @Benchmark
    public int seal() {
        MemorySegment.copy(template, 0, buf, BenchFixtures.HEADROOM, frameLen);
        packet.wrap(buf, 0, buf.byteSize(), BenchFixtures.HEADROOM, frameLen);
        packet.sa = sa;
        return encoder.seal(packet);
    }

    /** Baseline: the backend's AEAD on the same record, no PSP (a fresh IV each time). */
    @Benchmark
    public int rawAeadSeal() {
        MemorySegment.copy(rawTemplate, 0, rawBuf, 0, aadLen + textLen);
        Bytes.u64(rawBuf, 8, ++iv);
        return engine.seal(rawKey, rawBuf, 0, aadLen, textLen);
    }

    /** Baseline: plain javax.crypto AES-GCM on heap arrays, one Cipher reused. */
    @Benchmark
    public int rawJdkSeal() throws GeneralSecurityException {
        System.arraycopy(jdkTemplate, 0, jdkIn, 0, aadLen + textLen);
        BenchFixtures.putIv(jdkIn, ++iv);
        cipher.init(Cipher.ENCRYPT_MODE, jdkKey, new GCMParameterSpec(128, jdkIn, 4, 12));
        cipher.updateAAD(jdkIn, 0, aadLen);
        return cipher.doFinal(jdkIn, aadLen, textLen, jdkOut, 0);
    }
}
