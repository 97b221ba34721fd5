package dev.psp.engine.device;

/**
 * Status codes of the device model: expected failures are values, never exceptions. Every
 * negative code maps to exactly one receive or control-plane counter; {@link #name(int)} is the
 * one place a code becomes text (for logs and the console).
 */
public final class DeviceStatus {
    /** Success (control-plane calls that return no count or length). */
    public static final int OK = 0;
    /** SPI with its low 31 bits zero: reserved by the spec; counts as rx-bad. */
    public static final int RESERVED_SPI = -1;
    /** Version outside 0..3 or not enabled on the device; counts as rx-bad. */
    public static final int VERSION_DISABLED = -2;
    /**
     * SPI never handed out under the master key currently in its slot: the key that made it was
     * evicted (two rotations ago) or the SPI was never allocated; counts as rx-bad.
     */
    public static final int EVICTED = -3;
    /** Key length does not match the version (16 bytes for 0/2, 32 for 1/3). */
    public static final int BAD_KEY = -4;
    /** Transmit version differs from the version of the rx-assoc it pairs with. */
    public static final int VERSION_MISMATCH = -5;
    /** The SA table (or a bounded policy table) is full. */
    public static final int TABLE_FULL = -6;
    /** Index does not name a live SA. */
    public static final int NO_SUCH_SA = -7;
    /** The SA is stale (its receive key was evicted): rekey before use. */
    public static final int STALE = -8;
    /** Invalid argument (negative count, bad range). */
    public static final int BAD_ARGUMENT = -9;
    /**
     * tx-assoc onto an SA that already has a transmit key: refused, the key in place is kept (as
     * Linux refuses a second Tx key on a socket with EBUSY); delete the SA and associate anew.
     */
    public static final int TX_KEY_SET = -10;

    private DeviceStatus() {
    }

    /** Text for a status code, e.g. {@code "evicted"}; unknown codes print as numbers. */
    public static String name(int status) {
        return switch (status) {
            case OK -> "ok";
            case RESERVED_SPI -> "reserved-spi";
            case VERSION_DISABLED -> "version-disabled";
            case EVICTED -> "evicted";
            case BAD_KEY -> "bad-key";
            case VERSION_MISMATCH -> "version-mismatch";
            case TABLE_FULL -> "table-full";
            case NO_SUCH_SA -> "no-such-sa";
            case STALE -> "stale";
            case BAD_ARGUMENT -> "bad-argument";
            case TX_KEY_SET -> "tx-key-set";
            default -> status >= 0 ? "ok(" + status + ")" : "status(" + status + ")";
        };
    }
}
