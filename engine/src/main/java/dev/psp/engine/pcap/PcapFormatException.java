package dev.psp.engine.pcap;

import java.io.IOException;

/**
 * A pcap or pcapng file whose global header (or first Section Header Block) is unusable. Checked,
 * thrown only by {@link PcapReader#open}; bad records later in the file are reported through
 * {@link PcapReader#truncated()} / {@link PcapReader#error()} instead.
 */
public final class PcapFormatException extends IOException {
    private final long offset;

    public PcapFormatException(String message, long offset) {
        super(message);
        this.offset = offset;
    }

    /** File offset, in bytes, of the structure that failed validation. */
    public long offset() {
        return offset;
    }
}
