package dev.psp.engine.psp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.psp.engine.FuzzRandom;
import dev.psp.engine.ShimOrJdk;
import dev.psp.engine.crypto.AeadBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Jazzer fuzzing of the burst fast paths against the general Java paths, the inputs driving the
 * seeded differential tests' own generators (a {@link Random} whose bits come from the fuzzer):
 * {@link DecoderFastPathDifferentialTest} (packets sealed from random frames under random SAs, then
 * damaged, then up to four bytes overwritten where the fuzzer says; inner checksums ignored,
 * verified or marked, the same on both sides) and
 * {@link FrameSealerDifferentialTest} (near-miss frames with random head- and tailroom, with
 * inner checksums or without). The fast side runs on the native shim (intel-ipsec-mb, else OpenSSL)
 * when it loads, else on the JDK backend (the Java fast paths only). Invariants: the same verdict,
 * bytes and fields as the general path for every packet, and every packet counted once.
 *
 * <p>In the default suite it replays its seeds (a fork of its own, as {@link PspDecoderFuzzTest});
 * coverage-guided: {@code bash scripts/fuzz.sh} (every target, one JVM each).
 */
class BurstFuzzTest {
    private static final int SLOT = 10_240;
    private static final int BURST = 8;

    private static CodecHarness jdk;
    private static CodecHarness fast;
    private static Arena arena;
    private static MemorySegment gbuf;
    private static MemorySegment fbuf;
    private static long nextIv = 1;

    private static int uses;

