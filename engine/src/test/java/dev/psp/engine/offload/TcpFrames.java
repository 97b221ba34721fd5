package dev.psp.engine.offload;

import dev.psp.engine.wire.Bytes;
import dev.psp.engine.wire.Checksum;
import dev.psp.engine.wire.PacketHeaders;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only TCP frames: a builder for Ethernet [VLAN] IPv4/IPv6 TCP frames with options and valid
 * checksums, and a segmenter that cuts a super-packet the way Linux {@code tcp_gso_segment} does
 * (sequence advanced, CWR on the first segment only, FIN/PSH on the last only, IPv4 ID + 1 per
 * segment unless fixed, every checksum recomputed). The production TSO segmenter lives elsewhere.
 */
final class TcpFrames {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;
    static final int URG = 0x20;
    static final int ECE = 0x40;
    static final int CWR = 0x80;

    private TcpFrames() {}

    static final class Spec {
        int ipVersion = 4;
        int vlan = 0;
        int addr = 1;
        /** The destination's host part when it differs from the source's ({@link #addr}); -1: the same. */
        int dstAddr = -1;
        int sport = 40000;
        int dport = 443;
        int seq = 1000;
        int ack = 5000;
        int flags = ACK;
        int window = 502;
        byte[] options = new byte[0];
        int ipId = 100;
        boolean df = true;
        int ttl = 64;
        int tos = 0;
        int flowLabel = 0x12345;
        byte[] payload = new byte[0];
        int pad = 0;
        /** IPv6 only: an 8-byte destination options header before TCP. */
        boolean ext = false;

        Spec copy() {
            Spec s = new Spec();
            s.ipVersion = ipVersion; s.vlan = vlan; s.addr = addr; s.dstAddr = dstAddr; s.sport = sport; s.dport = dport; s.seq = seq;
            s.ack = ack; s.flags = flags; s.window = window; s.options = options.clone(); s.ipId = ipId; s.df = df;
            s.ttl = ttl; s.tos = tos; s.flowLabel = flowLabel; s.payload = payload.clone(); s.pad = pad; s.ext = ext;
            return s;
        }

        byte[] build() {
            return TcpFrames.build(this);
        }
    }

    /** NOP NOP TS(tsval, tsecr): 12 bytes. */
    static byte[] timestamps(int tsval, int tsecr) {
        return ByteBuffer.allocate(12).put((byte) 1).put((byte) 1).put((byte) 8).put((byte) 10)
                .putInt(tsval).putInt(tsecr).array();
    }

    /** Timestamps then NOP NOP SACK(one block): 24 bytes. */
    static byte[] timestampsAndSack(int tsval, int tsecr, int left, int right) {
        return ByteBuffer.allocate(24).put(timestamps(tsval, tsecr)).put((byte) 1).put((byte) 1).put((byte) 5)
                .put((byte) 10).putInt(left).putInt(right).array();
    }

