package dev.psp.engine.offload;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.psp.engine.FuzzRandom;
import dev.psp.engine.ShimOrJdk;
import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.psp.Mode;
import java.util.Random;

/**
 * Jazzer fuzzing of TSO: {@link TsoSegmenterTest#tsoRound} with every choice from the input (family,
 * mode, TCP or UDP, MSS 1..8948, payload up to 60 segments or 64000 bytes, crypt offset 0..63, VC,
 * SA version and tunnel outer addresses, header and payload bytes), so the boundaries (payload a
 * multiple of the MSS, one byte over, tiny segments, crypt offsets reaching into the payload) get
 * explored. Runs on the native shim's TSO sealer when it loads (intel-ipsec-mb, else OpenSSL), else
 * on the JDK backend.
 *
 * <p>In the default suite it replays its seeds (a fork of its own, with the other Jazzer tests);
 * coverage-guided: {@code bash scripts/fuzz.sh} (every target, one JVM each).
 */
class TsoSegmenterFuzzTest {
    private static AeadBackend backend;

    private static AeadBackend backend() {
        if (backend == null) {
            AeadBackend b = ShimOrJdk.backend("TsoSegmenterFuzzTest");
            backend = b;
        }
        return backend;
    }

    @FuzzTest(maxDuration = "10s")
    void tsoEqualsSegmentThenSeal(FuzzedDataProvider data) {
        Random r = new FuzzRandom(data);
        int ipv = r.nextBoolean() ? 4 : 6;
        Mode mode = r.nextInt(3) == 0 ? Mode.TUNNEL : Mode.TRANSPORT;
        int proto = r.nextInt(3) == 0 ? 17 : 6;
        int mss = 1 + r.nextInt(8948);
        int payload = 1 + r.nextInt(Math.min(64000, mss * 60));
        int co = r.nextInt(4) == 0 ? r.nextInt(64) : r.nextInt(4);
        boolean vc = r.nextBoolean();
        int round = r.nextInt(6);
        TsoSegmenterTest.tsoRound(backend(), ipv, mode, proto, mss, payload, co, vc, round, r);
    }
}
