package dev.psp.engine.perf;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.offload.TsoCounters;
import dev.psp.engine.offload.TsoSegmenter;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.RxKeys;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.wire.PacketHeaders;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code psp bench --tso-mss N}: sending TCP super-packets of {@code size} payload bytes with TSO
 * against sending the same bytes already cut into {@code N}-byte segments. One burst is one
 * super-packet's {@code ceil(size / N)} segments; packets in and out count segments.
 *
 * <ul>
 *   <li>{@code tso}: the super-packet is restored from its template (the stack writing it), then
 *       {@link TsoSegmenter#segment} (inner TCP checksums computed, the NIC-emulation default) seals
 *       its segments into empty buffers, the cipher reading the payload from the super-packet.
 *   <li>otherwise: the segments TSO makes, opened back to cleartext in set-up, are restored from
 *       their templates (the stack writing each segment) and sealed in place as one
 *       {@link PspEncoder#sealBurst} with the encoder's checksum-offload emulation, so both sides
 *       compute the same checksums and copy the same payload bytes once per burst.
 * </ul>
 *
 * Set-up checks that every super-packet segments into the expected number of segments that open
 * back (with their checksums verified). The ring holds {@code max(1, ring / segments)} super-packets
 * (flow {@code i % flows}, sequence numbers continuing per flow, TCP timestamp option as Linux sends
 * it, which TSO copies into every segment) and the buffers for their segments.
 */
final class TsoWorkload implements Workload {
    private final boolean tso;
    private final int mss;
    private final int nseg;
    private final int supers;
    private final int[] segPayload;
    private final int superPayload;
    /** Super-packets (tso) and their templates. */
    private final PacketRing superRing;
    /** Segment buffers: super-packet {@code c}'s segment {@code k} in slot {@code c * nseg + k}; templates for the other side. */
    private final PacketRing segRing;
    private final AeadEngine engine;
    private final KeyDerivation kdf;
    private final PspCounters tx = new PspCounters();
    private final TsoCounters tsoCounters = new TsoCounters();
    private final PspEncoder encoder;
    private final TsoSegmenter segmenter;
    private final TxSa[] sas;
    private final Packet superPkt = new Packet();
    private final Packet[] out;
    private int cursor;
    private long in;
    private long delivered;
    private long payloadOut;

    TsoWorkload(BenchOptions o, AeadBackend backend, int[] payloads, long seed, boolean tso) {
        if (o.tsoMss <= 0 || o.mode != BenchOptions.Mode.ENCRYPT || payloads.length != 1 || payloads[0] <= o.tsoMss) {
            throw new IllegalArgumentException("TSO runs on one super-packet size larger than --tso-mss in encrypt mode");
        }
        this.tso = tso;
        this.mss = o.tsoMss;
        this.superPayload = payloads[0];
        this.nseg = (superPayload + mss - 1) / mss;
        this.supers = Math.max(1, o.ring / nseg);
        this.segPayload = new int[nseg];
        for (int k = 0; k < nseg; k++) {
            segPayload[k] = Math.min(mss, superPayload - k * mss);
        }
        TrafficGenerator gen = new TrafficGenerator(seed, o.flows, o.ipVersion, PacketHeaders.PROTO_TCP, true);
        this.superRing = new PacketRing(supers, gen.frameLength(superPayload));
        this.segRing = new PacketRing(supers * nseg, gen.frameLength(mss));
        this.engine = backend.newEngine();
        SplittableRandom r = new SplittableRandom(seed ^ 0x5eed);
        this.kdf = PspWorkload.kdf(r);
        int maxBurst = Math.max(o.burst, nseg);
        this.encoder = new PspEncoder(engine, tx, maxBurst).innerChecksums(true);
        this.segmenter = new TsoSegmenter(encoder, tsoCounters, true);
        this.sas = PspWorkload.installSas(kdf, engine, o);
        this.out = new Packet[nseg];
        for (int k = 0; k < nseg; k++) {
            out[k] = new Packet();
        }
        int[] nextSeq = new int[o.flows];
        for (int f = 0; f < o.flows; f++) {
            nextSeq[f] = r.nextInt();
        }
        try (RxKeys rxKeys = new RxKeys(kdf, engine, 0, maxBurst, 1 << o.version)) {
            PspDecoder decoder = new PspDecoder(engine, rxKeys, new PspCounters(), Mode.TRANSPORT, maxBurst)
                    .verifyInnerChecksums(true);
            for (int c = 0; c < supers; c++) {
                int flow = c % o.flows;
                superRing.flow[c] = flow;
                superRing.payload[c] = superPayload;
                int len = gen.writeTcpSegment(superRing.buffers, superRing.base(c) + PacketRing.HEADROOM, superPayload,
                        flow, nextSeq[flow], true, 1000 + c);
                nextSeq[flow] += superPayload;
                superRing.save(c, PacketRing.HEADROOM, len);
                int n = segmentSuper(c);
                if (n != nseg) {
                    throw new IllegalStateException("setup: TSO sealed " + n + " of " + nseg + " segments: " + tx.reasonMap());
                }
                if (decoder.openBurst(out, nseg) != nseg) {
                    throw new IllegalStateException("setup: TSO segments did not open: " + decoder.counters().reasonMap());
                }
                for (int k = 0; k < nseg; k++) {
                    int slot = c * nseg + k;
                    Packet p = out[k];
                    segRing.flow[slot] = flow;
                    segRing.payload[slot] = segPayload[k];
                    segRing.save(slot, (int) (p.offset - segRing.base(slot)), p.length);
                }
            }
        }
        resetCounts();
    }

    /** TSO of super-packet {@code c} (as it is in its buffer) into its segment buffers; returns segments sealed. */
    private int segmentSuper(int c) {
        for (int k = 0; k < nseg; k++) {
            long base = segRing.base(c * nseg + k);
            out[k].wrap(segRing.buffers, base, base + segRing.slotSize, base + PacketRing.HEADROOM, 0);
        }
        long base = superRing.base(c);
        superPkt.wrap(superRing.buffers, base, base + superRing.slotSize, base + superRing.offset[c], superRing.length[c]);
        superPkt.sa = sas[superRing.flow[c]];
        return segmenter.segment(superPkt, mss, out);
    }

    @Override
    public int runBurst() {
        int c = cursor;
        cursor = c + 1 == supers ? 0 : c + 1;
        int ok;
        if (tso) {
            superRing.restore(c);
            ok = segmentSuper(c);
        } else {
            for (int k = 0; k < nseg; k++) {
                int slot = c * nseg + k;
                segRing.restore(slot);
                long base = segRing.base(slot);
                out[k].wrap(segRing.buffers, base, base + segRing.slotSize, base + segRing.offset[slot], segRing.length[slot]);
                out[k].sa = sas[segRing.flow[slot]];
            }
            ok = encoder.sealBurst(out, nseg);
        }
        in += nseg;
        if (ok == nseg) {
            payloadOut += superPayload;
        } else {
            ok = Math.max(ok, 0); // NOT_SEGMENTED cannot happen for these super-packets; counted as a mismatch if it does
            for (int k = 0; k < ok; k++) {
                payloadOut += segPayload[segRing.slotOf(out[k].base) - c * nseg];
            }
        }
        delivered += ok;
        return ok;
    }

    @Override
    public long packetsIn() {
        return in;
    }

    @Override
    public long packetsOut() {
        return delivered;
    }

    @Override
    public long payloadBytesOut() {
        return payloadOut;
    }

    @Override
    public Map<String, Long> drops() {
        return tx.reasonMap();
    }

    @Override
    public String counterMismatch() {
        if (in != delivered + tx.txError) {
            return "segments in " + in + " != sealed " + delivered + " + tx-error " + tx.txError
                    + (tsoCounters.refused != 0 ? " (" + tsoCounters.refused + " super-packets refused whole)" : "");
        }
        if (tx.txPackets != delivered) {
            return "tx-packets " + tx.txPackets + " != sealed " + delivered;
        }
        if (tso && tsoCounters.segmentsOut != delivered) {
            return "TSO segments out " + tsoCounters.segmentsOut + " != sealed " + delivered;
        }
        return null;
    }

    @Override
    public void resetCounts() {
        tx.reset();
        tsoCounters.reset();
        in = delivered = payloadOut = 0;
    }

    @Override
    public void close() {
        engine.close();
        kdf.destroy();
        superRing.close();
        segRing.close();
    }

    /** Segments per super-packet. */
    int segmentsPerSuperPacket() {
        return nseg;
    }
}
