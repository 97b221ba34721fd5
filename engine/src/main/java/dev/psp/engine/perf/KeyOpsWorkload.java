package dev.psp.engine.perf;

import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.device.PspDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Key operations as a workload ({@code psp bench --mode rx-assoc|kdf}): one "packet" is one
 * operation. rx-assoc: the device allocates an SPI and derives its key (one device per worker,
 * as a NIC per core would be); kdf: SP 800-108 derivation alone, on varying SPIs. One thread.
 */
final class KeyOpsWorkload implements Workload {
    private final BenchOptions o;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment keyOut = arena.allocate(32);
    private final PspDevice device;
    private final KeyDerivation kdf;
    private int spi;
    private long in;
    private long out;
    private long failed;

    KeyOpsWorkload(BenchOptions o, long seed) {
        this.o = o;
        SplittableRandom r = new SplittableRandom(seed);
        if (o.mode == BenchOptions.Mode.RX_ASSOC) {
            device = PspDevice.builder().random(new java.util.Random(seed)).build();
            kdf = null;
        } else {
            byte[] mk0 = new byte[32];
            byte[] mk1 = new byte[32];
            for (int i = 0; i < 32; i++) {
                mk0[i] = (byte) r.nextInt();
                mk1[i] = (byte) r.nextInt();
            }
            kdf = new KeyDerivation(mk0, mk1);
            device = null;
        }
        spi = r.nextInt() | 1;
    }

    @Override
    public int runBurst() {
        int ok = 0;
        int n = o.burst;
        if (device != null) {
            for (int i = 0; i < n; i++) {
                if (device.rxAssoc(o.version, keyOut, 0) >= 0) {
                    ok++;
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                spi = spi * 0x9E3779B1 + 0x7F4A7C15; // a new SPI every time: no caching effects
                if (kdf.derive(spi | 1, o.version, keyOut, 0) > 0) {
                    ok++;
                }
            }
        }
        in += n;
        out += ok;
        failed += n - ok;
        return ok;
    }

    @Override
    public long packetsIn() {
        return in;
    }

    @Override
    public long packetsOut() {
        return out;
    }

    @Override
    public long payloadBytesOut() {
        return 0;
    }

    @Override
    public Map<String, Long> drops() {
        return failed == 0 ? Map.of() : Map.of("key-op-failed", failed);
    }

    @Override
    public String counterMismatch() {
        return null;
    }

    @Override
    public void resetCounts() {
        in = 0;
        out = 0;
        failed = 0;
    }

    @Override
    public void close() {
        if (device != null) {
            device.close();
        }
        if (kdf != null) {
            kdf.destroy();
        }
        keyOut.fill((byte) 0);
        arena.close();
    }
}
