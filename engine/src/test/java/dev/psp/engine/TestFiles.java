package dev.psp.engine;

import dev.psp.engine.cli.FileCodec;
import dev.psp.engine.cli.PspConfig;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.pcap.PcapWriter;
import dev.psp.engine.psp.Mode;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

/** File-level fixtures for tests that run the engine's file codec: pcaps of frames, decrypt with the vectors' keys. */
public final class TestFiles {
    private TestFiles() {}

    /** Writes {@code frames} as a classic Ethernet pcap (snaplen 262144), timestamps 1, 2, 3 ... s; returns {@code file}. */
    public static Path writePcap(Path file, List<byte[]> frames) throws Exception {
        try (PcapWriter w = PcapWriter.create(file, 262144, 1, false)) {
            int t = 1;
            for (byte[] f : frames) {
                w.write(MemorySegment.ofArray(f), 0, f.length, t++, 0);
            }
        }
        return file;
    }

    /**
     * Runs {@code codec.decrypt} on {@code in} with the shared vectors' decrypt keys
     * ({@code google-psp/cfg/decrypt.cfg}) on the JDK backend; returns {@code codec} for its counters.
     */
    public static FileCodec decryptWithVectorKeys(FileCodec codec, Mode mode, int keyCache, Path in, Path out) throws Exception {
        PspConfig cfg = PspConfig.readDecrypt(TestVectors.googlePsp().resolve("cfg/decrypt.cfg"));
        KeyDerivation kdf = new KeyDerivation(cfg.masterKey0, cfg.masterKey1);
        try (AeadEngine engine = AeadBackends.byName("jdk").newEngine()) {
            codec.decrypt(engine, kdf, mode, keyCache, in, out, 262144);
        } finally {
            kdf.destroy();
        }
        return codec;
    }
}
