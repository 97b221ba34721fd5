package dev.psp.engine.pcap;

import dev.psp.engine.psp.Packet;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a little-endian classic pcap file through one reused off-heap buffer, with no per-packet
 * allocation. Records are captured up to the snap length; timestamps are stored in microseconds
 * ({@code a1b2c3d4}, the default) or nanoseconds ({@code a1b23c4d}).
 *
 * <p>Timestamps: a classic record holds unsigned 32-bit seconds (1970 to 2106) and a fraction
 * below one second. A timestamp outside that range (pcapng input can carry one: 64-bit
 * timestamps, a whole-second or binary {@code if_tsresol}, a negative {@code if_tsoffset}) is
 * clamped, not refused: seconds below 0 are written as 0.000000000, seconds above 2^32-1 as
 * 2^32-1 s and the largest fraction (999999 us or 999999999 ns); a fraction outside
 * 0..999999999 ns is clamped into it. The record is written either way.
 *
 * <p>Thread safety: none; one thread writes. Bytes reach the file when the buffer fills, on
 * {@link #flush()} and on {@link #close()}; an {@link IOException} leaves the file incomplete (the
 * bytes not yet written stay buffered: a later flush writes them, each byte once).
 */
public final class PcapWriter implements AutoCloseable {

    /** Default snap length: a 9000-byte jumbo frame plus Ethernet header and FCS, as psp_encrypt writes. */
    public static final int DEFAULT_SNAPLEN = 9014;
    /** LINKTYPE_ETHERNET. */
    public static final int LINKTYPE_ETHERNET = 1;
    /** Default buffer size; grown to hold at least one full record when the snap length is larger. */
    public static final int DEFAULT_BUFFER_SIZE = 1 << 20;

    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int VERSION_MAJOR = 2;
    private static final int VERSION_MINOR = 4;
    private static final long MAX_U32 = 0xFFFF_FFFFL;
    private static final int MAX_NANOS = 999_999_999;

    private final WritableByteChannel channel;
    private final Arena arena;
    private final MemorySegment buffer;
    private final ByteBuffer bufferView;
    private final int snapLength;
    private final boolean nanos;
    private int fill;
    /** Bytes of the buffer already in the file (non-zero only after a flush failed part-way). */
    private int flushed;
    private boolean closed;

    private PcapWriter(WritableByteChannel channel, int snapLength, int linkType, boolean nanos) {
        this.channel = channel;
        this.snapLength = snapLength;
        this.nanos = nanos;
        this.arena = Arena.ofShared();
        long size = Math.max(DEFAULT_BUFFER_SIZE, (long) PcapReader.CLASSIC_RECORD_HEADER_LENGTH + snapLength);
        this.buffer = arena.allocate(size, 8);
        this.bufferView = buffer.asByteBuffer();
        buffer.set(INT_LE, 0, nanos ? PcapReader.MAGIC_NANOS : PcapReader.MAGIC_MICROS);
        buffer.set(SHORT_LE, 4, (short) VERSION_MAJOR);
        buffer.set(SHORT_LE, 6, (short) VERSION_MINOR);
        buffer.set(INT_LE, 8, 0);   // thiszone: always 0 (UTC)
        buffer.set(INT_LE, 12, 0);  // sigfigs: always 0
        buffer.set(INT_LE, 16, snapLength);
        buffer.set(INT_LE, 20, linkType);
        fill = PcapReader.CLASSIC_HEADER_LENGTH;
    }

    /** A writer over {@code channel} (which it closes), for tests that need a channel of their own; see {@link #create(Path, int, int, boolean)}. */
    static PcapWriter over(WritableByteChannel channel, int snapLength, int linkType, boolean nanos) {
        return new PcapWriter(channel, snapLength, linkType, nanos);
    }

    /** Creates (or truncates) {@code file} as a microsecond Ethernet pcap with snap length {@value #DEFAULT_SNAPLEN}. */
    public static PcapWriter create(Path file) throws IOException {
        return create(file, DEFAULT_SNAPLEN, LINKTYPE_ETHERNET, false);
    }

    /** The largest captured length written (longer packets are cut to it). */
    public int snapLength() {
        return snapLength;
    }

