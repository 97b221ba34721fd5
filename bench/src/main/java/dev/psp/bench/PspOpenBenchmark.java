package dev.psp.bench;

import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.AeadKey;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.PspHeader;
import dev.psp.engine.psp.RxKeys;
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
 * One PSP open (verify, decrypt, decapsulate; receive key from the SPI through a {@code keyCache}
 * entry cache, 0 = derive per packet) of a frame sealed once in set-up, against its baselines in
 * the same run: {@link #rawAeadOpen} (same backend, same record, no PSP) and {@link #rawJdkOpen}
 * (plain javax.crypto on heap arrays). Every method first copies the sealed input back from a
 * template (open works in place).
 */
public class PspOpenBenchmark extends PspBench {
    @Param({"64", "512", "1400", "8900"})
    public int size;
    @Param({"jdk"})
    public String backend;
    @Param({"0"})
    public int version;
    @Param({"64"})
    public int keyCache;

    private Arena arena;
    private AeadEngine engine;
    private KeyDerivation kdf;
    private RxKeys rxKeys;
    private PspDecoder decoder;
    private final Packet packet = new Packet();
    private MemorySegment buf;
    private MemorySegment sealed;
    private long sealedOff;
    private int sealedLen;

    private MemorySegment rawBuf;
    private MemorySegment rawSealed;
    private AeadKey rawKey;
    private int aadLen;
    private int textLen;

    private Cipher cipher;
    private SecretKeySpec jdkKey;
    private byte[] jdkSealed;
    private byte[] jdkIn;
    private byte[] jdkOut;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        arena = PacketPool.packetArena();
        engine = BenchFixtures.backend(backend).newEngine();
        kdf = new KeyDerivation(BenchFixtures.MASTER_KEY_0, BenchFixtures.MASTER_KEY_1);
        TxSa sa = BenchFixtures.txSa(engine, kdf, version);
        PspEncoder encoder = new PspEncoder(engine, new PspCounters());
        buf = arena.allocate(BenchFixtures.HEADROOM + size + 100 + BenchFixtures.TAILROOM, 64);
        int frameLen = BenchFixtures.frame(buf, BenchFixtures.HEADROOM, size);
        packet.wrap(buf, 0, buf.byteSize(), BenchFixtures.HEADROOM, frameLen).sa = sa;
        if (encoder.seal(packet) != 0) {
            throw new IllegalStateException("PSP seal failed in set-up: " + encoder.counters().reasonMap());
        }
        sealedOff = packet.offset;
        sealedLen = packet.length;
        sealed = arena.allocate(buf.byteSize(), 64);
        MemorySegment.copy(buf, 0, sealed, 0, buf.byteSize());
        rxKeys = new RxKeys(kdf, engine, keyCache, 1, 1 << version);
        decoder = new PspDecoder(engine, rxKeys, new PspCounters(), Mode.TRANSPORT);
        if (open() != 0) {
            throw new IllegalStateException("PSP open failed in set-up: " + decoder.counters().reasonMap());
        }

        byte[] key = kdf.derive(BenchFixtures.SPI, version); // the SA's key, for the baselines
        aadLen = BenchFixtures.rawAad(version, size);
        textLen = BenchFixtures.rawText(version, size);
        int rec = aadLen + textLen + PspHeader.ICV_LENGTH;
        rawSealed = arena.allocate(rec, 64);
        MemorySegment.copy(MemorySegment.ofArray(BenchFixtures.bytes(rec, 3)), 0, rawSealed, 0, rec);
        Bytes.u64(rawSealed, 8, 1);
        rawKey = engine.prepareKey(null, MemorySegment.ofArray(key), 0, key.length);
        if (engine.seal(rawKey, rawSealed, 0, aadLen, textLen) != AeadEngine.OK) {
            throw new IllegalStateException("raw AEAD seal failed in set-up");
        }
        rawBuf = arena.allocate(rec, 64);
        if (rawAeadOpen() != AeadEngine.OK) {
            throw new IllegalStateException("raw AEAD open failed in set-up");
        }

        cipher = Cipher.getInstance("AES/GCM/NoPadding");
        jdkKey = new SecretKeySpec(key, "AES");
        byte[] plain = BenchFixtures.bytes(aadLen + textLen, 3);
        BenchFixtures.putIv(plain, 1);
        GCMParameterSpec jdkIv = new GCMParameterSpec(128, plain, 4, 12);
        cipher.init(Cipher.ENCRYPT_MODE, jdkKey, jdkIv);
        cipher.updateAAD(plain, 0, aadLen);
        jdkSealed = new byte[rec];
        System.arraycopy(plain, 0, jdkSealed, 0, aadLen);
        cipher.doFinal(plain, aadLen, textLen, jdkSealed, aadLen);
        jdkIn = new byte[rec];
        jdkOut = new byte[rec];
        rawJdkOpen();
        decoder.counters().reset();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PspCounters c = decoder.counters();
        long bad = c.rxError + c.rxBad + c.rxAuthFail + c.rxPassthrough;
        rxKeys.close();
        engine.close();
        kdf.destroy();
        arena.close();
        if (bad != 0) {
            throw new IllegalStateException(bad + " PSP opens failed: " + c.reasonMap());
        }
    }

    /** Restore the sealed frame, then verify, decrypt and decapsulate it in place. */
    @Benchmark
    public int open() {
        MemorySegment.copy(sealed, sealedOff, buf, sealedOff, sealedLen);
        packet.wrap(buf, 0, buf.byteSize(), sealedOff, sealedLen);
        return decoder.open(packet);
    }

    /** Baseline: the backend's AEAD open of the same record, no PSP. */
    @Benchmark
    public int rawAeadOpen() {
        MemorySegment.copy(rawSealed, 0, rawBuf, 0, aadLen + textLen + PspHeader.ICV_LENGTH);
        return engine.open(rawKey, rawBuf, 0, aadLen, textLen);
    }

    /** Baseline: plain javax.crypto AES-GCM decryption on heap arrays, one Cipher reused. */
    @Benchmark
    public int rawJdkOpen() throws GeneralSecurityException {
        System.arraycopy(jdkSealed, 0, jdkIn, 0, jdkSealed.length);
        cipher.init(Cipher.DECRYPT_MODE, jdkKey, new GCMParameterSpec(128, jdkIn, 4, 12));
        cipher.updateAAD(jdkIn, 0, aadLen);
        return cipher.doFinal(jdkIn, aadLen, textLen + PspHeader.ICV_LENGTH, jdkOut, 0);
    }
}
