package dev.psp.engine.pcap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * A cursor over the packet records of a memory-mapped classic pcap or pcapng file. {@link #next()}
 * advances and validates one record; the accessors then describe it in place over
 * {@link #segment()}, with no per-packet allocation.
 *
 * <p>Formats: classic pcap with magic {@code a1b2c3d4} (microseconds) or {@code a1b23c4d}
 * (nanoseconds) in either byte order; pcapng with any number of sections in either byte order,
 * Interface Description Blocks (linktype, snaplen, {@code if_tsresol}, {@code if_tsoffset}),
 * Enhanced and Simple Packet Blocks. Every other block type is skipped by its total length.
 *
 * <p>Failure: an unusable global header or first Section Header Block makes {@link #open} throw
 * {@link PcapFormatException}. A record that is well delimited (its end is known and inside the
 * file) but invalid is skipped: {@link #next()} goes on with the record after it, and counts it in
 * {@link #malformedRecords()} ({@link #firstMalformedError()} names the first). Skipped are: a
 * classic record whose timestamp fraction is a second or more, or whose lengths exceed 2^31-1; a
 * pcapng Enhanced Packet Block naming an interface the section has not declared, too short for
 * its fields, with a captured length larger than its block or an original length over 2^31-1; a
 * Simple Packet Block before any interface or too short. Framing the cursor cannot get past (a
 * truncated record or block, a bad block total length or one that disagrees with its trailer, a
 * bad Section Header or Interface Description Block) makes {@code next()} return false for good,
 * with {@link #truncated()} true and {@link #error()} naming the file offset; a clean end of file
 * leaves {@link #error()} null. {@code next()} never throws.
 *
 * <p>Thread safety: none; one thread drives the cursor. The mapping (and every slice of
 * {@link #segment()}) is valid until {@link #close()}, which may be called from any thread once the
 * cursor is no longer in use.
 */
public final class PcapReader implements AutoCloseable {

    /** Classic pcap magic, microsecond timestamps, as read in the writer's byte order. */
    public static final int MAGIC_MICROS = 0xA1B2C3D4;
    /** Classic pcap magic, nanosecond timestamps. */
    public static final int MAGIC_NANOS = 0xA1B23C4D;
    /** pcapng Section Header Block type (a palindrome: the same in both byte orders). */
    public static final int BLOCK_SHB = 0x0A0D0D0A;
    public static final int BLOCK_IDB = 0x00000001;
    public static final int BLOCK_SPB = 0x00000003;
    public static final int BLOCK_EPB = 0x00000006;
    /** pcapng byte-order magic, as read in the section's own byte order. */
    public static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;

    static final int CLASSIC_HEADER_LENGTH = 24;
    static final int CLASSIC_RECORD_HEADER_LENGTH = 16;

    // Classic global header (pcap draft-ietf-opsawg-pcap section 4).
    private static final int CLASSIC_SNAPLEN_OFFSET = 16;
    private static final int CLASSIC_LINKTYPE_OFFSET = 20;
    // Classic record header (section 5).
    private static final int REC_TS_SEC_OFFSET = 0;
    private static final int REC_TS_FRAC_OFFSET = 4;
    private static final int REC_CAPLEN_OFFSET = 8;
    private static final int REC_ORIGLEN_OFFSET = 12;

    // pcapng generic block (draft-ietf-opsawg-pcapng section 3.1).
    private static final int BLOCK_TYPE_OFFSET = 0;
    private static final int BLOCK_LENGTH_OFFSET = 4;
    private static final int MIN_BLOCK_LENGTH = 12;
    // SHB (4.1): type, length, BOM, major, minor, section length(8), options, length.
    private static final int SHB_BOM_OFFSET = 8;
    private static final int SHB_MAJOR_OFFSET = 12;
    private static final int MIN_SHB_LENGTH = 28;
    // IDB (4.2).
    private static final int IDB_LINKTYPE_OFFSET = 8;
    private static final int IDB_SNAPLEN_OFFSET = 12;
    private static final int IDB_OPTIONS_OFFSET = 16;
    private static final int MIN_IDB_LENGTH = 20;
    private static final int OPT_ENDOFOPT = 0;
    private static final int OPT_IF_TSRESOL = 9;
    private static final int OPT_IF_TSOFFSET = 14;
    private static final byte DEFAULT_TSRESOL = 6;
    // EPB (4.3).
    private static final int EPB_IFID_OFFSET = 8;
    private static final int EPB_TS_HIGH_OFFSET = 12;
    private static final int EPB_TS_LOW_OFFSET = 16;
    private static final int EPB_CAPLEN_OFFSET = 20;
    private static final int EPB_ORIGLEN_OFFSET = 24;
    private static final int EPB_DATA_OFFSET = 28;
    private static final int MIN_EPB_LENGTH = 32;
    // SPB (4.4).
    private static final int SPB_ORIGLEN_OFFSET = 8;
    private static final int SPB_DATA_OFFSET = 12;
    private static final int MIN_SPB_LENGTH = 16;

    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long[] POW10 = new long[19];

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) {
            POW10[i] = POW10[i - 1] * 10;
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final long size;
    private final boolean pcapng;

    // Byte order of the classic file or of the current pcapng section.
    private ValueLayout.OfInt i32;
    private ValueLayout.OfShort i16;
    private ValueLayout.OfLong i64;

    // Classic global header.
    private boolean nanosecondResolution;
    private int classicLinkType;
    private long classicSnapLength;

    // Interfaces of the current pcapng section, indexed by interface id; grown only on IDBs.
    private int interfaceCount;
    private int[] ifLinkType = new int[4];
    private long[] ifSnapLength = new long[4];
    private byte[] ifTsresol = new byte[4];
    private long[] ifTsOffset = new long[4];

    private long position;
    private boolean failed;
    private String error;
    private long errorOffset = -1;
    private long malformedRecords;
    private Malformed firstMalformed;
    private long firstMalformedOffset;
    private long firstMalformedA;
    private long firstMalformedB;

    // The current record.
    private long recordOffset = -1;
    private long dataOffset;
    private int capturedLength;
    private int originalLength;
    private long timestampSeconds;
    private int timestampNanos;
    private int linkType;
    private int interfaceId;

    private PcapReader(Path path, Arena arena, MemorySegment segment) throws PcapFormatException {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.size = segment.byteSize();
        if (size < 4) {
            throw new PcapFormatException(message(0, "truncated file header: " + size + " bytes"), 0);
        }
        this.pcapng = segment.get(INT_LE, 0) == BLOCK_SHB;
        boolean ok = pcapng ? readSectionHeader(0) : readClassicHeader();
        if (!ok) {
            throw new PcapFormatException(error, errorOffset);
        }
    }

    /**
     * Maps {@code file} read-only and validates its global header (classic) or first Section Header
     * Block (pcapng); the reader owns the mapping until {@link #close()}.
     *
     * @throws PcapFormatException when the header is truncated, has an unknown magic or a bad length
     */
    public static PcapReader open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new PcapReader(file, arena, seg);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private boolean readClassicHeader() {
        int magic = segment.get(INT_LE, 0);
        ByteOrder order;
        switch (magic) {
            case MAGIC_MICROS -> order = ByteOrder.LITTLE_ENDIAN;
            case MAGIC_NANOS -> {
                order = ByteOrder.LITTLE_ENDIAN;
                nanosecondResolution = true;
            }
            case 0xD4C3B2A1 -> order = ByteOrder.BIG_ENDIAN;
            case 0x4D3CB2A1 -> {
                order = ByteOrder.BIG_ENDIAN;
                nanosecondResolution = true;
            }
            default -> {
                return fail(0, String.format("unknown magic 0x%08x (not pcap or pcapng)", segment.get(INT_BE, 0)));
            }
        }
        setOrder(order);
        if (size < CLASSIC_HEADER_LENGTH) {
            return fail(0, "truncated pcap global header: " + size + " of " + CLASSIC_HEADER_LENGTH + " bytes");
        }
        classicSnapLength = u32(CLASSIC_SNAPLEN_OFFSET);
        // The upper bits carry the FCS length (pcap draft section 4); the link type is the low 16.
        classicLinkType = segment.get(i32, CLASSIC_LINKTYPE_OFFSET) & 0xFFFF;
        linkType = classicLinkType;
        position = CLASSIC_HEADER_LENGTH;
        return true;
    }

    /**
     * Advances to the next packet record, skipping (and counting in {@link #malformedRecords()})
     * well-delimited invalid ones. Returns false at a clean end of file, or at the first framing
     * error (then {@link #truncated()} is true); never throws.
     */
    public boolean next() {
        if (failed) {
            return false;
        }
        return pcapng ? nextBlock() : nextClassic();
    }

    private boolean nextClassic() {
        while (true) {
            long p = position;
            long remaining = size - p;
            if (remaining == 0) {
                return false;
            }
            if (remaining < CLASSIC_RECORD_HEADER_LENGTH) {
                return fail(p, "truncated record header: " + remaining + " of " + CLASSIC_RECORD_HEADER_LENGTH + " bytes");
            }
            long cap = u32(p + REC_CAPLEN_OFFSET);
            long available = remaining - CLASSIC_RECORD_HEADER_LENGTH;
            if (cap > available) {
                return fail(p, "captured length " + cap + " exceeds the " + available + " bytes left in the file");
            }
            // From here the record's end is known: a bad field skips it, not the rest of the file.
            long next = p + CLASSIC_RECORD_HEADER_LENGTH + cap;
            long orig = u32(p + REC_ORIGLEN_OFFSET);
            long frac = u32(p + REC_TS_FRAC_OFFSET);
            if (cap > Integer.MAX_VALUE || orig > Integer.MAX_VALUE) {
                skip(p, next, Malformed.LENGTHS, cap, orig);
            } else if (frac >= (nanosecondResolution ? NANOS_PER_SECOND : 1_000_000L)) {
                skip(p, next, Malformed.FRACTION, frac, 0);
            } else {
                return setClassicRecord(p, u32(p + REC_TS_SEC_OFFSET), frac, cap, orig);
            }
        }
    }

    private boolean setClassicRecord(long p, long sec, long frac, long cap, long orig) {
        recordOffset = p;
        dataOffset = p + CLASSIC_RECORD_HEADER_LENGTH;
        capturedLength = (int) cap;
        originalLength = (int) orig;
        timestampSeconds = sec;
        timestampNanos = (int) (nanosecondResolution ? frac : frac * 1000);
        position = dataOffset + cap;
        return true;
    }

    private boolean nextBlock() {
        while (true) {
            long p = position;
            long remaining = size - p;
            if (remaining == 0) {
                return false;
            }
            if (remaining < MIN_BLOCK_LENGTH) {
                return fail(p, "truncated block header: " + remaining + " bytes left");
            }
            int type = segment.get(i32, p + BLOCK_TYPE_OFFSET);
            if (type == BLOCK_SHB) {
                if (!readSectionHeader(p)) {
                    return false;
                }
                continue;
            }
            long len = u32(p + BLOCK_LENGTH_OFFSET);
            if (!checkBlockLength(p, type, len, MIN_BLOCK_LENGTH)) {
                return false;
            }
            switch (type) {
                case BLOCK_IDB -> {
                    if (!readInterface(p, len)) {
                        return false;
                    }
                }
                case BLOCK_EPB -> {
                    if (readEnhancedPacket(p, len)) {
                        return true;
                    }
                    continue; // skipped (position is past it)
                }
                case BLOCK_SPB -> {
                    if (readSimplePacket(p, len)) {
                        return true;
                    }
                    continue;
                }
                default -> {
                    // Unknown or uninteresting (NRB, ISB, DSB, custom...): skip by length (section 3.1).
                }
            }
            position = p + len;
        }
    }

    /** Validates a block's total length: a multiple of 4, at least {@code min}, inside the file, equal to its trailer. */
    private boolean checkBlockLength(long p, int type, long len, int min) {
        if (len < min || (len & 3) != 0) {
            return fail(p, String.format("bad block total length %d for block type 0x%08x", len, type));
        }
        if (len > size - p) {
            return fail(p, String.format("block type 0x%08x of length %d exceeds the %d bytes left in the file",
                    type, len, size - p));
        }
        long trailer = u32(p + len - 4);
        if (trailer != len) {
            return fail(p, String.format("block type 0x%08x: leading length %d != trailing length %d", type, len, trailer));
        }
        return true;
    }

    private boolean readSectionHeader(long p) {
        long remaining = size - p;
        if (remaining < MIN_SHB_LENGTH) {
            return fail(p, "truncated section header block: " + remaining + " of " + MIN_SHB_LENGTH + " bytes");
        }
        int bom = segment.get(INT_LE, p + SHB_BOM_OFFSET);
        if (bom == BYTE_ORDER_MAGIC) {
            setOrder(ByteOrder.LITTLE_ENDIAN);
        } else if (bom == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
            setOrder(ByteOrder.BIG_ENDIAN);
        } else {
            return fail(p, String.format("bad pcapng byte-order magic 0x%08x", segment.get(INT_BE, p + SHB_BOM_OFFSET)));
        }
        long len = u32(p + BLOCK_LENGTH_OFFSET);
        if (!checkBlockLength(p, BLOCK_SHB, len, MIN_SHB_LENGTH)) {
            return false;
        }
        int major = u16(p + SHB_MAJOR_OFFSET);
        if (major != 1) {
            return fail(p, "unsupported pcapng major version " + major);
        }
        // Interface ids are scoped to their section (section 4.1).
        interfaceCount = 0;
        position = p + len;
        return true;
    }

    private boolean readInterface(long p, long len) {
        if (len < MIN_IDB_LENGTH) {
            return fail(p, "interface description block too short: " + len + " bytes");
        }
        int link = u16(p + IDB_LINKTYPE_OFFSET);
        long snap = u32(p + IDB_SNAPLEN_OFFSET);
        byte tsresol = DEFAULT_TSRESOL;
        long tsoffset = 0;
        long end = p + len - 4;
        long o = p + IDB_OPTIONS_OFFSET;
        while (end - o >= 4) {
            int code = u16(o);
            int olen = u16(o + 2);
            if (code == OPT_ENDOFOPT) {
                break;
            }
            if (olen > end - o - 4) {
                return fail(o, "option " + code + " of length " + olen + " overruns its interface description block");
            }
            if (code == OPT_IF_TSRESOL && olen >= 1) {
                tsresol = segment.get(ValueLayout.JAVA_BYTE, o + 4);
                int n = tsresol & 0x7F;
                if ((tsresol & 0x80) == 0 ? n >= POW10.length : n > 63) {
                    return fail(o, String.format("unsupported if_tsresol 0x%02x", tsresol & 0xFF));
                }
            } else if (code == OPT_IF_TSOFFSET && olen == 8) {
                tsoffset = segment.get(i64, o + 4);
            }
            o += 4 + ((olen + 3) & ~3);
        }
        int id = interfaceCount;
        if (id == ifLinkType.length) {
            int n = id * 2;
            ifLinkType = Arrays.copyOf(ifLinkType, n);
            ifSnapLength = Arrays.copyOf(ifSnapLength, n);
            ifTsresol = Arrays.copyOf(ifTsresol, n);
            ifTsOffset = Arrays.copyOf(ifTsOffset, n);
        }
        ifLinkType[id] = link;
        ifSnapLength[id] = snap;
        ifTsresol[id] = tsresol;
        ifTsOffset[id] = tsoffset;
        interfaceCount = id + 1;
        return true;
    }

    /** Reads an EPB whose total length has been checked; false when it was skipped as malformed. */
    private boolean readEnhancedPacket(long p, long len) {
        if (len < MIN_EPB_LENGTH) {
            return skip(p, p + len, Malformed.EPB_SHORT, len, 0);
        }
        long id = u32(p + EPB_IFID_OFFSET);
        if (id >= interfaceCount) {
            return skip(p, p + len, Malformed.EPB_INTERFACE, id, interfaceCount);
        }
        long cap = u32(p + EPB_CAPLEN_OFFSET);
        long orig = u32(p + EPB_ORIGLEN_OFFSET);
        long room = len - MIN_EPB_LENGTH;
        if (cap > room) {
            return skip(p, p + len, Malformed.CAPTURED_BEYOND_BLOCK, cap, room);
        }
        if (orig > Integer.MAX_VALUE) {
            return skip(p, p + len, Malformed.ORIGINAL_LENGTH, orig, 0);
        }
        int ifid = (int) id;
        long ts = (u32(p + EPB_TS_HIGH_OFFSET) << 32) | u32(p + EPB_TS_LOW_OFFSET);
        setTimestamp(ts, ifTsresol[ifid], ifTsOffset[ifid]);
        recordOffset = p;
        dataOffset = p + EPB_DATA_OFFSET;
        capturedLength = (int) cap;
        originalLength = (int) orig;
        interfaceId = ifid;
        linkType = ifLinkType[ifid];
        position = p + len;
        return true;
    }

    /** Reads an SPB whose total length has been checked; false when it was skipped as malformed. */
    private boolean readSimplePacket(long p, long len) {
        if (len < MIN_SPB_LENGTH) {
            return skip(p, p + len, Malformed.SPB_SHORT, len, 0);
        }
        if (interfaceCount == 0) {
            return skip(p, p + len, Malformed.SPB_BEFORE_IDB, 0, 0);
        }
        long orig = u32(p + SPB_ORIGLEN_OFFSET);
        if (orig > Integer.MAX_VALUE) {
            return skip(p, p + len, Malformed.ORIGINAL_LENGTH, orig, 0);
        }
        // Section 4.4: captured = min(original, snaplen of interface 0, room in the block).
        long cap = Math.min(orig, len - MIN_SPB_LENGTH);
        long snap = ifSnapLength[0];
        if (snap != 0) {
            cap = Math.min(cap, snap);
        }
        recordOffset = p;
        dataOffset = p + SPB_DATA_OFFSET;
        capturedLength = (int) cap;
        originalLength = (int) orig;
        timestampSeconds = 0;
        timestampNanos = 0;
        interfaceId = 0;
        linkType = ifLinkType[0];
        position = p + len;
        return true;
    }

    /** Converts a pcapng timestamp in units of {@code if_tsresol} to seconds and nanoseconds. */
    private void setTimestamp(long ts, byte tsresol, long tsoffset) {
        int n = tsresol & 0x7F;
        long sec;
        long nanos;
        if ((tsresol & 0x80) == 0) {
            long units = POW10[n];
            sec = Long.divideUnsigned(ts, units);
            long frac = Long.remainderUnsigned(ts, units);
            nanos = n <= 9 ? frac * POW10[9 - n] : frac / POW10[n - 9];
        } else if (n == 0) {
            sec = ts;
            nanos = 0;
        } else {
            sec = ts >>> n;
            long frac = ts & ((1L << n) - 1);
            // frac * 1e9 needs up to 93 bits: shift the 128-bit product right by n.
            long hi = Math.multiplyHigh(frac, NANOS_PER_SECOND);
            long lo = frac * NANOS_PER_SECOND;
            nanos = (hi << (64 - n)) | (lo >>> n);
        }
        timestampSeconds = addSeconds(sec, tsoffset);
        timestampNanos = (int) nanos;
    }

    /**
     * {@code sec} (unsigned: a whole-second resolution makes the 64-bit timestamp the seconds) plus
     * the signed {@code if_tsoffset}, saturated at {@link Long#MAX_VALUE} rather than wrapped to a
     * negative (before-the-epoch) value. The sum cannot fall below {@link Long#MIN_VALUE}.
     */
    static long addSeconds(long sec, long tsoffset) {
        long sum = sec + tsoffset;
        if (sec >= 0) {
            return tsoffset > 0 && sum < 0 ? Long.MAX_VALUE : sum;
        }
        // sec is 2^63 or more: only a negative offset can bring it back below 2^63
        return tsoffset < 0 && sum >= 0 ? sum : Long.MAX_VALUE;
    }

    /** Why a well-delimited record was skipped; the text takes the two numbers the record had. */
    private enum Malformed {
        LENGTHS("record length out of range: captured %d, original %d"),
        FRACTION("timestamp fraction %d out of range"),
        EPB_SHORT("enhanced packet block too short: %d bytes"),
        EPB_INTERFACE("enhanced packet block names interface %d but the section has %d"),
        CAPTURED_BEYOND_BLOCK("captured length %d exceeds the %d data bytes of its block"),
        ORIGINAL_LENGTH("original length out of range: %d"),
        SPB_SHORT("simple packet block too short: %d bytes"),
        SPB_BEFORE_IDB("simple packet block before any interface description block");

        final String format;

        Malformed(String format) {
            this.format = format;
        }
    }

    /**
     * Skips the well-delimited but invalid record at {@code offset}: counts it, keeps the first one's
     * offset, kind and numbers (its message is only formatted when asked for, so a file of bad records
     * builds no string per record) and moves the cursor to {@code next}, where the following record
     * starts. Returns false (no record) for the callers' convenience.
     */
    private boolean skip(long offset, long next, Malformed kind, long a, long b) {
        if (malformedRecords++ == 0) {
            firstMalformedOffset = offset;
            firstMalformed = kind;
            firstMalformedA = a;
            firstMalformedB = b;
        }
        position = next;
        return false;
    }

    private boolean fail(long offset, String reason) {
        failed = true;
        errorOffset = offset;
        error = message(offset, reason);
        return false;
    }

    private String message(long offset, String reason) {
        return path + ": offset " + offset + ": " + reason;
    }

    private void setOrder(ByteOrder order) {
        boolean le = order == ByteOrder.LITTLE_ENDIAN;
        i32 = le ? INT_LE : INT_BE;
        i16 = le ? SHORT_LE : SHORT_BE;
        i64 = le ? LONG_LE : LONG_BE;
    }

    private long u32(long off) {
        return Integer.toUnsignedLong(segment.get(i32, off));
    }

    private int u16(long off) {
        return Short.toUnsignedInt(segment.get(i16, off));
    }

    /** The whole mapped file; packet bytes are {@code [dataOffset(), dataOffset() + capturedLength())}. */
    public MemorySegment segment() {
        return segment;
    }

    /** File offset of the current record's packet bytes. */
    public long dataOffset() {
        return dataOffset;
    }

    /** File offset of the current record's header (classic record header or pcapng block). */
    public long recordOffset() {
        return recordOffset;
    }

    /** Bytes of the current packet present in the file. */
    public int capturedLength() {
        return capturedLength;
    }

    /** Length of the current packet on the wire. */
    public int originalLength() {
        return originalLength;
    }

    /**
     * Seconds since the epoch of the current record (0 for a pcapng Simple Packet Block, which has
     * none). Classic files give 0..2^32-1; pcapng can give any value, negative with a negative
     * {@code if_tsoffset}, saturated at {@link Long#MAX_VALUE} when the 64-bit unsigned timestamp
     * plus the offset exceeds it.
     */
    public long timestampSeconds() {
        return timestampSeconds;
    }

    /** Nanoseconds within {@link #timestampSeconds()}, converted from the file's resolution. */
    public int timestampNanos() {
        return timestampNanos;
    }

    /** Link type of the current record: the file's for classic pcap, the record's interface's for pcapng. */
    public int linkType() {
        return linkType;
    }

    /** pcapng interface id of the current record (always 0 for classic files and Simple Packet Blocks). */
    public int interfaceId() {
        return interfaceId;
    }

    /** Snap length of the current record's source: the global header's (classic) or its interface's (pcapng; 0 = none). */
    public long snapLength() {
        return pcapng ? (interfaceCount > interfaceId ? ifSnapLength[interfaceId] : 0) : classicSnapLength;
    }

    /** True when a classic file carries nanosecond timestamps ({@code a1b23c4d}); false for microseconds and pcapng. */
    public boolean nanosecondResolution() {
        return nanosecondResolution;
    }

    /** True when the file is pcapng rather than classic pcap. */
    public boolean isPcapng() {
        return pcapng;
    }

    /**
     * Records skipped so far because they were well delimited but invalid (see the class comment);
     * {@link #next()} went on past each. They are not counted in {@link #truncated()}.
     */
    public long malformedRecords() {
        return malformedRecords;
    }

    /** One-line description of the first skipped record with its file offset, or null when none was skipped. */
    public String firstMalformedError() {
        return firstMalformed == null ? null
                : message(firstMalformedOffset, String.format(Locale.ROOT, firstMalformed.format, firstMalformedA, firstMalformedB));
    }

    /** True once {@link #next()} stopped at a truncated or corrupt record rather than a clean end of file. */
    public boolean truncated() {
        return failed;
    }

    /** One-line description of the record that stopped the cursor, with its file offset, or null when none did. */
    public String error() {
        return error;
    }

    /** File offset of the record that stopped the cursor, or -1 when none did. */
    public long errorOffset() {
        return errorOffset;
    }

    /** Unmaps the file; the segment and any slice of it become inaccessible. */
    @Override
    public void close() {
        arena.close();
    }
}
