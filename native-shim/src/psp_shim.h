/*
 * psp_shim: AES-GCM over PSP records, one call per burst (structure of arrays, a status per
 * record), over intel-ipsec-mb (PSP_SHIM_IMPL_IPSEC_MB) or OpenSSL EVP (PSP_SHIM_IMPL_OPENSSL).
 *
 * A record at base[i] is [aad_len[i] bytes of AAD, bytes 4..15 the 12-byte GCM nonce |
 * text_len[i] bytes encrypted/decrypted in place | 16-byte tag]. The caller validates lengths and
 * bounds; the shim trusts them. Functions return a count or a negative errno; per-record status is
 * 0, -EBADMSG (tag mismatch) or -EINVAL. An engine and the keys made with it belong to one thread.
 *
 * The Java side (dev.psp.ffm.NativeShim) declares struct psp_shim_vec as a StructLayout and checks
 * it against psp_shim_layout() in a test; change both together.
 */
#ifndef PSP_SHIM_H
#define PSP_SHIM_H

#include <stdint.h>

#define PSP_SHIM_IMPL_IPSEC_MB 1
#define PSP_SHIM_IMPL_OPENSSL 2

/* vec.flags: the (text_len - src_len) bytes in front of every split record's src belong to the
 * caller and are writable: the shim may stage the record's in-place text head there, run one
 * out-of-place cipher call over head + source, and restore those bytes before it returns (the
 * source reads back unchanged). Without it a split record costs a streamed init/update/final. */
#define PSP_SHIM_F_SPLIT_STAGE 1
/* vec.flags, open: for every record opened (status 0), text_sum[i] is the Internet checksum sum
 * (RFC 1071, network order, not folded or inverted) of its text_len plaintext bytes, taken while
 * they are fresh from the cipher; the receiver derives its inner TCP/UDP checksum check from it
 * instead of a second pass over the payload. Not written for a record that failed. */
#define PSP_SHIM_F_TEXT_SUM 2

/* Burst descriptor: every pointer refers to arrays of at least num entries. */
struct psp_shim_vec {
    int32_t num;              /* number of records */
    int32_t flags;            /* PSP_SHIM_F_* bits, 0 for none */
    const uint64_t *base;     /* record addresses */
    const uint32_t *aad_len;  /* >= 16 */
    const uint32_t *text_len; /* >= 0 */
    void *const *key;         /* from psp_shim_key_new with the same engine */
    int32_t *status;          /* out: 0, -EBADMSG, -EINVAL */
    /* Split seal (TSO), optional: NULL, or per record the address of src_len[i] bytes that are the
     * last src_len[i] text bytes, read from there and written, encrypted, into the record; the
     * first text_len - src_len bytes are in place. src_len[i] == 0: an in-place record. */
    const uint64_t *src;
    const uint32_t *src_len;
    /* PSP_SHIM_F_TEXT_SUM (open): out, per record; NULL otherwise. */
    uint64_t *text_sum;
};

/*
 * Whole-frame seal (PSP transport mode): one call per burst encapsulates and seals Ethernet
 * frames of the common shapes in place, as the Java encoder's specialised paths do: untagged
 * Ethernet, then IPv4 without options, unfragmented, or IPv6 without extension headers, carrying
 * TCP or UDP, with no padding (IPv4 total length, or IPv6 payload length + 40, equal to the frame
 * length minus 14). The 34 (IPv6: 54) header bytes move back by 24 (+8 with a VC) into the
 * headroom, UDP (source port, 1000, length, checksum 0) and PSP headers go in the gap, the IPv4
 * length, protocol (17) and header checksum (IPv6: payload length and next header) are rewritten,
 * the text is sealed where it lies and the ICV written after it. The caller has checked the frame's shape and that the headroom (24 or
 * 32 bytes), the tailroom (16 bytes), the crypt offset and the 64 KB limit allow it.
 */
#define PSP_SHIM_FRAMES_INNER_CSUM 1 /* also compute the inner TCP/UDP checksum (checksum-offload
                                        emulation: pseudo-header + L4 bytes, UDP 0 sent as 0xffff;
                                        TCP shorter than 20 or UDP shorter than 8 bytes untouched) */

