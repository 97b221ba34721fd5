package dev.psp.engine.perf;

import dev.psp.engine.crypto.AeadBackend;
import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.offload.GroBatch;
import dev.psp.engine.offload.GroCoalescer;
import dev.psp.engine.offload.GroConfig;
import dev.psp.engine.offload.GroCounters;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.Reason;
import dev.psp.engine.psp.RxKeys;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The PSP data path for one worker: transport mode, one SA (and SPI) per flow, the encoder's
 * production IV source, {@link PspEncoder#sealBurst} / {@link PspDecoder#openBurst} over a ring of
 * frames restored from templates before each burst (cleartext for encrypt and roundtrip, sealed
 * for decrypt).
 *
 * <p>With {@code --gro} the traffic is TCP streams: ring slot {@code i} belongs to flow {@code (i /
 * burst) % flows}, so each burst is one flow's run of in-order segments (contiguous sequence numbers,
 * ACK, PSH on the last of the run, as a sender's TSO write leaves them, and the timestamp option,
 * one TSval per run, as Linux sends it and GRO compares it); the decoder verifies inner
 * checksums; the workload made with {@code gro} then hands each opened burst to a {@link
 * GroCoalescer} (defaults, zero-copy {@link GroConfig.Merge#CHAIN} merges, flushed at the end of the
 * burst), the other one stops after the open. Packets in and out count segments in both.
 */
final class PspWorkload implements Workload {
    private final BenchOptions.Mode mode;
    private final int burstSize;
    private final PacketRing ring;
    private final AeadEngine engine;
    private final KeyDerivation kdf;
    private final RxKeys rxKeys;
    private final PspCounters tx = new PspCounters();
    private final PspCounters rx = new PspCounters();
    private final PspEncoder encoder;
    private final PspDecoder decoder;
    private final TxSa[] sas;
    private final Packet[] slotPackets;
    private final Packet[] burst;
    private int cursor;
    private long in;
    private long out;
    private long sealed;
    private long payloadOut;
    /** GRO after the open, or null. */
    private final GroCoalescer gro;
    private final GroBatch groBatch;
    private final GroCounters groCounters = new GroCounters();
    private long groDelivered;
    private String groProblem;

    PspWorkload(BenchOptions o, AeadBackend backend, int[] payloads, long seed) {
        this(o, backend, payloads, seed, false);
    }

    /** {@code gro}: coalesce each opened burst (needs {@code o.gro}, which shapes the traffic for it). */
    PspWorkload(BenchOptions o, AeadBackend backend, int[] payloads, long seed, boolean gro) {
        if (gro && !(o.gro && o.mode == BenchOptions.Mode.DECRYPT)) {
            throw new IllegalArgumentException("GRO runs on TCP stream traffic in decrypt mode (--mode decrypt --gro)");
        }
        this.mode = o.mode;
        this.burstSize = o.burst;
        TrafficGenerator gen = new TrafficGenerator(seed, o.flows, o.ipVersion,
                o.tcp ? PacketHeaders.PROTO_TCP : PacketHeaders.PROTO_UDP, o.gro);
        int maxPayload = 0;
        for (int p : payloads) {
            maxPayload = Math.max(maxPayload, p);
        }
        int slots = Math.max(o.ring, payloads.length);
        this.ring = new PacketRing(slots, gen.frameLength(maxPayload));
        this.engine = backend.newEngine();
        SplittableRandom r = new SplittableRandom(seed ^ 0x5eed);
        this.kdf = kdf(r);
        this.encoder = new PspEncoder(engine, tx, o.burst);
        this.rxKeys = new RxKeys(kdf, engine, o.keyCache, o.burst, 1 << o.version);
        this.decoder = new PspDecoder(engine, rxKeys, rx, Mode.TRANSPORT, o.burst).verifyInnerChecksums(o.gro);
        this.gro = gro ? new GroCoalescer(GroConfig.defaults().withMerge(GroConfig.Merge.CHAIN), groCounters) : null;
        this.groBatch = gro ? this.gro.newBatch(o.burst) : null;
        this.sas = installSas(kdf, engine, o);
        this.slotPackets = new Packet[slots];
        this.burst = new Packet[o.burst];
        int[] nextSeq = new int[o.flows];
        for (int f = 0; f < o.flows; f++) {
            nextSeq[f] = r.nextInt();
        }
        for (int i = 0; i < slots; i++) {
            int flow = o.gro ? (i / o.burst) % o.flows : i % o.flows;
            int payload = payloads[i % payloads.length];
            long base = ring.base(i);
            int len;
            if (o.gro) {
                boolean push = i % o.burst == o.burst - 1 || i == slots - 1;
                int tsVal = 1000 + i / o.burst; // one per run: GRO merges segments with equal options
                len = gen.writeTcpSegment(ring.buffers, base + PacketRing.HEADROOM, payload, flow, nextSeq[flow], push, tsVal);
                nextSeq[flow] += payload;
            } else {
                len = gen.write(ring.buffers, base + PacketRing.HEADROOM, payload, flow);
            }
            ring.flow[i] = flow;
            ring.payload[i] = payload;
            ring.save(i, PacketRing.HEADROOM, len);
            Packet p = new Packet();
            slotPackets[i] = p;
            if (mode == BenchOptions.Mode.DECRYPT) {
                wrap(i);
                int rc = encoder.seal(p);
                if (rc != 0) {
                    throw new IllegalStateException("setup: sealing a " + payload + "-byte packet failed: "
                            + Reason.of(rc).description);
                }
                if (o.corruptEvery > 0 && i % o.corruptEvery == 0) {
                    long icvLast = p.offset + p.length - 1; // generated frames have no link padding
                    Bytes.u8(ring.buffers, icvLast, ~Bytes.u8(ring.buffers, icvLast));
                }
                ring.save(i, (int) (p.offset - base), p.length);
            }
        }
        resetCounts();
    }

    /** A worker's key derivation: two master keys drawn from {@code r}. */
    static KeyDerivation kdf(SplittableRandom r) {
        byte[] mk0 = new byte[32];
        byte[] mk1 = new byte[32];
        r.nextBytes(mk0);
        r.nextBytes(mk1);
        return new KeyDerivation(mk0, mk1);
    }

    /** One transmit SA per flow: SPI {@code 0x1000 + flow}, its key derived from the SPI as a receiver would. */
    static TxSa[] installSas(KeyDerivation kdf, AeadEngine engine, BenchOptions o) {
        TxSa[] sas = new TxSa[o.flows];
        for (int f = 0; f < o.flows; f++) {
            int spi = 0x1000 + f;
            byte[] key = kdf.derive(spi, o.version);
            sas[f] = TxSa.builder().spi(spi).version(o.version).install(engine, MemorySegment.ofArray(key), 0);
        }
        return sas;
    }

    /** Slot {@code i}'s descriptor over its buffer; the window starts at {@code ring.base(i)}, which the codec never moves. */
    private Packet wrap(int i) {
        long base = ring.base(i);
        Packet p = slotPackets[i].wrap(ring.buffers, base, base + ring.slotSize, base + ring.offset[i], ring.length[i]);
        p.sa = sas[ring.flow[i]];
        return p;
    }

    @Override
    public int runBurst() {
        int n = burstSize;
        int c = cursor;
        for (int j = 0; j < n; j++) {
            ring.restore(c);
            Packet p = wrap(c);
            burst[j] = p;
            payloadOut += ring.payload[c];
            if (++c == ring.slots) {
                c = 0;
            }
        }
        cursor = c;
        int ok;
        switch (mode) {
            case ENCRYPT -> ok = encoder.sealBurst(burst, n);
            case DECRYPT -> ok = decoder.openBurst(burst, n);
            default -> {
                int s = encoder.sealBurst(burst, n);
                sealed += s;
                ok = decoder.openBurst(burst, s);
            }
        }
        in += n;
        for (int k = ok; k < n; k++) {
            payloadOut -= ring.payload[ring.slotOf(burst[k].base)]; // the codec moved the failures after the rest
        }
        if (gro != null) {
            ok = coalesce(ok);
        }
        out += ok;
        return ok;
    }

    /**
     * GRO over the {@code opened} packets at the head of the burst; returns the segments delivered in
     * its output. The decoder verified every inner checksum, so GRO drops nothing: a segment missing
     * from its output (CHAIN mode consumes no descriptor) is the row's problem.
     */
    private int coalesce(int opened) {
        int outs = gro.coalesce(burst, opened, groBatch, 0);
        int segments = 0;
        for (int i = 0; i < outs; i++) {
            segments += groBatch.segments[i];
        }
        groDelivered += outs;
        if (segments != opened && groProblem == null) {
            groProblem = "GRO: " + opened + " segments in, " + segments + " delivered in " + outs + " packets ("
                    + groBatch.droppedCount + " dropped)";
        }
        return opened;
    }

    @Override
    public long groPacketsOut() {
        return groDelivered;
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
        return payloadOut;
    }

    @Override
    public Map<String, Long> drops() {
        PspCounters both = new PspCounters();
        tx.addTo(both);
        rx.addTo(both);
        return both.reasonMap();
    }

    @Override
    public String counterMismatch() {
        long txDrops = tx.txError;
        long rxDrops = rx.rxError + rx.rxBad + rx.rxAuthFail + rx.rxPassthrough;
        long drops = txDrops + rxDrops;
        if (groProblem != null) {
            return groProblem;
        }
        if (gro != null && groCounters.segmentsIn != rx.rxPackets) {
            return "GRO segments in " + groCounters.segmentsIn + " != rx-packets " + rx.rxPackets;
        }
        if (in != out + drops) {
            return "packets in " + in + " != out " + out + " + counted drops " + drops;
        }
        return switch (mode) {
            case ENCRYPT -> tx.txPackets != out ? "tx-packets " + tx.txPackets + " != sealed " + out : null;
            case DECRYPT -> rx.rxPackets != out ? "rx-packets " + rx.rxPackets + " != opened " + out : null;
            case ROUNDTRIP -> tx.txPackets != sealed ? "tx-packets " + tx.txPackets + " != sealed " + sealed
                    : rx.rxPackets != out ? "rx-packets " + rx.rxPackets + " != opened " + out : null;
            case RX_ASSOC, KDF -> "not a packet mode";
        };
    }

    @Override
    public void resetCounts() {
        tx.reset();
        rx.reset();
        in = out = sealed = payloadOut = 0;
        groDelivered = 0;
        groCounters.reset();
    }

    @Override
    public void close() {
        rxKeys.close();
        engine.close();
        kdf.destroy();
        ring.close();
    }
}
