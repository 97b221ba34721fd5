package dev.psp.engine.pipeline;

import dev.psp.engine.pcap.PcapWriter;
import dev.psp.engine.psp.Packet;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes delivered packets to a classic pcap file with their capture timestamps, in the order the
 * sink sees them: per-flow order is kept, flows may interleave differently from the input. Rejected
 * packets are not written. A write error is counted and kept ({@link #error()}), never thrown into
 * the pipeline.
 */
public final class PcapSink implements Sink {
    private final PcapWriter writer;
    private long written;
    private long errors;
    private IOException error;

    public PcapSink(PcapWriter writer) {
        this.writer = writer;
    }

    /** A sink writing a new Ethernet pcap at {@code file} with a 64 KiB snap length. */
    public static PcapSink create(Path file) throws IOException {
        return new PcapSink(PcapWriter.create(file, 65535 + 64, PcapWriter.LINKTYPE_ETHERNET, true));
    }

    @Override
    public void deliver(Packet p) {
        try {
            // the writer clamps a timestamp classic pcap cannot hold (PcapWriter's class comment)
            writer.write(p.segment, p.offset, p.length, p.tsSeconds, p.tsNanos);
            written++;
        } catch (IOException | RuntimeException e) {
            errors++;
            if (error == null) {
                error = e instanceof IOException io ? io : new IOException(e);
            }
        }
    }

    public long written() {
        return written;
    }

    public long errors() {
        return errors;
    }

    /** The first write error, or null. */
    public IOException error() {
        return error;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
