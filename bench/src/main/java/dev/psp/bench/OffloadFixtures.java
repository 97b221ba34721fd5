package dev.psp.bench;

import dev.psp.engine.crypto.AeadEngine;
import dev.psp.engine.crypto.KeyDerivation;
import dev.psp.engine.psp.Mode;
import dev.psp.engine.psp.PspCounters;
import dev.psp.engine.psp.PspDecoder;
import dev.psp.engine.psp.RxKeys;
import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
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
    static final int SEQ = 0x1000_0000;

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

    /** A transport-mode decoder for the benchmark SA, keys through a small cache. */
    static PspDecoder decoder(AeadEngine engine, KeyDerivation kdf, int version) {
        RxKeys keys = new RxKeys(kdf, engine, 64, 64, 1 << version);
        return new PspDecoder(engine, keys, new PspCounters(), Mode.TRANSPORT, 64);
    }

    static long mismatch(MemorySegment a, long aOff, MemorySegment b, long bOff, long len) {
        return MemorySegment.mismatch(a, aOff, aOff + len, b, bOff, bOff + len);
    }
}
