package dev.psp.engine.pcap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Test-only builder of classic pcap and pcapng files, byte by byte, in a chosen byte order. */
final class PcapBytes {
    private ByteBuffer b = ByteBuffer.allocate(1 << 12);

    static PcapBytes classic(ByteOrder order, boolean nanos, int snaplen, int linkType) {
        PcapBytes p = new PcapBytes().order(order);
        return p.i32(nanos ? 0xA1B23C4D : 0xA1B2C3D4).i16(2).i16(4).i32(0).i32(0).i32(snaplen).i32(linkType);
    }

    static PcapBytes pcapng() {
        return new PcapBytes();
    }

    PcapBytes order(ByteOrder order) {
        b.order(order);
        return this;
    }

    PcapBytes i8(int v) {
        ensure(1);
        b.put((byte) v);
        return this;
    }

    PcapBytes i16(int v) {
        ensure(2);
        b.putShort((short) v);
        return this;
    }

    PcapBytes i32(int v) {
        ensure(4);
        b.putInt(v);
        return this;
    }

    PcapBytes i64(long v) {
        ensure(8);
        b.putLong(v);
        return this;
    }

    PcapBytes bytes(byte[] v) {
        ensure(v.length);
        b.put(v);
        return this;
    }

    PcapBytes pad4() {
        while ((b.position() & 3) != 0) {
            i8(0);
        }
        return this;
    }

    int position() {
        return b.position();
    }

    /** Classic record header plus data. */
    PcapBytes record(long sec, long frac, byte[] data, int origLen) {
        return i32((int) sec).i32((int) frac).i32(data.length).i32(origLen).bytes(data);
    }

    /** Opens a pcapng block; returns its start for {@link #end(int)}. */
    int begin(int type) {
        int start = b.position();
        i32(type).i32(0);
        return start;
    }

    /** Pads to 32 bits, appends the trailing length and patches the leading one. */
    PcapBytes end(int start) {
        pad4();
        int len = b.position() - start + 4;
        i32(len);
        b.putInt(start + 4, len);
        return this;
    }

    /** A Section Header Block in {@code order}, with an shb_userappl option and section length -1. */
    PcapBytes shb(ByteOrder order) {
        order(order);
        int s = begin(0x0A0D0D0A);
        i32(0x1A2B3C4D).i16(1).i16(0).i64(-1);
        byte[] appl = "psp-test".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        i16(4).i16(appl.length).bytes(appl).pad4();
        i16(0).i16(0);
        return end(s);
    }

    /** An Interface Description Block; {@code tsresol} < 0 means no if_tsresol option. */
    PcapBytes idb(int linkType, int snaplen, int tsresol, long tsoffset) {
        int s = begin(1);
        i16(linkType).i16(0).i32(snaplen);
        byte[] name = "eth0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        i16(2).i16(name.length).bytes(name).pad4();
        if (tsresol >= 0) {
            i16(9).i16(1).i8(tsresol).pad4();
        }
        if (tsoffset != 0) {
            i16(14).i16(8).i64(tsoffset);
        }
        i16(0).i16(0);
        return end(s);
    }

    PcapBytes idb(int linkType, int snaplen) {
        return idb(linkType, snaplen, -1, 0);
    }

    /** An Enhanced Packet Block with an opt_comment after the padded data. */
    PcapBytes epb(int ifid, long ts, byte[] data, int origLen) {
        int s = begin(6);
        i32(ifid).i32((int) (ts >>> 32)).i32((int) ts).i32(data.length).i32(origLen).bytes(data).pad4();
        i16(1).i16(3).bytes(new byte[] {'h', 'i', '!'}).pad4().i16(0).i16(0);
        return end(s);
    }

    PcapBytes spb(int origLen, byte[] data) {
        int s = begin(3);
        i32(origLen).bytes(data);
        return end(s);
    }

    /** Any block with an opaque body (NRB, ISB, custom...). */
    PcapBytes block(int type, byte[] body) {
        int s = begin(type);
        bytes(body);
        return end(s);
    }

    byte[] toArray() {
        return Arrays.copyOf(b.array(), b.position());
    }

    Path write(Path file) throws java.io.IOException {
        Files.write(file, toArray());
        return file;
    }

    static byte[] data(int len, int seed) {
        byte[] d = new byte[len];
        for (int i = 0; i < len; i++) {
            d[i] = (byte) (seed + 7 * i);
        }
        return d;
    }

    /**
     * {@code shared/vectors/google-psp} via {@link dev.psp.engine.TestVectors#googlePsp()}; when that
     * walk misses (a git worktree below the repo root, e.g. /work/wt/x with vectors at /work/shared),
     * looks for {@code shared/vectors/google-psp} beside any ancestor instead.
     */
    static Path googlePsp() {
        try {
            return dev.psp.engine.TestVectors.googlePsp();
        } catch (IllegalStateException e) {
            for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
                Path c = d.resolve("shared/vectors/google-psp");
                if (Files.isDirectory(c)) {
                    return c;
                }
            }
            throw e;
        }
    }

    private void ensure(int n) {
        if (b.remaining() < n) {
            ByteBuffer nb = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n)).order(b.order());
            b.flip();
            nb.put(b);
            b = nb;
        }
    }
}
