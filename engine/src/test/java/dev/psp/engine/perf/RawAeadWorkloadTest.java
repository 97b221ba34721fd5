package dev.psp.engine.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBackends;
import dev.psp.engine.crypto.AeadBurst;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.AeadKey;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The raw AEAD baseline drives the engine the way the PSP path does: one seal and one open call per burst. */
class RawAeadWorkloadTest {

    /** The JDK engine, counting the calls it gets; every {@code failSealEvery}-th seal fails (0 = none). */
    static final class CountingBackend implements AeadBackend {
        final int failSealEvery;
        int openBursts;
        int singleOpens;
        int seals;

        CountingBackend(int failSealEvery) {
            this.failSealEvery = failSealEvery;
        }

        @Override
        public String name() {
            return "counting-jdk";
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public String unavailabilityCause() {
            return null;
        }

        @Override
        public String version() {
            return "n/a";
        }

        @Override
        public AeadEngine newEngine() {
            AeadEngine jdk = AeadBackends.jdk().newEngine();
            return new AeadEngine() {
                @Override
                public AeadBackend backend() {
                    return CountingBackend.this;
                }

                @Override
                public AeadKey prepareKey(AeadKey reuse, MemorySegment key, long off, int len) {
                    return jdk.prepareKey(reuse, key, off, len);
                }

                @Override
                public int seal(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
                    if (failSealEvery > 0 && ++seals % failSealEvery == 0) {
                        return ERROR;
                    }
                    return jdk.seal(key, seg, off, aadLen, textLen);
                }

                @Override
                public int open(AeadKey key, MemorySegment seg, long off, int aadLen, int textLen) {
                    singleOpens++;
                    return jdk.open(key, seg, off, aadLen, textLen);
                }

                @Override
                public int openBurst(AeadBurst b) {
                    openBursts++;
                    int ok = 0;
                    for (int i = 0; i < b.count(); i++) {
                        b.status(i, jdk.open(b.key(i), b.segment(i), b.offset(i), b.aadLength(i), b.textLength(i)));
                        ok += b.status(i) == OK ? 1 : 0;
                    }
                    return ok;
                }

                @Override
                public void close() {
                    jdk.close();
                }
            };
        }
    }

    private static BenchOptions roundtrip() throws BenchOptions.BadOption {
        return BenchOptions.parse(new String[] {"--mode", "roundtrip", "--burst", "8", "--ring", "16", "--flows", "3",
                "--psp-version", "1"});
    }

    @Test
    void roundtripOpensWithOneBurstCall() throws Exception {
        CountingBackend be = new CountingBackend(0);
        try (RawAeadWorkload w = new RawAeadWorkload(roundtrip(), be, new int[] {64, 200}, 1)) {
            for (int i = 0; i < 5; i++) {
                assertEquals(8, w.runBurst());
            }
            assertEquals(5, be.openBursts);
            assertEquals(0, be.singleOpens, "records opened one by one");
            assertEquals(40, w.packetsOut());
            assertEquals(20 * 64 + 20 * 200, w.payloadBytesOut());
            assertEquals(Map.of(), w.drops());
            assertNull(w.counterMismatch());
        }
    }

    @Test
    void roundtripCountsAFailedSealAndOpensTheRest() throws Exception {
        CountingBackend be = new CountingBackend(4); // seals 4, 8, 12, ... fail: 2 per burst of 8
        try (RawAeadWorkload w = new RawAeadWorkload(roundtrip(), be, new int[] {64, 200}, 1)) {
            for (int i = 0; i < 5; i++) {
                assertEquals(6, w.runBurst());
            }
            assertEquals(5, be.openBursts);
            assertEquals(0, be.singleOpens);
            assertEquals(40, w.packetsIn());
            assertEquals(30, w.packetsOut());
            // the failed seals are records 3 and 7 of each burst, odd slots: 200-byte payloads
            assertEquals(5 * (4 * 64 + 2 * 200), w.payloadBytesOut());
            assertEquals(Map.of("crypto-error", 10L), w.drops());
            assertNull(w.counterMismatch());
        }
    }
}
