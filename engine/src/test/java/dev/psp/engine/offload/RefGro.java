package dev.psp.engine.offload;

import static dev.psp.engine.offload.TcpFrames.CWR;
import static dev.psp.engine.offload.TcpFrames.FIN;
import static dev.psp.engine.offload.TcpFrames.PSH;
import static dev.psp.engine.offload.TcpFrames.RST;
import static dev.psp.engine.offload.TcpFrames.SYN;
import static dev.psp.engine.offload.TcpFrames.URG;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Reference model for a GRO output, written from the rules, independent of the coalescer: a run
 * of segments (as sent, in sequence order) either may legally form one super-packet, and then this
 * is the super-packet's bytes, or {@link #merge} throws an AssertionError naming the broken rule.
 */
final class RefGro {
    private RefGro() {}

    static byte[] merge(List<byte[]> run, int maxSegments, int maxSize) {
        int k = run.size();
        byte[] head = run.get(0);
        if (k == 1) {
            return head;
        }
        check(k <= maxSegments, "more segments than max segments");
        TcpFrames.Layout hl = TcpFrames.layout(head);
        ByteBuffer hb = ByteBuffer.wrap(head);
        int mss = hl.payLen();
        int headSeq = hb.getInt(hl.l4() + 4);
        int headFlags = head[hl.l4() + 13] & 0xff;
        int headId = hb.getShort(hl.l3() + 4) & 0xffff;
        boolean df = hl.ipVersion() == 4 && (hb.getShort(hl.l3() + 6) & 0x4000) != 0;
        boolean allSameId = true;
        int total = hl.payOff() - hl.l3();
        int flagsOr = 0;
        for (int j = 0; j < k; j++) {
            byte[] f = run.get(j);
            TcpFrames.Layout l = TcpFrames.layout(f);
            ByteBuffer b = ByteBuffer.wrap(f);
            check(TcpFrames.tcpChecksumValid(f), "segment " + j + " has a bad TCP checksum");
            check(l.l3() == hl.l3() && l.l4() == hl.l4() && l.thLen() == hl.thLen(), "header layout differs");
            check(Arrays.equals(f, 0, l.l3(), head, 0, hl.l3()), "L2 differs");
            int fl = f[l.l4() + 13] & 0xff;
            check((fl & (SYN | RST | URG)) == 0, "SYN/RST/URG in a merge");
            check(j == 0 || (fl & CWR) == 0, "CWR after the first segment");
            check(j == k - 1 || (fl & (FIN | PSH)) == 0, "FIN/PSH before the last segment");
            check((fl & ~(CWR | FIN | PSH)) == (headFlags & ~(CWR | FIN | PSH)), "flags differ");
            flagsOr |= fl & (FIN | PSH);
            // ports, seq, ack, offset byte, window, options
            check(Arrays.equals(f, l.l4(), l.l4() + 4, head, hl.l4(), hl.l4() + 4), "ports differ");
            check(b.getInt(l.l4() + 4) == headSeq + j * mss, "not contiguous");
            check(Arrays.equals(f, l.l4() + 8, l.l4() + 13, head, hl.l4() + 8, hl.l4() + 13), "ack/offset differ");
            check(Arrays.equals(f, l.l4() + 14, l.l4() + 16, head, hl.l4() + 14, hl.l4() + 16), "window differs");
            check(Arrays.equals(f, l.l4() + 20, l.payOff(), head, hl.l4() + 20, hl.payOff()), "options differ");
            int pl = l.payLen();
            check(pl > 0, "empty segment");
            check(j == k - 1 ? pl <= mss : pl == mss, "segment size");
            if (l.ipVersion() == 4) {
                check((f[l.l3()] & 0xff) == 0x45, "IPv4 options");
                check(f[l.l3() + 1] == head[hl.l3() + 1] && f[l.l3() + 8] == head[hl.l3() + 8], "TOS/TTL differ");
                check(Arrays.equals(f, l.l3() + 6, l.l3() + 8, head, hl.l3() + 6, hl.l3() + 8), "DF/fragment differ");
                check(Arrays.equals(f, l.l3() + 9, l.l3() + 10, head, hl.l3() + 9, hl.l3() + 10), "protocol");
                check(Arrays.equals(f, l.l3() + 12, l.l3() + 20, head, hl.l3() + 12, hl.l3() + 20), "addresses");
                int id = b.getShort(l.l3() + 4) & 0xffff;
                allSameId &= id == headId;
                check(id == ((headId + j) & 0xffff) || (df && allSameId), "IPv4 ID neither incrementing nor fixed");
            } else {
                check(Arrays.equals(f, l.l3(), l.l3() + 4, head, hl.l3(), hl.l3() + 4), "TC/flow label differ");
                check(Arrays.equals(f, l.l3() + 6, l.l4(), head, hl.l3() + 6, hl.l4()), "IPv6 header differs");
            }
            total += pl;
        }
        if (!allSameId) {
            // incrementing: every ID must be head + j
            for (int j = 0; j < k; j++) {
                byte[] f = run.get(j);
                check((ByteBuffer.wrap(f).getShort(hl.l3() + 4) & 0xffff) == ((headId + j) & 0xffff), "mixed IP IDs");
            }
        }
        check(total <= maxSize, "bigger than max size");
        byte[] out = new byte[hl.l3() + total];
        System.arraycopy(head, 0, out, 0, hl.payOff());
        int w = hl.payOff();
        for (byte[] f : run) {
            TcpFrames.Layout l = TcpFrames.layout(f);
            System.arraycopy(f, l.payOff(), out, w, l.payLen());
            w += l.payLen();
        }
        ByteBuffer ob = ByteBuffer.wrap(out);
        if (hl.ipVersion() == 4) {
            ob.putShort(hl.l3() + 2, (short) total);
        } else {
            ob.putShort(hl.l3() + 4, (short) (total - 40));
        }
        out[hl.l4() + 13] = (byte) (headFlags | flagsOr);
        TcpFrames.fixChecksums(out);
        return out;
    }

    private static void check(boolean ok, String rule) {
        if (!ok) {
            throw new AssertionError("illegal merge: " + rule);
        }
    }
}
