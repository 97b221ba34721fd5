package dev.psp.bench;

import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.offload.TsoCounters;
import dev.psp.engine.offload.TsoSegmenter;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.TxSa;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Sending one 64 KB TCP super-packet with TSO against sending the same bytes already segmented,
 * same backend, same SA, same segment slots, in the same run. One op = the whole super-packet
 * ({@code payload} TCP payload bytes, cut into {@code ceil(payload / mss)} segments, 45 at the
 * defaults): divide {@code payload} by ns/op for bytes/ns.
 *
 * <ul>
 *   <li>{@link #tso}: {@code TsoSegmenter.segment} with inner checksums computed (the NIC-emulation
 *       default): per segment the header is copied from the super-packet and patched, the TCP
 *       checksum summed over the payload in the super-packet, and the cipher reads the payload
 *       straight from the super-packet (split seal) into the slot (the shim stages the segment's TCP
 *       header in front of the payload, borrowed and restored, for one GCM call). TSO never writes the
 *       super-packet (set-up checks its bytes are unchanged), so nothing is restored per op; the
 *       descriptors are re-wrapped around their empty slots (field stores only).
 *   <li>{@link #tsoNoChecksum}: the same with checksum computation off (template checksum copied).
 *   <li>{@link #preSegmented}: the same segments (checksums already correct, built in set-up)
 *       copied back from templates into the slots, then {@code PspEncoder.sealBurst}. Sealing
 *       works in place, so the copy-back is part of the op.
 *   <li>{@link #preSegmentedChecksum}: the same with the encoder's checksum-offload emulation on
 *       (each segment's TCP checksum computed before sealing), the checksum work {@link #tso} also
 *       does; still includes the copy-back, which TSO does not need.
 *   <li>{@link #preSegmentedNoRestore}: the {@link #preSegmented} seal with the copy-back moved into
 *       a {@code Level.Invocation} set-up (outside the timing; JMH's per-invocation timestamps cost
 *       tens of ns against tens of microseconds per op here).
 *   <li>{@link #preSegmentedChecksumNoRestore}: the {@link #preSegmentedChecksum} seal with the
 *       copy-back moved out of the timing the same way: the like-for-like baseline of {@link #tso}
 *       (same checksum work, same frames sealed, no per-op copy on either side).
 *   <li>{@link #restoreOnly}: just the copy-back loop, for {@code preSegmented - restoreOnly}
 *       (or {@code preSegmentedChecksum - restoreOnly}).
 *   <li>{@link #tsoFreshInput} / {@link #tsoNoChecksumFreshInput}: {@link #tso} / {@link #tsoNoChecksum}
 *       with the super-packet rewritten and the segment descriptors wrapped in a
 *       {@code Level.Invocation} set-up, as the {@code NoRestore} baselines do for their frames
 *       and descriptors: neither side times its input's writing or its descriptors' wrap.
 * </ul>
 *
 * Set-up cross-checks the paths: every TSO segment, opened, equals the pre-segmented cleartext
 * segment byte for byte, and every pre-segmented variant (the two without copy-back included)
 * seals all segments to frames that open back to them; tear-down fails the trial if any seal failed.
 */
public class TsoBenchmark extends PspBench {
    /**
     * {@code -p backend=none} (not in the default set): an engine that seals nothing, so each
     * method measures the codec alone (segmenting, stamping or encapsulating, checksums, burst
     * bookkeeping), with no cipher and no native call. Neither side writes payload then (TSO's
     * cipher would write it into the slot, the pre-segmented seal in place), so the codecs compare
     * like for like. Set-up opens every TSO segment (a no-op open) and checks its headers against
     * the pre-segmented frame's, byte for byte; the payload is not written, so not compared.
     */
    static final String NO_CIPHER = "none";

    @Param({"jdk", "shim-ipsecmb"})
    public String backend;
    @Param({"1448"})
    public int mss;
    @Param({"4"})
    public int ipVersion;
    /** TCP payload of the super-packet (IPv4: 20 + 32 + 65000 = 65052 <= 65535). */
    @Param({"65000"})
    public int payload;

    private Arena arena;
    private AeadEngine engine;
    private KeyDerivation kdf;
    private PspEncoder encoder;
    private PspEncoder encoderCsum;
    private TsoSegmenter tso;
    private TsoSegmenter tsoNoCsum;
    private TxSa sa;

    private MemorySegment superBuf;
    private MemorySegment superTemplate;
    private int superLen;
    private final Packet superPkt = new Packet();

    int nseg;
    private MemorySegment slots;
    final Packet[] out = new Packet[64];
    private MemorySegment templates;
    private long[] templateOff;
    int[] segLen;

    @Setup(Level.Trial)
    public void setUp() {
        arena = PacketPool.packetArena();
        engine = NO_CIPHER.equals(backend) ? new EncapsulationBenchmark.NullEngine() : BenchFixtures.backend(backend).newEngine();
        kdf = new KeyDerivation(BenchFixtures.MASTER_KEY_0, BenchFixtures.MASTER_KEY_1);
        sa = BenchFixtures.txSa(engine, kdf, OffloadFixtures.VERSION);
        encoder = new PspEncoder(engine, new PspCounters(), 64);
        encoderCsum = new PspEncoder(engine, encoder.counters(), 64).innerChecksums(true);
        tso = new TsoSegmenter(encoder, new TsoCounters(), true);
        tsoNoCsum = new TsoSegmenter(encoder, new TsoCounters(), false);

        byte[] sp = OffloadFixtures.superPacket(ipVersion, payload);
        superLen = sp.length;
        superBuf = arena.allocate(BenchFixtures.HEADROOM + superLen + BenchFixtures.TAILROOM, 64);
        MemorySegment.copy(MemorySegment.ofArray(sp), 0, superBuf, BenchFixtures.HEADROOM, superLen);
        superTemplate = arena.allocate(superLen, 64);
        MemorySegment.copy(MemorySegment.ofArray(sp), 0, superTemplate, 0, superLen);

        byte[][] segs = OffloadFixtures.segments(sp, ipVersion, mss);
        nseg = segs.length;
        if (nseg > out.length) {
            throw new IllegalStateException(nseg + " segments > " + out.length + " slots: raise mss");
        }
        slots = arena.allocate((long) OffloadFixtures.SLOT * out.length, 64);
        for (int i = 0; i < out.length; i++) {
            out[i] = new Packet();
        }
        templateOff = new long[nseg];
        segLen = new int[nseg];
        long total = 0;
        for (byte[] s : segs) {
            total += (s.length + 63) & ~63;
        }
        templates = arena.allocate(total, 64);
        long o = 0;
        for (int i = 0; i < nseg; i++) {
            templateOff[i] = o;
            segLen[i] = segs[i].length;
            MemorySegment.copy(MemorySegment.ofArray(segs[i]), 0, templates, o, segs[i].length);
            o += (segs[i].length + 63) & ~63;
        }
        if (!NO_CIPHER.equals(backend)) {
            crossCheck(sp);
        } else {
            checkHeadersOnly();
        }
        encoder.counters().reset();
    }

    /**
     * TSO output opens to exactly the pre-segmented frames, the super-packet is untouched, every
     * pre-segmented seal works (the two without copy-back through a {@link Restored} restored here).
     */
    private void crossCheck(byte[] sp) {
        PspDecoder dec = OffloadFixtures.decoder(engine, kdf, OffloadFixtures.VERSION);
        for (int round = 0; round < 3; round++) {
            int n = tso();
            if (n != nseg) {
                throw new IllegalStateException("TSO sealed " + n + " of " + nseg + " segments: " + encoder.counters().reasonMap());
            }
            if (OffloadFixtures.mismatch(MemorySegment.ofArray(sp), 0, superBuf, BenchFixtures.HEADROOM, superLen) != -1) {
                throw new IllegalStateException("TSO modified the super-packet: the benchmark would need to restore it");
            }
            if (dec.openBurst(out, nseg) != nseg) {
                throw new IllegalStateException("TSO output did not open: " + dec.counters().reasonMap());
            }
            for (int i = 0; i < nseg; i++) {
                if (out[i].length != segLen[i]
                        || OffloadFixtures.mismatch(out[i].segment, out[i].offset, templates, templateOff[i], segLen[i]) != -1) {
                    throw new IllegalStateException("TSO segment " + i + " differs from the pre-segmented frame");
                }
            }
            if (tsoNoChecksum() != nseg) {
                throw new IllegalStateException("TSO without checksums failed: " + encoder.counters().reasonMap());
            }
            if (preSegmentedChecksum() != nseg) {
                throw new IllegalStateException("pre-segmented seal with checksums failed: " + encoder.counters().reasonMap());
            }
            if (dec.openBurst(out, nseg) != nseg) {
                throw new IllegalStateException("pre-segmented output did not open: " + dec.counters().reasonMap());
            }
            for (int i = 0; i < nseg; i++) {
                if (OffloadFixtures.mismatch(out[i].segment, out[i].offset, templates, templateOff[i], segLen[i]) != -1) {
                    throw new IllegalStateException("checksum emulation changed pre-segmented frame " + i);
                }
            }
            if (preSegmented() != nseg) {
                throw new IllegalStateException("pre-segmented seal failed: " + encoder.counters().reasonMap());
            }
            if (dec.openBurst(out, nseg) != nseg) {
                throw new IllegalStateException("pre-segmented output did not open: " + dec.counters().reasonMap());
            }
            Restored r = new Restored();
            for (int variant = 0; variant < 2; variant++) {
                r.restore(this);
                int sealed = variant == 0 ? preSegmentedNoRestore(r) : preSegmentedChecksumNoRestore(r);
                if (sealed != nseg) {
                    throw new IllegalStateException("pre-segmented seal without copy-back failed (variant " + variant
                            + "): " + encoder.counters().reasonMap());
                }
                if (dec.openBurst(out, nseg) != nseg) {
                    throw new IllegalStateException("pre-segmented output without copy-back did not open: "
                            + dec.counters().reasonMap());
                }
                for (int i = 0; i < nseg; i++) {
                    if (OffloadFixtures.mismatch(out[i].segment, out[i].offset, templates, templateOff[i], segLen[i]) != -1) {
                        throw new IllegalStateException("pre-segmented frame " + i + " without copy-back differs (variant "
                                + variant + ")");
                    }
                }
            }
        }
    }

    /** {@link #NO_CIPHER}: every TSO segment, opened, has the pre-segmented frame's headers (L2 to TCP options). */
    private void checkHeadersOnly() {
        PspDecoder dec = OffloadFixtures.decoder(engine, kdf, OffloadFixtures.VERSION);
        int headers = OffloadFixtures.ETH + (ipVersion == 4 ? 20 : 40) + OffloadFixtures.TCP_HEADER;
        if (tso() != nseg || dec.openBurst(out, nseg) != nseg) {
            throw new IllegalStateException("codec-only TSO did not seal and open " + nseg + " segments: "
                    + encoder.counters().reasonMap() + dec.counters().reasonMap());
        }
        for (int i = 0; i < nseg; i++) {
            if (out[i].length != segLen[i]
                    || OffloadFixtures.mismatch(out[i].segment, out[i].offset, templates, templateOff[i], headers) != -1) {
                throw new IllegalStateException("codec-only TSO segment " + i + " headers differ from the pre-segmented frame");
            }
        }
        if (preSegmentedChecksum() != nseg) {
            throw new IllegalStateException("codec-only pre-segmented seal failed: " + encoder.counters().reasonMap());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        PspCounters c = encoder.counters();
        long errors = c.txError;
        String reasons = c.reasonMap().toString();
        engine.close();
        kdf.destroy();
        arena.close();
        if (errors != 0) {
            throw new IllegalStateException(errors + " seals failed: " + reasons);
        }
    }

    private void wrapEmpty() {
        for (int i = 0; i < nseg; i++) {
            long base = (long) OffloadFixtures.SLOT * i;
            out[i].wrap(slots, base, base + OffloadFixtures.SLOT, base + BenchFixtures.HEADROOM, 0);
        }
    }

    private int sealWith(TsoSegmenter t) {
        wrapEmpty();
        return segmentWrapped(t);
    }

    /** TSO into the slot descriptors as they are (wrapped around their empty slots beforehand). */
    private int segmentWrapped(TsoSegmenter t) {
        superPkt.wrap(superBuf, 0, superBuf.byteSize(), BenchFixtures.HEADROOM, superLen);
        superPkt.sa = sa;
        return t.segment(superPkt, mss, out);
    }

    /** TSO with inner checksums computed (NIC-emulation default); returns segments sealed. */
    @Benchmark
    public int tso() {
        return sealWith(tso);
    }

    /** TSO with inner checksum computation off. */
    @Benchmark
    public int tsoNoChecksum() {
        return sealWith(tsoNoCsum);
    }

    /** Copy the pre-segmented cleartext frames back into the slots (sealing works in place). */
    void restore() {
        for (int i = 0; i < nseg; i++) {
            long base = (long) OffloadFixtures.SLOT * i;
            MemorySegment.copy(templates, templateOff[i], slots, base + BenchFixtures.HEADROOM, segLen[i]);
            out[i].wrap(slots, base, base + OffloadFixtures.SLOT, base + BenchFixtures.HEADROOM, segLen[i]);
            out[i].sa = sa;
        }
    }

    /** Restore the 45 pre-segmented frames, then seal them as one burst. */
    @Benchmark
    public int preSegmented() {
        restore();
        return encoder.sealBurst(out, nseg);
    }

    /**
     * {@link #preSegmented} with transmit checksum-offload emulation on ({@code PspEncoder.innerChecksums}):
     * the encoder computes each segment's TCP checksum before sealing, as it must for segments
     * handed over with the checksum left to the NIC. It computes the same checksums as
     * {@link #tso} but also pays the per-op copy-back; {@link #preSegmentedChecksumNoRestore} is
     * the like-for-like baseline.
     */
    @Benchmark
    public int preSegmentedChecksum() {
        restore();
        return encoderCsum.sealBurst(out, nseg);
    }

    /** Only the copy-back of {@link #preSegmented} (to subtract). */
    @Benchmark
    public Packet[] restoreOnly() {
        restore();
        return out;
    }

    /**
     * Frames restored outside the timed region, before every invocation. JMH (1.37) injects a
     * second instance of the enclosing state into this helper, not the one the benchmark method is
     * called on, so the benchmark must use {@link #b} (the instance that was restored).
     */
    @State(Scope.Thread)
    public static class Restored {
        TsoBenchmark b;

        @Setup(Level.Invocation)
        public void restore(TsoBenchmark b) {
            this.b = b;
            b.restore();
        }
    }

    /** Seal of the pre-segmented frames with the copy-back excluded from the timing. */
    @Benchmark
    public int preSegmentedNoRestore(Restored r) {
        TsoBenchmark t = r.b;
        return t.encoder.sealBurst(t.out, t.nseg);
    }

    /**
     * {@link #preSegmentedChecksum} with the copy-back excluded from the timing (as
     * {@link #preSegmentedNoRestore}): the seal with inner checksums computed, TSO's like-for-like
     * baseline.
     */
    @Benchmark
    public int preSegmentedChecksumNoRestore(Restored r) {
        TsoBenchmark t = r.b;
        return t.encoderCsum.sealBurst(t.out, t.nseg);
    }

    /**
     * The super-packet written afresh and the segment descriptors wrapped around their empty slots,
     * outside the timed region before every invocation, as {@link Restored} writes the
     * pre-segmented frames and wraps their descriptors: TSO then starts from input as freshly
     * written (as cache-warm) as its {@code NoRestore} baselines', and neither side times the
     * descriptor wrap (JMH injects a second instance; use {@link #b}).
     */
    @State(Scope.Thread)
    public static class RestoredSuper {
        TsoBenchmark b;

        @Setup(Level.Invocation)
        public void restore(TsoBenchmark b) {
            this.b = b;
            MemorySegment.copy(b.superTemplate, 0, b.superBuf, BenchFixtures.HEADROOM, b.superLen);
            b.wrapEmpty();
        }
    }

    /** {@link #tso} from a freshly written super-packet and freshly wrapped descriptors (untimed): like for like with {@link #preSegmentedChecksumNoRestore}. */
    @Benchmark
    public int tsoFreshInput(RestoredSuper r) {
        return r.b.segmentWrapped(r.b.tso);
    }

    /** {@link #tsoNoChecksum} from a freshly written super-packet and freshly wrapped descriptors (untimed): like for like with {@link #preSegmentedNoRestore}. */
    @Benchmark
    public int tsoNoChecksumFreshInput(RestoredSuper r) {
        return r.b.segmentWrapped(r.b.tsoNoCsum);
    }
}
