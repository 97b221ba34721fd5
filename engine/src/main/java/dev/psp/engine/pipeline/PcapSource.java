package dev.psp.engine.pipeline;

import dev.psp.engine.pcap.PcapReader;
import dev.psp.engine.pcap.PcapWriter;
import dev.psp.engine.pool.PacketPool;
import dev.psp.engine.psp.Packet;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Reads a pcap/pcapng file and copies each Ethernet record into a pool slot with its timestamp.
 * Records that do not fit a slot's data room, are not Ethernet or are partial captures (captured
 * length below the original length) are skipped and counted, as are
 * the well-delimited invalid records the reader skips ({@link PcapReader#malformedRecords()}). A
 * truncated or corrupt record the reader cannot get past ends the source ({@link #error()} says where)
 * and is counted as one skipped record, as {@code psp encrypt|decrypt} counts it as one malformed packet.
 */
public final class PcapSource implements Source {
    private final PcapReader reader;
    private long skipped;
    private long read;
    private boolean pending;

    public PcapSource(PcapReader reader) {
        this.reader = reader;
    }

    public static PcapSource open(Path file) throws IOException {
        return new PcapSource(PcapReader.open(file));
    }

    @Override
    public int poll(PacketPool pool, Packet[] out, int max) {
        if (!pending) {
            if (!reader.next()) {
                return END;
            }
            pending = true; // a record is read before a slot is taken: no slot is wasted at the end
        }
        int k = Source.allocUpTo(pool, out, max);
        if (k == 0) {
            return 0;
        }
        int filled = 0;
        MemorySegment file = reader.segment();
        while (filled < k) {
            if (!pending && !reader.next()) {
                break;
            }
            pending = false;
            read++;
            Packet p = out[filled];
            int len = reader.capturedLength();
            // a partial capture (caplen < origlen) cannot be sealed or opened whole, as psp encrypt|decrypt drop it
            if (reader.linkType() != PcapWriter.LINKTYPE_ETHERNET || len != reader.originalLength() || len > p.limit - p.offset) {
                skipped++;
                continue;
            }
            MemorySegment.copy(file, reader.dataOffset(), p.segment, p.offset, len);
            p.length = len;
            p.tsSeconds = reader.timestampSeconds();
            p.tsNanos = reader.timestampNanos();
            filled++;
        }
        for (int i = filled; i < k; i++) {
            pool.free(out[i]);
        }
        return filled;
    }

    /** Records read from the file so far (skipped ones included, malformed ones too). */
    public long recordsRead() {
        return read + unreadable();
    }

    @Override
    public long skipped() {
        return skipped + unreadable();
    }

    /** Records the reader could not hand over: the malformed ones it skipped, and the one it stopped at. */
    private long unreadable() {
        return reader.malformedRecords() + (reader.truncated() ? 1 : 0);
    }

    /** Why reading stopped early (corrupt or truncated record), or null. */
    public String error() {
        return reader.error();
    }

    @Override
    public void close() {
        reader.close();
    }
}
