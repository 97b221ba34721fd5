package dev.psp.bench;

import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.Packet;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.PspEncoder;
import dev.psp.engine.psp.RxKeys;
import dev.psp.engine.psp.TxSa;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The one TCP flow the TSO and GRO benchmarks share: a super-packet (Ethernet + IPv4/IPv6 + TCP
 * with the timestamps option, 32-byte TCP header, ACK|PSH, DF, correct IP and TCP checksums) and
 * its segmentation at an MSS done the way Linux {@code tcp_gso_segment} does it (IPv4 ID + i,
 * sequence numbers advanced, PSH only on the last segment, every checksum correct), built
 * independently of {@code TsoSegmenter} so the benchmarks can cross-check it.
 */
final class OffloadFixtures {
    static final int ETH = 14;
    static final int TCP_HEADER = 32;
    /** Bytes per segment slot: headroom, a 1500-byte segment, PSP encapsulation and ICV, spare. */
    static final int SLOT = 2048;
    /** The GRO head's slot: room to merge the whole 64 KB super-packet into its tailroom ({@code merge=COPY}). */
    static final int HEAD_SLOT = 70_000;
    static final int SEQ = 0x1000_0000;
    /** PSP version of the SA the TSO and GRO benchmarks use. */
    static final int VERSION = 0;

    private OffloadFixtures() {}

    static int ipHeader(int ipVersion) {
        if (ipVersion != 4 && ipVersion != 6) {
            throw new IllegalArgumentException("ipVersion must be 4 or 6, got " + ipVersion);
        }
        return ipVersion == 4 ? 20 : 40;
    }