struct psp_shim_frames {
    int32_t num;
    int32_t flags;             /* PSP_SHIM_FRAMES_* */
    const uint64_t *frame;     /* frame addresses */
    const uint32_t *frame_len; /* frame lengths */
    const uint64_t *iv;        /* the PSP IV of each frame */
    const uint64_t *sa;        /* bits 0..31 SPI; bits 32..55 PSP header word 0 bits 0..23 (header
                                  extension length, crypt offset, flags: version, V, S, D) */
    const uint64_t *vc;        /* virtualization cookie, written when the V flag is set */
    const uint32_t *sport;     /* outer UDP source port, or 0: 0xC000 | (flow hash & 0x3fff) */
    void *const *key;          /* from psp_shim_key_new with the same engine */
    int32_t *status;           /* out: 0; -ENOTSUP: not the shape or a bad descriptor, nothing
                                  written; -EINVAL: encapsulated but the cipher failed, text and
                                  ICV zeroed */
    int32_t *hash;             /* out: the flow hash of each frame encapsulated (psp_shim_flow_hash) */
};

/*
 * TSO stamp and seal: segments 1.. of a TCP/UDP super-packet cut at one segment size, stamped from
 * the caller's encapsulated, not yet sealed segment 0 (the template) and sealed, one call per
 * super-packet. Per segment: hdr_len bytes copied from tmpl to dst[i]; the IV written into the PSP
 * header at rec_off; per flags the inner IPv4 ID and header checksum (ip_off, ip_sum: the header's
 * one's-complement sum without ID and checksum), the outer IPv4 ID and checksum likewise
 * (outer_ip_off, outer_sum), the TCP sequence number and flags (l4_off), the L4 checksum (csum_off:
 * l4_sum, the sum of the pseudo-header and the L4 header words that do not change per segment, plus
 * for TCP the sequence number and (tcp_word12 | flags), plus the src_len payload bytes at src[i];
 * UDP 0 stored as 0xffff); then the split record at rec_off (aad_len, text_len; the last src_len text bytes read from src[i])
 * sealed. Offsets are from the segment start. The bytes in front of every src[i] (text_len -
 * src_len of them) are the caller's: the shim stages the record's text head there and restores them
 * (PSP_SHIM_F_SPLIT_STAGE semantics).
 */
#define PSP_SHIM_TSO_IPV4 1
#define PSP_SHIM_TSO_OUTER_IPV4 2
#define PSP_SHIM_TSO_TCP 4
#define PSP_SHIM_TSO_CSUM 8

struct psp_shim_tso {
    int32_t num;
    int32_t flags;            /* PSP_SHIM_TSO_* */
    uint64_t tmpl;
    uint32_t hdr_len;
    uint32_t rec_off;
    uint32_t aad_len;
    uint32_t text_len;
    uint32_t src_len;
    uint32_t ip_off;
    uint32_t outer_ip_off;
    uint32_t l4_off;
    uint32_t csum_off;
    uint32_t tcp_word12;      /* TCP: the data-offset byte of header word 12, shifted left by 8 */
    uint64_t ip_sum;
    uint64_t outer_sum;
    uint64_t l4_sum;
    void *key;
    const uint64_t *dst;      /* segment start addresses */
    const uint64_t *src;      /* payload addresses in the super-packet */
    const uint64_t *iv;
    const uint32_t *id;       /* IPv4 ID */
    const uint32_t *seq;      /* TCP sequence number */
    const uint32_t *tcp_flags;
    int32_t *status;          /* out: 0 or -EINVAL (text and ICV zeroed) */
};