    // created lazily, inside the fuzz run: codec classes must load after Jazzer's agent so they are instrumented
    private static void init() {
        // SAs are installed per input and their prepared keys live as long as their engine: new
        // engines every so often keep a long fuzzing run's memory flat
        if (jdk != null && ++uses % 1000 == 0) {
            jdk.close();
            fast.close();
            jdk = null;
        }
        if (jdk != null) {
            return;
        }
        jdk = new CodecHarness(FastPathDifferentialTest.MK0, FastPathDifferentialTest.MK1);
        AeadBackend b = ShimOrJdk.backend("BurstFuzzTest");
        fast = new CodecHarness(b, FastPathDifferentialTest.MK0, FastPathDifferentialTest.MK1, 0);
        if (arena == null) {
            arena = Arena.ofShared();
            gbuf = arena.allocate((long) SLOT * BURST, 64);
            fbuf = arena.allocate((long) SLOT * BURST, 64);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void fastOpenAgreesWithGeneral(FuzzedDataProvider data) {
        init();
        Random r = new FuzzRandom(data);
        Mode mode = Mode.values()[r.nextInt(Mode.values().length)];
        int checks = r.nextInt(3); // inner checksums: not looked at, verified (bad ones dropped), marked (bad ones delivered)
        boolean clear = r.nextBoolean();
        PspDecoder general = new PspDecoder(jdk.engine, jdk.rxKeys, jdk.rxCounters, mode).recordClearFields(clear)
                .verifyInnerChecksums(checks == 1).markInnerChecksums(checks == 2).fastPath(false);
        PspDecoder fastDec = new PspDecoder(fast.engine, fast.rxKeys, fast.rxCounters, mode).recordClearFields(clear)
                .verifyInnerChecksums(checks == 1).markInnerChecksums(checks == 2);
        int n = 1 + r.nextInt(BURST);
        Packet[] gp = new Packet[n];
        Packet[] fp = new Packet[n];
        for (int i = 0; i < n; i++) {
            byte[] wire = DecoderFastPathDifferentialTest.damage(r, DecoderFastPathDifferentialTest.sealed(jdk, r, i));
            for (int k = r.nextInt(5); k > 0; k--) {
                wire[r.nextInt(wire.length)] = (byte) r.nextInt(256);
            }
            int head = 64 + r.nextInt(192);
            int tail = r.nextInt(256);
            // different bytes around the frame on each side: a path that reads outside its frame disagrees
            gbuf.asSlice((long) i * SLOT, SLOT).fill((byte) 0);
            fbuf.asSlice((long) i * SLOT, SLOT).fill((byte) 0xa5);
            gp[i] = FrameSealerDifferentialTest.place(gbuf, i, wire, head, tail);
            fp[i] = FrameSealerDifferentialTest.place(fbuf, i, wire, head, tail);
        }
        Packet[] gOrder = gp.clone();
        Packet[] fOrder = fp.clone();
        long gBefore = received(jdk.rxCounters);
        long fBefore = received(fast.rxCounters);
        assertEquals(general.openBurst(gp, n), fastDec.openBurst(fp, n), "delivered");
        assertEquals(gBefore + n, received(jdk.rxCounters), "every packet counted once (general)");
        assertEquals(fBefore + n, received(fast.rxCounters), "every packet counted once (fast)");
        for (int i = 0; i < n; i++) {
            if (DecoderFastPathDifferentialTest.assertSameOpen(gOrder[i], fOrder[i], "packet " + i + " mode " + mode)) {
                assertTrue(fOrder[i].authenticated);
            }
        }
    }

    @FuzzTest(maxDuration = "10s")
    void frameSealerAgreesWithJava(FuzzedDataProvider data) {
        init();
        Random r = new FuzzRandom(data);
        boolean innerChecksums = r.nextBoolean();
        jdk.encoder.innerChecksums(innerChecksums);
        fast.encoder.innerChecksums(innerChecksums);
        int n = 1 + r.nextInt(BURST);
        Packet[] jp = new Packet[n];
        Packet[] fp = new Packet[n];
        byte[][] frames = new byte[n][];
        String[] sas = new String[n];
        for (int i = 0; i < n; i++) {
            FrameSealerDifferentialTest.SaChoice c = FrameSealerDifferentialTest.SaChoice.draw(r);
            // never an IV twice under one key, across inputs too (the JDK refuses a key and IV pair its
            // Cipher used last: a failure the shim, rightly trusting the IV source, does not have)
            long iv0 = nextIv += 1 << 16;
            int spi = 0x1000 + i;
            TxSa js = jdk.install(c.builder(iv0), spi, c.version());
            TxSa fs = fast.install(c.builder(iv0), spi, c.version());
            byte[] frame = FastPathDifferentialTest.frame(r);
            for (int k = r.nextInt(3); k > 0; k--) {
                frame[r.nextInt(frame.length)] = (byte) r.nextInt(256);
            }
            int head = r.nextInt(6) == 0 ? r.nextInt(48) : 256;
            int tail = r.nextInt(6) == 0 ? r.nextInt(24) : 256;
            // different bytes around the frame on each side: a path that reads outside its frame disagrees
            gbuf.asSlice((long) i * SLOT, SLOT).fill((byte) 0);
            fbuf.asSlice((long) i * SLOT, SLOT).fill((byte) 0xa5);
            frames[i] = frame;
            sas[i] = c + ", headroom " + head + ", tailroom " + tail + ", inner checksums " + innerChecksums;
            jp[i] = FrameSealerDifferentialTest.place(gbuf, i, frame, head, tail);
            fp[i] = FrameSealerDifferentialTest.place(fbuf, i, frame, head, tail);
            jp[i].sa = js;
            fp[i].sa = fs;
        }
        Packet[] jOrder = jp.clone();
        Packet[] fOrder = fp.clone();
        long jBefore = jdk.txCounters.txPackets + jdk.txCounters.txError;
        long fBefore = fast.txCounters.txPackets + fast.txCounters.txError;
        int jok = jdk.encoder.sealBurst(jp, n);
        int fok = fast.encoder.sealBurst(fp, n);
        for (int k = 0; k < n; k++) {
            int i = k;
            assertEquals(jOrder[i].result, fOrder[i].result, () -> "packet " + i + " of " + n + ": the Java encoder says "
                    + Reason.of(jOrder[i].result) + ", the fast path " + Reason.of(fOrder[i].result) + "; frame "
                    + java.util.HexFormat.of().formatHex(frames[i]) + " under " + sas[i]);
        }
        assertEquals(jok, fok, "sealed");
        assertEquals(jBefore + n, jdk.txCounters.txPackets + jdk.txCounters.txError, "every packet counted once (java)");
        assertEquals(fBefore + n, fast.txCounters.txPackets + fast.txCounters.txError, "every packet counted once (fast)");
        // the SA's own mode: auto cannot tell transport mode over IP-in-IP (next header 4 or 41) from tunnel (README)
        PspDecoder transport = fast.decoder(Mode.TRANSPORT);
        PspDecoder tunnel = fast.decoder(Mode.TUNNEL);
        for (int k = 0; k < n; k++) {
            int i = k;
            Packet a = jOrder[i];
            Packet o = fOrder[i];
            String at = "packet " + i;
            assertEquals(a.result, o.result, at + " result");
            if (a.result != 0) {
                continue;
            }
            FrameSealerDifferentialTest.assertSameSeal(a, o, at);
            int rc = (o.sa.mode == Mode.TUNNEL ? tunnel : transport).open(o);
            assertEquals(0, rc, () -> at + " does not open: " + Reason.of(rc) + "; frame "
                    + java.util.HexFormat.of().formatHex(frames[i]) + " under " + sas[i]);
        }
    }

    private static long received(PspCounters c) {
        return c.rxPackets + c.rxAuthFail + c.rxError + c.rxBad + c.rxPassthrough;
    }
}
