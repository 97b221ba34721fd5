package dev.psp.engine.perf;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadBurst;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.AeadKey;
import dev.psp.engine.wire.Bytes;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Baseline: the selected backend's {@link AeadEngine#sealBurst} / {@link AeadEngine#openBurst} on
 * bare records shaped like PSP's ({@link RawRecords}), with no PSP parsing, encapsulation or
 * counters; one key per flow. Each record is restored from its template before every burst, as in
 * the PSP workload; encrypt writes a fresh IV into the restored record (a nonce is never reused).
 */
final class RawAeadWorkload extends RawTally {
    private final BenchOptions.Mode mode;
    private final int burstSize;
    private final PacketRing ring;
    private final AeadEngine engine;
    private final AeadKey[] keys;
    private final AeadBurst burst;
    private final int[] aad;
    private final int[] text;
    private final int[] burstSlot;
    /** Roundtrip after a failed seal: the records that sealed, and their index in {@link #burst}. */
    private final AeadBurst sealedBurst;
    private final int[] sealedIndex;
    private int cursor;
    private long iv = 1;

    RawAeadWorkload(BenchOptions o, AeadBackend backend, int[] payloads, long seed) {
        this.mode = o.mode;
        this.burstSize = o.burst;
        int slots = Math.max(o.ring, payloads.length);
        int maxPayload = 0;
        for (int p : payloads) {
            maxPayload = Math.max(maxPayload, p);
        }
        this.ring = new PacketRing(slots, RawRecords.PSP_HEADER + RawRecords.l4Header(o) + maxPayload + RawRecords.TAG);
        this.engine = backend.newEngine();
        this.burst = new AeadBurst(o.burst);
        this.burstSlot = new int[o.burst];
        this.sealedBurst = new AeadBurst(o.burst);
        this.sealedIndex = new int[o.burst];
        SplittableRandom r = new SplittableRandom(seed);
        this.keys = new AeadKey[o.flows];
        byte[] k = new byte[RawRecords.keyLength(o.version)];
        for (int f = 0; f < o.flows; f++) {
            r.nextBytes(k);
            keys[f] = engine.prepareKey(null, MemorySegment.ofArray(k), 0, k.length);
        }
        this.aad = new int[slots];
        this.text = new int[slots];
        byte[] body = new byte[RawRecords.l4Header(o) + maxPayload];
        for (int i = 0; i < slots; i++) {
            int payload = payloads[i % payloads.length];
            aad[i] = RawRecords.aadLength(o, payload);
            text[i] = RawRecords.textLength(o, payload);
            ring.flow[i] = i % o.flows;
            ring.payload[i] = payload;
            long at = ring.base(i) + PacketRing.HEADROOM;
            r.nextBytes(body);
            Bytes.u32(ring.buffers, at, 0x11010000 | (o.version << 2));
            Bytes.u32(ring.buffers, at + 4, 0x1000 + ring.flow[i]);
            Bytes.u64(ring.buffers, at + 8, 0);
            MemorySegment.copy(MemorySegment.ofArray(body), 0, ring.buffers, at + RawRecords.PSP_HEADER,
                    RawRecords.l4Header(o) + payload);
            int len = RawRecords.PSP_HEADER + RawRecords.l4Header(o) + payload + RawRecords.TAG;
            if (mode == BenchOptions.Mode.DECRYPT) {
                Bytes.u64(ring.buffers, at + 8, iv++);
                int st = engine.seal(keys[ring.flow[i]], ring.buffers, at, aad[i], text[i]);
                if (st != AeadEngine.OK) {
                    throw new IllegalStateException("setup: raw seal of a " + payload + "-byte record failed (" + st + ")");
                }
                if (o.corruptEvery > 0 && i % o.corruptEvery == 0) {
                    Bytes.u8(ring.buffers, at + len - 1, ~Bytes.u8(ring.buffers, at + len - 1));
                }
            }
            ring.save(i, PacketRing.HEADROOM, len);
        }
    }

    @Override
    public int runBurst() {
        int n = burstSize;
        int c = cursor;
        AeadBurst b = burst;
        b.clear();
        for (int j = 0; j < n; j++) {
            ring.restore(c);
            long at = ring.base(c) + PacketRing.HEADROOM;
            if (mode != BenchOptions.Mode.DECRYPT) {
                Bytes.u64(ring.buffers, at + 8, iv++);
            }
            b.add(keys[ring.flow[c]], ring.buffers, at, aad[c], text[c]);
            burstSlot[j] = c;
            if (++c == ring.slots) {
                c = 0;
            }
        }
        cursor = c;
        switch (mode) {
            case ENCRYPT -> engine.sealBurst(b);
            case DECRYPT -> engine.openBurst(b);
            default -> {
                if (engine.sealBurst(b) == n) {
                    engine.openBurst(b);
                } else {
                    openSealed(b, n);
                }
            }
        }
        int ok = 0;
        for (int j = 0; j < n; j++) {
            int st = b.status(j);
            if (st == AeadEngine.OK) {
                ok++;
                payloadOut += ring.payload[burstSlot[j]];
            } else if (st == AeadEngine.AUTH_FAIL) {
                authFail++;
            } else {
                error++;
            }
        }
        tallyIn += n;
        tallyOut += ok;
        return ok;
    }

    /**
     * Roundtrip after a failed seal (rare: it fails the run): opens the sealed records as one burst, as the PSP
     * decoder opens what its encoder sealed; a failed seal keeps its status and is counted as such.
     */
    private void openSealed(AeadBurst b, int n) {
        AeadBurst s = sealedBurst;
        s.clear();
        for (int j = 0; j < n; j++) {
            if (b.status(j) == AeadEngine.OK) {
                sealedIndex[s.add(b.key(j), b.segment(j), b.offset(j), b.aadLength(j), b.textLength(j))] = j;
            }
        }
        if (s.count() > 0) {
            engine.openBurst(s);
        }
        for (int k = 0; k < s.count(); k++) {
            b.status(sealedIndex[k], s.status(k));
        }
    }

    @Override
    public void close() {
        for (AeadKey k : keys) {
            k.destroy();
        }
        engine.close();
        ring.close();
    }
}