/* psp_shim_layout() queries, answered from sizeof/offsetof and library headers. */
enum psp_shim_layout_query {
    PSP_SHIM_Q_VEC_SIZE = 0,
    PSP_SHIM_Q_VEC_NUM = 1,
    PSP_SHIM_Q_VEC_BASE = 2,
    PSP_SHIM_Q_VEC_AAD_LEN = 3,
    PSP_SHIM_Q_VEC_TEXT_LEN = 4,
    PSP_SHIM_Q_VEC_KEY = 5,
    PSP_SHIM_Q_VEC_STATUS = 6,
    PSP_SHIM_Q_POINTER_SIZE = 7,
    PSP_SHIM_Q_EBADMSG = 8,
    PSP_SHIM_Q_EINVAL = 9,
    PSP_SHIM_Q_ENOMEM = 10,
    PSP_SHIM_Q_EVP_CTRL_GCM_SET_IVLEN = 11,
    PSP_SHIM_Q_EVP_CTRL_GCM_GET_TAG = 12,
    PSP_SHIM_Q_EVP_CTRL_GCM_SET_TAG = 13,
    PSP_SHIM_Q_VEC_SRC = 14,
    PSP_SHIM_Q_VEC_SRC_LEN = 15,
    PSP_SHIM_Q_VEC_FLAGS = 16,
    PSP_SHIM_Q_F_SPLIT_STAGE = 17,
    PSP_SHIM_Q_FRAMES_SIZE = 18,
    PSP_SHIM_Q_FRAMES_FRAME = 19,
    PSP_SHIM_Q_FRAMES_FRAME_LEN = 20,
    PSP_SHIM_Q_FRAMES_IV = 21,
    PSP_SHIM_Q_FRAMES_SA = 22,
    PSP_SHIM_Q_FRAMES_VC = 23,
    PSP_SHIM_Q_FRAMES_SPORT = 24,
    PSP_SHIM_Q_FRAMES_KEY = 25,
    PSP_SHIM_Q_FRAMES_STATUS = 26,
    PSP_SHIM_Q_FRAMES_HASH = 27,
    PSP_SHIM_Q_ENOTSUP = 28,
    PSP_SHIM_Q_TSO_SIZE = 29,
    PSP_SHIM_Q_TSO_TMPL = 30,
    PSP_SHIM_Q_TSO_IP_SUM = 31,
    PSP_SHIM_Q_TSO_KEY = 32,
    PSP_SHIM_Q_TSO_DST = 33,
    PSP_SHIM_Q_TSO_STATUS = 34,
    PSP_SHIM_Q_TSO_L4_SUM = 35,
    PSP_SHIM_Q_VEC_TEXT_SUM = 36,
    PSP_SHIM_Q_F_TEXT_SUM = 37,
};

/* 1 when impl was built in and works on this CPU, else 0. */
int psp_shim_available(int impl);
/* Static version string of the library behind impl (never NULL). */
const char *psp_shim_version(int impl);
/* sizeof/offsetof/constant for a psp_shim_layout_query, or -EINVAL. */
int64_t psp_shim_layout(int query);

/* A per-thread engine (IMB_MGR for ipsec-mb), or NULL (errno-style code in *err when non-NULL). */
void *psp_shim_engine_new(int impl, int32_t *err);
void psp_shim_engine_free(void *engine);

/* Prepared key (precomputed GCM key data, or one reused EVP_CIPHER_CTX); len 16 or 32. */
void *psp_shim_key_new(void *engine, const uint8_t *key, int32_t len, int32_t *err);
/* Re-keys in place (length may change); 0 or -errno. */
int32_t psp_shim_key_rekey(void *engine, void *handle, const uint8_t *key, int32_t len);
/* Wipes and frees; NULL is ignored. */
void psp_shim_key_free(void *engine, void *handle);

/* Seal / open v->num records in place; returns how many succeeded, or -errno for a bad call. */
int32_t psp_shim_seal_burst(void *engine, const struct psp_shim_vec *v);
int32_t psp_shim_open_burst(void *engine, const struct psp_shim_vec *v);

/* Encapsulates and seals v->num frames in place (struct psp_shim_frames); returns how many succeeded, or -errno. */
int32_t psp_shim_seal_frames(void *engine, const struct psp_shim_frames *v);

/* Stamps and seals v->num TSO segments (struct psp_shim_tso); returns how many succeeded, or -errno. */
int32_t psp_shim_seal_tso(void *engine, const struct psp_shim_tso *v);

/* The flow hash of an IPv4 5-tuple: addrs = source and destination address as one big-endian
 * 64-bit value, ports = source port << 16 | destination port (dev.psp.engine.psp.FlowHash.ofIpv4). */
int32_t psp_shim_flow_hash(int32_t proto, uint64_t addrs, uint32_t ports);

/* The flow hash of an IPv6 5-tuple: addrs = the 32 address bytes (source, destination) as in the
 * header, ports as above (dev.psp.engine.psp.FlowHash.ofIpv6). */
int32_t psp_shim_flow_hash6(int32_t proto, const uint8_t *addrs, uint32_t ports);

/* sum plus the one's-complement sum of len bytes at p as big-endian 16-bit words (an odd last byte
 * is the high byte of a word), not folded (dev.psp.engine.wire.Checksum.sum); AVX2 when the CPU has it. */
uint64_t psp_shim_csum(const uint8_t *p, uint32_t len, uint64_t sum);

#endif