    static byte[] build(Spec s) {
        if (s.options.length % 4 != 0) {
            throw new IllegalArgumentException("options must be padded to 4 bytes");
        }
        int th = 20 + s.options.length;
        int l4 = th + s.payload.length;
        int extLen = s.ipVersion == 6 && s.ext ? 8 : 0;
        int ipHdr = s.ipVersion == 4 ? 20 : 40 + extLen;
        int l2 = 14 + 4 * s.vlan;
        ByteBuffer b = ByteBuffer.allocate(l2 + ipHdr + l4 + s.pad);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2});
        for (int i = 0; i < s.vlan; i++) {
            b.putShort((short) 0x8100).putShort((short) (100 + i));
        }
        b.putShort((short) (s.ipVersion == 4 ? 0x0800 : 0x86dd));
        if (s.ipVersion == 4) {
            b.put((byte) 0x45).put((byte) s.tos).putShort((short) (ipHdr + l4)).putShort((short) s.ipId)
                    .putShort((short) (s.df ? 0x4000 : 0)).put((byte) s.ttl).put((byte) 6).putShort((short) 0)
                    .putInt(0x0a000000 + s.addr).putInt(0x0a010000 + (s.dstAddr < 0 ? s.addr : s.dstAddr));
        } else {
            b.putInt(0x60000000 | (s.tos << 20) | (s.flowLabel & 0xfffff)).putShort((short) (l4 + extLen))
                    .put((byte) (extLen > 0 ? 60 : 6)).put((byte) s.ttl).putLong(0x20010db800000000L).putLong(s.addr)
                    .putLong(0x20010db800000001L).putLong(s.dstAddr < 0 ? s.addr : s.dstAddr);
            if (extLen > 0) {
                b.put(new byte[] {6, 0, 1, 4, 0, 0, 0, 0}); // destination options: PadN
            }
        }
        b.putShort((short) s.sport).putShort((short) s.dport).putInt(s.seq).putInt(s.ack)
                .put((byte) ((th / 4) << 4)).put((byte) s.flags).putShort((short) s.window).putShort((short) 0)
                .putShort((short) 0).put(s.options).put(s.payload);
        byte[] f = b.array();
        for (int i = 0; i < s.pad; i++) {
            f[f.length - 1 - i] = (byte) (0x5a + i);
        }
        fixChecksums(f);
        return f;
    }

    /** Parsed offsets of a frame (relative to the array). */
    record Layout(int ipVersion, int l3, int l4, int thLen, int ipEnd) {
        int payOff() {
            return l4 + thLen;
        }

        int payLen() {
            return ipEnd - l4 - thLen;
        }
    }

    static Layout layout(byte[] f) {
        PacketHeaders h = new PacketHeaders();
        MemorySegment s = MemorySegment.ofArray(f);
        if (h.parse(s, 0, f.length) != PacketHeaders.OK || h.l4Proto != 6) {
            throw new IllegalArgumentException("not a TCP frame");
        }
        return new Layout(h.ipVersion, (int) h.l3Off, (int) h.l4Off, (Bytes.u8(s, h.l4Off + 12) >>> 4) * 4,
                (int) h.ipEnd);
    }

    /** Recomputes the IPv4 header checksum and the TCP checksum in place. */
    static void fixChecksums(byte[] f) {
        Layout l = layout(f);
        MemorySegment s = MemorySegment.ofArray(f);
        if (l.ipVersion() == 4) {
            Checksum.ipv4Header(s, l.l3(), 20);
        }
        int len = l.ipEnd() - l.l4();
        Bytes.u16(s, l.l4() + 16, Checksum.l4(s, l.l3(), l.ipVersion(), 6, l.l4(), len, 16));
    }

    static boolean tcpChecksumValid(byte[] f) {
        Layout l = layout(f);
        return Checksum.l4Valid(MemorySegment.ofArray(f), l.l3(), l.ipVersion(), 6, l.l4(), l.ipEnd() - l.l4());
    }

    /** Cuts a TCP super-packet into segments of {@code mss} payload bytes, tcp_gso_segment style. */
    static List<byte[]> segment(byte[] sup, int mss, boolean fixedId) {
        Layout l = layout(sup);
        ByteBuffer in = ByteBuffer.wrap(sup);
        int hdr = l.payOff();
        int pay = l.payLen();
        int n = Math.max(1, (pay + mss - 1) / mss);
        int seq = in.getInt(l.l4() + 4);
        int flags = sup[l.l4() + 13] & 0xff;
        int id = in.getShort(l.l3() + 4) & 0xffff;
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = Math.min(mss, pay - i * mss);
            byte[] f = new byte[hdr + len];
            System.arraycopy(sup, 0, f, 0, hdr);
            System.arraycopy(sup, hdr + i * mss, f, hdr, len);
            ByteBuffer b = ByteBuffer.wrap(f);
            if (l.ipVersion() == 4) {
                b.putShort(l.l3() + 2, (short) (f.length - l.l3()));
                b.putShort(l.l3() + 4, (short) (fixedId ? id : id + i));
            } else {
                b.putShort(l.l3() + 4, (short) (f.length - l.l3() - 40));
            }
            b.putInt(l.l4() + 4, seq + i * mss);
            int fl = flags;
            if (i > 0) {
                fl &= ~CWR;
            }
            if (i < n - 1) {
                fl &= ~(FIN | PSH);
            }
            f[l.l4() + 13] = (byte) fl;
            fixChecksums(f);
            out.add(f);
        }
        return out;
    }
}