    /** Ethernet frame of one TCP super-packet with {@code payload} bytes; IP length must fit 16 bits. */
    static byte[] superPacket(int ipVersion, int payload) {
        int ipHdr = ipHeader(ipVersion);
        int ipLen = (ipVersion == 4 ? ipHdr : 0) + TCP_HEADER + payload;
        if (ipLen > 65535) {
            throw new IllegalArgumentException("IP length " + ipLen + " > 65535: payload too large for one super-packet");
        }
        ByteBuffer b = ByteBuffer.allocate(ETH + ipHdr + TCP_HEADER + payload);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort((short) (ipVersion == 4 ? 0x0800 : 0x86dd));
        if (ipVersion == 4) {
            b.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) 0x1234)
                    .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
                    .putInt(0x0a000001).putInt(0x0a000002);
        } else {
            b.putInt(0x60000000).putShort((short) ipLen).put((byte) 6).put((byte) 64)
                    .putLong(0xfd00L << 48).putLong(1).putLong(0xfd00L << 48).putLong(2);
        }
        // ports, seq, ack, data offset 8 words + ACK|PSH, window, checksum, urgent, NOP NOP TS(10)
        b.putShort((short) 40000).putShort((short) 443).putInt(SEQ).putInt(777)
                .putShort((short) (0x8000 | 0x18)).putShort((short) 2000).putShort((short) 0).putShort((short) 0)
                .put(new byte[] {1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0});
        b.put(BenchFixtures.bytes(payload, 11));
        byte[] a = b.array();
        MemorySegment m = MemorySegment.ofArray(a);
        if (ipVersion == 4) {
            Checksum.ipv4Header(m, ETH, 20);
        }
        Bytes.u16(m, ETH + ipHdr + 16, Checksum.l4(m, ETH, ipVersion, 6, ETH + ipHdr, TCP_HEADER + payload, 16));
        return a;
    }

    /** The super-packet cut at {@code mss}, each segment a complete frame with correct checksums. */
    static byte[][] segments(byte[] sp, int ipVersion, int mss) {
        int ipHdr = ipHeader(ipVersion);
        int l4 = ETH + ipHdr;
        int hdr = l4 + TCP_HEADER;
        int payload = sp.length - hdr;
        int n = (payload + mss - 1) / mss;
        ByteBuffer in = ByteBuffer.wrap(sp);
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            int chunk = Math.min(mss, payload - i * mss);
            byte[] seg = new byte[hdr + chunk];
            System.arraycopy(sp, 0, seg, 0, hdr);
            System.arraycopy(sp, hdr + i * mss, seg, hdr, chunk);
            ByteBuffer s = ByteBuffer.wrap(seg);
            MemorySegment m = MemorySegment.ofArray(seg);
            if (ipVersion == 4) {
                s.putShort(ETH + 2, (short) (ipHdr + TCP_HEADER + chunk));
                s.putShort(ETH + 4, (short) (in.getShort(ETH + 4) + i));
                s.putShort(ETH + 10, (short) 0);
                Checksum.ipv4Header(m, ETH, 20);
            } else {
                s.putShort(ETH + 4, (short) (TCP_HEADER + chunk));
            }
            s.putInt(l4 + 4, in.getInt(l4 + 4) + i * mss);
            int f = sp[l4 + 13] & 0xff;
            if (i > 0) {
                f &= ~0x80; // CWR only on the first
            }
            if (i < n - 1) {
                f &= ~0x09; // FIN, PSH only on the last
            }
            seg[l4 + 13] = (byte) f;
            s.putShort(l4 + 16, (short) 0);
            Bytes.u16(m, l4 + 16, Checksum.l4(m, ETH, ipVersion, 6, l4, TCP_HEADER + chunk, 16));
            out[i] = seg;
        }
        return out;
    }

    /** Where {@link #sealedInGroSlots} put the segments: one segment, one {@code [base, limit)} slot each. */
    record GroSlots(MemorySegment slots, long[] base, long[] limit) {}

    /**
     * The GRO benchmarks' receive buffers: {@code segs} laid out back to back in slots of one
     * allocation (slot 0, the GRO head, {@link #HEAD_SLOT} bytes, the others {@link #SLOT}), each
     * frame after {@code BenchFixtures.HEADROOM}, {@code pkts[i]} wrapped around it with {@code sa}
     * (every entry of {@code pkts} gets a new descriptor), then all sealed in place with one burst.
     */
    static GroSlots sealedInGroSlots(Arena arena, AeadEngine engine, TxSa sa, byte[][] segs, Packet[] pkts) {
        int nseg = segs.length;
        if (nseg > pkts.length) {
            throw new IllegalStateException(nseg + " segments > " + pkts.length + ": raise mss");
        }
        long[] base = new long[nseg];
        long[] limit = new long[nseg];
        long o = 0;
        for (int i = 0; i < nseg; i++) {
            base[i] = o;
            o += i == 0 ? HEAD_SLOT : SLOT;
            limit[i] = o;
        }
        MemorySegment slots = arena.allocate(o, 64);
        for (int i = 0; i < pkts.length; i++) {
            pkts[i] = new Packet();
        }
        for (int i = 0; i < nseg; i++) {
            MemorySegment.copy(MemorySegment.ofArray(segs[i]), 0, slots, base[i] + BenchFixtures.HEADROOM, segs[i].length);
            pkts[i].wrap(slots, base[i], limit[i], base[i] + BenchFixtures.HEADROOM, segs[i].length).sa = sa;
        }
        PspEncoder encoder = new PspEncoder(engine, new PspCounters(), pkts.length);
        if (encoder.sealBurst(pkts, nseg) != nseg) {
            throw new IllegalStateException("seal failed in set-up: " + encoder.counters().reasonMap());
        }
        return new GroSlots(slots, base, limit);
    }

    /** A transport-mode decoder for the benchmark SA, keys through a small cache. */
    static PspDecoder decoder(AeadEngine engine, KeyDerivation kdf, int version) {
        RxKeys keys = new RxKeys(kdf, engine, 64, 64, 1 << version);
        return new PspDecoder(engine, keys, new PspCounters(), Mode.TRANSPORT, 64);
    }

    static long mismatch(MemorySegment a, long aOff, MemorySegment b, long bOff, long len) {
        return MemorySegment.mismatch(a, aOff, aOff + len, b, bOff, bOff + len);
    }
}
