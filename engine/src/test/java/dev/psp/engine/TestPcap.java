package dev.psp.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A deliberately simple classic-pcap reader for tests, independent of the engine's reader. */
public final class TestPcap {
    public record Rec(long sec, long frac, byte[] data) {}

    private TestPcap() {}

    public static List<Rec> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            throw new IOException("not a little-endian classic pcap: " + file);
        }
        List<Rec> out = new ArrayList<>();
        int off = 24;
        while (off + 16 <= b.limit()) {
            long sec = b.getInt(off) & 0xffffffffL;
            long frac = b.getInt(off + 4) & 0xffffffffL;
            int cap = b.getInt(off + 8);
            byte[] d = new byte[cap];
            b.get(off + 16, d);
            out.add(new Rec(sec, frac, d));
            off += 16 + cap;
        }
        return out;
    }

    /** The record bytes of a file (everything after the 24-byte global header). */
    public static byte[] records(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        return java.util.Arrays.copyOfRange(all, 24, all.length);
    }
}