    /**
     * Creates (or truncates) {@code file} and buffers its global header.
     *
     * @param snapLength largest captured length written, 1..2^31-17; longer packets are cut
     * @param linkType   LINKTYPE_* value for the header
     * @param nanos      true for nanosecond timestamps (magic {@code a1b23c4d}), false for microseconds
     */
    public static PcapWriter create(Path file, int snapLength, int linkType, boolean nanos) throws IOException {
        if (snapLength <= 0 || snapLength > Integer.MAX_VALUE - PcapReader.CLASSIC_RECORD_HEADER_LENGTH) {
            throw new IllegalArgumentException("snapLength out of range: " + snapLength);
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            return new PcapWriter(ch, snapLength, linkType, nanos);
        } catch (RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Appends {@code seg[off, off+len)} as a packet whose original length is {@code len}; see {@link #write(MemorySegment, long, int, int, long, int)}. */
    public void write(MemorySegment seg, long off, int len, long tsSeconds, int tsNanos) throws IOException {
        write(seg, off, len, len, tsSeconds, tsNanos);
    }

    /**
     * Appends one record: the first {@code min(len, snapLength)} bytes of {@code seg} at {@code off},
     * with original length {@code origLen}. The caller keeps ownership of {@code seg}; its bytes are
     * copied before this returns.
     *
     * @param tsSeconds seconds since the epoch; clamped into 0..2^32-1 (see the class comment)
     * @param tsNanos   nanoseconds within the second, 0..999999999 (divided by 1000 for microsecond
     *                  files); clamped into that range
     * @throws IllegalArgumentException when a length is out of range (nothing is written)
     */
    public void write(MemorySegment seg, long off, int len, int origLen, long tsSeconds, int tsNanos) throws IOException {
        if (len < 0 || origLen < len) {
            throw new IllegalArgumentException("bad lengths: len " + len + ", origLen " + origLen);
        }
        int cap = Math.min(len, snapLength);
        long at = reserve(cap, origLen, tsSeconds, tsNanos);
        MemorySegment.copy(seg, off, buffer, at, cap);
        fill = (int) (at + cap);
    }

    /**
     * Appends packet {@code p} as one record with its capture timestamp: its whole frame, a chain
     * (zero-copy GRO super-packet, {@link Packet#next}) gathered from the head's bytes and each
     * fragment's, with no intermediate copy; the record equals what {@link Packet#toByteArray()}
     * gives, cut at the snap length ({@link Packet#copyFrameTo(MemorySegment, long, int)}). The
     * caller keeps ownership of the descriptors. A timestamp classic pcap cannot hold is clamped
     * (see the class comment).
     *
     * @throws IllegalArgumentException when a length is out of range, or the chain is not the
     *         {@code chainCount} fragments adding {@code chainBytes} its head declares (a cycle, a
     *         short or dangling chain: nothing is written)
     */
    public void write(Packet p) throws IOException {
        if (p.length < 0 || p.chainBytes < 0) {
            throw new IllegalArgumentException("bad lengths: length " + p.length + ", chain bytes " + p.chainBytes);
        }
        int total = p.frameLength();
        int cap = Math.min(total, snapLength);
        long at = reserve(cap, total, p.tsSeconds, p.tsNanos);
        p.copyFrameTo(buffer, at, cap); // checks the chain; a bad one throws before the record is kept
        fill = (int) (at + cap);
    }

    /**
     * Writes a record header for {@code cap} captured bytes into the buffer (flushing first if need
     * be) and returns where its {@code cap} data bytes go; the caller copies them, then moves
     * {@code fill} past them (a failed copy leaves the record out). The timestamp is clamped into
     * what the record can hold.
     */
    private long reserve(int cap, int origLen, long tsSeconds, int tsNanos) throws IOException {
        if (tsSeconds < 0) {
            tsSeconds = 0;
            tsNanos = 0;
        } else if (tsSeconds > MAX_U32) {
            tsSeconds = MAX_U32;
            tsNanos = MAX_NANOS;
        } else {
            tsNanos = Math.clamp(tsNanos, 0, MAX_NANOS);
        }
        if (closed) {
            throw new IllegalStateException("writer closed");
        }
        long need = (long) PcapReader.CLASSIC_RECORD_HEADER_LENGTH + cap;
        if (buffer.byteSize() - fill < need) {
            flush();
        }
        long p = fill;
        buffer.set(INT_LE, p, (int) tsSeconds);
        buffer.set(INT_LE, p + 4, nanos ? tsNanos : tsNanos / 1000);
        buffer.set(INT_LE, p + 8, cap);
        buffer.set(INT_LE, p + 12, origLen);
        return p + PcapReader.CLASSIC_RECORD_HEADER_LENGTH;
    }

    /**
     * Writes the buffered bytes to the file (no fsync). After a write that failed part-way the next
     * flush resumes after the bytes that reached the file, so none is written twice.
     */
    public void flush() throws IOException {
        bufferView.clear().limit(fill).position(flushed);
        while (bufferView.hasRemaining()) {
            try {
                channel.write(bufferView);
            } finally {
                flushed = bufferView.position();
            }
        }
        fill = 0;
        flushed = 0;
    }

    /** Flushes, closes the file and frees the buffer; idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (channel; arena) {
            flush();
        }
    }
}
