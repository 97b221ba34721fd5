/* See psp_shim.h for the contract. Built by build.sh; HAVE_IPSEC_MB when intel-ipsec-mb.h exists. */
#include "psp_shim.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <openssl/crypto.h>
#include <openssl/evp.h>

#ifdef HAVE_IPSEC_MB
#include <intel-ipsec-mb.h>
#endif

#define TAG_LEN 16
#define NONCE_OFF 4
#define NONCE_LEN 12

struct engine {
    int impl;
#ifdef HAVE_IPSEC_MB
    IMB_MGR *mgr;
    struct gcm_context_data gctx __attribute__((aligned(64)));
#endif
};

struct key {
    int impl;
    int len;
    EVP_CIPHER_CTX *evp; /* impl OPENSSL */
#ifdef HAVE_IPSEC_MB
    struct gcm_key_data gkd __attribute__((aligned(64))); /* impl IPSEC_MB */
#endif
};

static void wipe(void *p, size_t n) {
    OPENSSL_cleanse(p, n);
}


int psp_shim_available(int impl) {
    switch (impl) {
    case PSP_SHIM_IMPL_OPENSSL:
        return 1;
#ifdef HAVE_IPSEC_MB
    case PSP_SHIM_IMPL_IPSEC_MB: {
        IMB_MGR *m = alloc_mb_mgr(0);
        if (m == NULL) {
            return 0;
        }
        free_mb_mgr(m);
        return 1;
    }
#endif
    default:
        return 0;
    }
}

const char *psp_shim_version(int impl) {
    switch (impl) {
    case PSP_SHIM_IMPL_OPENSSL:
        return OpenSSL_version(OPENSSL_VERSION);
    case PSP_SHIM_IMPL_IPSEC_MB:
#ifdef HAVE_IPSEC_MB
        return imb_get_version_str();
#else
        return "not built (intel-ipsec-mb.h was missing when build.sh ran)";
#endif
    default:
        return "unknown impl";
    }
}

int64_t psp_shim_layout(int query) {
    switch (query) {
    case PSP_SHIM_Q_VEC_SIZE: return sizeof(struct psp_shim_vec);
    case PSP_SHIM_Q_VEC_NUM: return offsetof(struct psp_shim_vec, num);
    case PSP_SHIM_Q_VEC_BASE: return offsetof(struct psp_shim_vec, base);
    case PSP_SHIM_Q_VEC_AAD_LEN: return offsetof(struct psp_shim_vec, aad_len);
    case PSP_SHIM_Q_VEC_TEXT_LEN: return offsetof(struct psp_shim_vec, text_len);
    case PSP_SHIM_Q_VEC_KEY: return offsetof(struct psp_shim_vec, key);
    case PSP_SHIM_Q_VEC_STATUS: return offsetof(struct psp_shim_vec, status);
    case PSP_SHIM_Q_POINTER_SIZE: return sizeof(void *);
    case PSP_SHIM_Q_EBADMSG: return EBADMSG;
    case PSP_SHIM_Q_EINVAL: return EINVAL;
    case PSP_SHIM_Q_ENOMEM: return ENOMEM;
    case PSP_SHIM_Q_EVP_CTRL_GCM_SET_IVLEN: return EVP_CTRL_GCM_SET_IVLEN;
    case PSP_SHIM_Q_EVP_CTRL_GCM_GET_TAG: return EVP_CTRL_GCM_GET_TAG;
    case PSP_SHIM_Q_EVP_CTRL_GCM_SET_TAG: return EVP_CTRL_GCM_SET_TAG;
    case PSP_SHIM_Q_VEC_SRC: return offsetof(struct psp_shim_vec, src);
    case PSP_SHIM_Q_VEC_SRC_LEN: return offsetof(struct psp_shim_vec, src_len);
    case PSP_SHIM_Q_VEC_FLAGS: return offsetof(struct psp_shim_vec, flags);
    case PSP_SHIM_Q_F_SPLIT_STAGE: return PSP_SHIM_F_SPLIT_STAGE;
    case PSP_SHIM_Q_FRAMES_SIZE: return sizeof(struct psp_shim_frames);
    case PSP_SHIM_Q_FRAMES_FRAME: return offsetof(struct psp_shim_frames, frame);
    case PSP_SHIM_Q_FRAMES_FRAME_LEN: return offsetof(struct psp_shim_frames, frame_len);
    case PSP_SHIM_Q_FRAMES_IV: return offsetof(struct psp_shim_frames, iv);
    case PSP_SHIM_Q_FRAMES_SA: return offsetof(struct psp_shim_frames, sa);
    case PSP_SHIM_Q_FRAMES_VC: return offsetof(struct psp_shim_frames, vc);
    case PSP_SHIM_Q_FRAMES_SPORT: return offsetof(struct psp_shim_frames, sport);
    case PSP_SHIM_Q_FRAMES_KEY: return offsetof(struct psp_shim_frames, key);
    case PSP_SHIM_Q_FRAMES_STATUS: return offsetof(struct psp_shim_frames, status);
    case PSP_SHIM_Q_FRAMES_HASH: return offsetof(struct psp_shim_frames, hash);
    case PSP_SHIM_Q_ENOTSUP: return ENOTSUP;
    case PSP_SHIM_Q_TSO_SIZE: return sizeof(struct psp_shim_tso);
    case PSP_SHIM_Q_TSO_TMPL: return offsetof(struct psp_shim_tso, tmpl);
    case PSP_SHIM_Q_TSO_IP_SUM: return offsetof(struct psp_shim_tso, ip_sum);
    case PSP_SHIM_Q_TSO_KEY: return offsetof(struct psp_shim_tso, key);
    case PSP_SHIM_Q_TSO_DST: return offsetof(struct psp_shim_tso, dst);
    case PSP_SHIM_Q_TSO_STATUS: return offsetof(struct psp_shim_tso, status);
    case PSP_SHIM_Q_TSO_L4_SUM: return offsetof(struct psp_shim_tso, l4_sum);
    case PSP_SHIM_Q_VEC_TEXT_SUM: return offsetof(struct psp_shim_vec, text_sum);
    case PSP_SHIM_Q_F_TEXT_SUM: return PSP_SHIM_F_TEXT_SUM;
    default: return -EINVAL;
    }
}

static void set_err(int32_t *err, int32_t v) {
    if (err != NULL) {
        *err = v;
    }
}

void *psp_shim_engine_new(int impl, int32_t *err) {
    if (!psp_shim_available(impl)) {
        set_err(err, -EINVAL);
        return NULL;
    }
    /* whole 128-byte line pairs: engines of different worker threads never share a line (gctx is
     * written on every GCM call) */
    struct engine *e = aligned_alloc(128, (sizeof(struct engine) + 127) & ~(size_t) 127);
    if (e == NULL) {
        set_err(err, -ENOMEM);
        return NULL;
    }
    memset(e, 0, sizeof(*e));
    e->impl = impl;
#ifdef HAVE_IPSEC_MB
    if (impl == PSP_SHIM_IMPL_IPSEC_MB) {
        e->mgr = alloc_mb_mgr(0);
        if (e->mgr == NULL) {
            free(e);
            set_err(err, -ENOMEM);
            return NULL;
        }
        IMB_ARCH arch;
        init_mb_mgr_auto(e->mgr, &arch);
        if (imb_get_errno(e->mgr) != 0) {
            free_mb_mgr(e->mgr);
            free(e);
            set_err(err, -EINVAL);
            return NULL;
        }
    }
#endif
    set_err(err, 0);
    return e;
}

void psp_shim_engine_free(void *engine) {
    struct engine *e = engine;
    if (e == NULL) {
        return;
    }
#ifdef HAVE_IPSEC_MB
    if (e->mgr != NULL) {
        free_mb_mgr(e->mgr);
    }
#endif
    wipe(e, sizeof(*e));
    free(e);
}

static int32_t key_set(struct engine *e, struct key *k, const uint8_t *key, int32_t len) {
    if (len != 16 && len != 32) {
        return -EINVAL;
    }
    k->len = len;
    if (e->impl == PSP_SHIM_IMPL_OPENSSL) {
        const EVP_CIPHER *c = len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
        if (EVP_CipherInit_ex(k->evp, c, NULL, key, NULL, 1) != 1
            || EVP_CIPHER_CTX_ctrl(k->evp, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1) {
            return -EINVAL;
        }
        return 0;
    }
#ifdef HAVE_IPSEC_MB
    if (len == 16) {
        IMB_AES128_GCM_PRE(e->mgr, key, &k->gkd);
    } else {
        IMB_AES256_GCM_PRE(e->mgr, key, &k->gkd);
    }
    return 0;
#else
    return -EINVAL;
#endif
}

void *psp_shim_key_new(void *engine, const uint8_t *key, int32_t len, int32_t *err) {
    struct engine *e = engine;
    if (e == NULL || key == NULL) {
        set_err(err, -EINVAL);
        return NULL;
    }
    struct key *k = aligned_alloc(128, (sizeof(struct key) + 127) & ~(size_t) 127);
    if (k == NULL) {
        set_err(err, -ENOMEM);
        return NULL;
    }
    memset(k, 0, sizeof(*k));
    k->impl = e->impl;
    if (e->impl == PSP_SHIM_IMPL_OPENSSL && (k->evp = EVP_CIPHER_CTX_new()) == NULL) {
        free(k);
        set_err(err, -ENOMEM);
        return NULL;
    }
    int32_t rc = key_set(e, k, key, len);
    if (rc != 0) {
        psp_shim_key_free(e, k);
        set_err(err, rc);
        return NULL;
    }
    set_err(err, 0);
    return k;
}

int32_t psp_shim_key_rekey(void *engine, void *handle, const uint8_t *key, int32_t len) {
    struct engine *e = engine;
    struct key *k = handle;
    if (e == NULL || k == NULL || key == NULL || k->impl != e->impl) {
        return -EINVAL;
    }
    return key_set(e, k, key, len);
}

void psp_shim_key_free(void *engine, void *handle) {
    (void) engine;
    struct key *k = handle;
    if (k == NULL) {
        return;
    }
    if (k->evp != NULL) {
        EVP_CIPHER_CTX_free(k->evp); /* clears the key schedule */
    }
    wipe(k, sizeof(*k));
    free(k);
}

static int32_t evp_one(struct key *k, uint8_t *rec, uint32_t aadl, uint32_t tl, int enc,
                       const uint8_t *src, uint32_t sl) {
    EVP_CIPHER_CTX *c = k->evp;
    uint8_t *text = rec + aadl;
    uint8_t *tag = text + tl;
    uint32_t head = tl - sl; /* in-place part; the last sl bytes come from src (split seal) */
    int outl;
    if (EVP_CipherInit_ex(c, NULL, NULL, NULL, rec + NONCE_OFF, enc) != 1
        || EVP_CipherUpdate(c, NULL, &outl, rec, (int) aadl) != 1
        || (head > 0 && EVP_CipherUpdate(c, text, &outl, text, (int) head) != 1)
        || (sl > 0 && EVP_CipherUpdate(c, text + head, &outl, src, (int) sl) != 1)) {
        return -EINVAL;
    }
    if (enc) {
        if (EVP_CipherFinal_ex(c, text + tl, &outl) != 1
            || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1) {
            return -EINVAL;
        }
        return 0;
    }
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1) {
        return -EINVAL;
    }
    return EVP_CipherFinal_ex(c, text + tl, &outl) == 1 ? 0 : -EBADMSG;
}

#ifdef HAVE_IPSEC_MB
/* Constant time: the result does not depend on where the first difference is. */
static int tag_equal(const uint8_t *a, const uint8_t *b) {
    uint8_t d = 0;
    for (int i = 0; i < TAG_LEN; i++) {
        d |= a[i] ^ b[i];
    }
    return d == 0;
}

#define STAGE_MAX 128

/* nonce: the record's 12-byte nonce (SPI, IV) in a 16-byte buffer the caller just filled with one
 * store, or NULL to read it from the record */
static int32_t imb_one(struct engine *e, struct key *k, uint8_t *rec, uint32_t aadl, uint32_t tl, int enc,
                       const uint8_t *src, uint32_t sl, int stage, const uint8_t *nonce) {
    uint8_t buf[16] __attribute__((aligned(16)));
    uint8_t tag[TAG_LEN];
    uint8_t *text = rec + aadl;
    uint8_t *rtag = text + tl;
    if (nonce == NULL) {
        memcpy(buf, rec + NONCE_OFF, NONCE_LEN);
        nonce = buf;
    }
    const uint8_t *iv = nonce;
    uint32_t head = tl - sl;
    uintptr_t borrow_lo = (uintptr_t) src - head, borrow_hi = (uintptr_t) src + sl;
    if (enc && sl > 0 && stage && head <= STAGE_MAX
            && (borrow_hi <= (uintptr_t) rec || borrow_lo >= (uintptr_t) (rtag + TAG_LEN))) {
        /* split seal, staged: the head goes in front of the source (saved and restored), and one
         * out-of-place call reads head + source and writes the whole text into place; only when
         * the borrowed bytes lie outside the record (restoring them must not undo the ciphertext) */
        uint8_t save[STAGE_MAX];
        uint8_t *in = (uint8_t *) borrow_lo;
        memcpy(save, in, head);
        memcpy(in, text, head);
        if (k->len == 16) {
            IMB_AES128_GCM_ENC(e->mgr, &k->gkd, &e->gctx, text, in, tl, iv, rec, aadl, rtag, TAG_LEN);
        } else {
            IMB_AES256_GCM_ENC(e->mgr, &k->gkd, &e->gctx, text, in, tl, iv, rec, aadl, rtag, TAG_LEN);
        }
        memcpy(in, save, head);
        return 0;
    }
    if (enc && sl > 0) {
        /* split seal: stream the in-place head, then the source bytes straight into place */
        if (k->len == 16) {
            IMB_AES128_GCM_INIT(e->mgr, &k->gkd, &e->gctx, iv, rec, aadl);
            if (head > 0) {
                IMB_AES128_GCM_ENC_UPDATE(e->mgr, &k->gkd, &e->gctx, text, text, head);
            }
            IMB_AES128_GCM_ENC_UPDATE(e->mgr, &k->gkd, &e->gctx, text + head, src, sl);
            IMB_AES128_GCM_ENC_FINALIZE(e->mgr, &k->gkd, &e->gctx, rtag, TAG_LEN);
        } else {
            IMB_AES256_GCM_INIT(e->mgr, &k->gkd, &e->gctx, iv, rec, aadl);
            if (head > 0) {
                IMB_AES256_GCM_ENC_UPDATE(e->mgr, &k->gkd, &e->gctx, text, text, head);
            }
            IMB_AES256_GCM_ENC_UPDATE(e->mgr, &k->gkd, &e->gctx, text + head, src, sl);
            IMB_AES256_GCM_ENC_FINALIZE(e->mgr, &k->gkd, &e->gctx, rtag, TAG_LEN);
        }
        return 0;
    }
    if (enc) {
        if (k->len == 16) {
            IMB_AES128_GCM_ENC(e->mgr, &k->gkd, &e->gctx, text, text, tl, iv, rec, aadl, rtag, TAG_LEN);
        } else {
            IMB_AES256_GCM_ENC(e->mgr, &k->gkd, &e->gctx, text, text, tl, iv, rec, aadl, rtag, TAG_LEN);
        }
        return 0;
    }
    if (k->len == 16) {
        IMB_AES128_GCM_DEC(e->mgr, &k->gkd, &e->gctx, text, text, tl, iv, rec, aadl, tag, TAG_LEN);
    } else {
        IMB_AES256_GCM_DEC(e->mgr, &k->gkd, &e->gctx, text, text, tl, iv, rec, aadl, tag, TAG_LEN);
    }
    return tag_equal(tag, rtag) ? 0 : -EBADMSG;
}
#endif

static uint64_t csum_add(const uint8_t *p, uint32_t len, uint64_t sum);

static int32_t burst(void *engine, const struct psp_shim_vec *v, int enc) {
    struct engine *e = engine;
    if (e == NULL || v == NULL || v->num < 0) {
        return -EINVAL;
    }
    uint64_t *sums = !enc && (v->flags & PSP_SHIM_F_TEXT_SUM) != 0 ? v->text_sum : NULL;
    if (!enc && (v->flags & PSP_SHIM_F_TEXT_SUM) != 0 && sums == NULL) {
        return -EINVAL;
    }
    int32_t ok = 0;
    for (int32_t i = 0; i < v->num; i++) {
        struct key *k = v->key[i];
        uint8_t *rec = (uint8_t *) (uintptr_t) v->base[i];
        uint32_t aadl = v->aad_len[i];
        uint32_t tl = v->text_len[i];
        uint32_t sl = v->src_len != NULL ? v->src_len[i] : 0;
        const uint8_t *src = sl > 0 ? (const uint8_t *) (uintptr_t) v->src[i] : NULL;
        int32_t st;
        if (k == NULL || k->impl != e->impl || rec == NULL || aadl < NONCE_OFF + NONCE_LEN
            || aadl > INT32_MAX || tl > INT32_MAX || sl > tl || (sl > 0 && (src == NULL || !enc))) {
            st = -EINVAL;
        } else if (e->impl == PSP_SHIM_IMPL_OPENSSL) {
            st = evp_one(k, rec, aadl, tl, enc, src, sl);
        } else {
#ifdef HAVE_IPSEC_MB
            st = imb_one(e, k, rec, aadl, tl, enc, src, sl, (v->flags & PSP_SHIM_F_SPLIT_STAGE) != 0, NULL);
#else
            st = -EINVAL;
#endif
        }
        v->status[i] = st;
        if (st == 0 && sums != NULL) {
            sums[i] = csum_add(rec + aadl, tl, 0); /* the plaintext is still in L1 */
        }
        ok += st == 0;
    }
    return ok;
}

int32_t psp_shim_seal_burst(void *engine, const struct psp_shim_vec *v) {
    return burst(engine, v, 1);
}

int32_t psp_shim_open_burst(void *engine, const struct psp_shim_vec *v) {
    return burst(engine, v, 0);
}

/* ---- whole-frame seal: PSP transport-mode encapsulation over IPv4 (see psp_shim.h) ---- */

#define ETH_HDR 14
#define FAST_HDR (ETH_HDR + 20)
#define UDP_HDR 8
#define PSP_BASE 16
#define PSP_VC 8
#define PSP_PORT 1000
#define PSP_FLAG_V 0x02

static inline uint64_t ld64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

static inline uint32_t ld32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}

static inline void st64(uint8_t *p, uint64_t v) {
    v = __builtin_bswap64(v);
    memcpy(p, &v, 8);
}

static inline void st16(uint8_t *p, uint32_t v) {
    uint16_t x = __builtin_bswap16((uint16_t) v);
    memcpy(p, &x, 2);
}

/* dev.psp.engine.psp.FlowHash.avalanche: MurmurHash3's 64-bit finalizer, the low 32 bits */
static inline int32_t avalanche(uint64_t x) {
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDULL;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ULL;
    return (int32_t) (uint32_t) (x ^ (x >> 33));
}

static inline int32_t flow_hash(int32_t proto, uint64_t addrs, uint32_t ports) {
    uint64_t x = (addrs ^ 0x9E3779B97F4A7C15ULL) * 0xBF58476D1CE4E5B9ULL
            + ((((uint64_t) ports << 8) | (uint32_t) proto) ^ 0x94D049BB133111EBULL) * 0xD6E8FEB86659FD93ULL;
    return avalanche(x);
}

int32_t psp_shim_flow_hash(int32_t proto, uint64_t addrs, uint32_t ports) {
    return flow_hash(proto, addrs, ports);
}

/* ---- Internet checksum (RFC 1071) ----
 * Words are summed in native (little-endian) order and the folded sum byte-swapped once at the end
 * ("byte order independence", RFC 1071 2(B)), as the Java Checksum.sum does. */

static inline uint64_t fold64(uint64_t s) {
    s = (s & 0xffffffffULL) + (s >> 32);
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (s & 0xffff) + (s >> 16);
}

/* The value for a checksum field: the folded sum, inverted. */
static inline uint32_t csum_finish(uint64_t sum) {
    return ~(uint32_t) fold64(sum) & 0xffff;
}

/* Native-order sum of n bytes (n a multiple of 8), unfolded. */
static uint64_t le_sum_scalar(const uint8_t *p, uint32_t n) {
    uint64_t a = 0, b = 0;
    uint32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint64_t w, x;
        memcpy(&w, p + i, 8);
        memcpy(&x, p + i + 8, 8);
        a += (w & 0xffffffffULL) + (w >> 32);
        b += (x & 0xffffffffULL) + (x >> 32);
    }
    for (; i < n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        a += (w & 0xffffffffULL) + (w >> 32);
    }
    return a + b;
}

#if defined(__x86_64__)
/* Native-order sum of n bytes (n a multiple of 32, at most 1 MiB), unfolded. Each word w is biased
 * to the signed w - 0x8000 (sign bit flipped) so vpmaddwd can add pairs of them into 32-bit lanes
 * (one multiply-add per 32 bytes instead of a mask, a shift and two adds); the bias is added back
 * once at the end. A lane gains at most 65536 in magnitude per 128 bytes: no overflow below 4 MiB. */
__attribute__((target("avx2"))) static uint64_t le_sum_avx2(const uint8_t *p, uint32_t n) {
    const __m256i flip = _mm256_set1_epi16((short) 0x8000), ones = _mm256_set1_epi16(1);
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
#define PSP_MADD(acc, at) \
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *) (at)), flip), ones))
    uint32_t i = 0;
    for (; i + 128 <= n; i += 128) {
        PSP_MADD(a0, p + i);
        PSP_MADD(a1, p + i + 32);
        PSP_MADD(a2, p + i + 64);
        PSP_MADD(a3, p + i + 96);
    }
    for (; i < n; i += 32) {
        PSP_MADD(a0, p + i);
    }
#undef PSP_MADD
    /* signed lanes, sign-extended to 64 bits and added */
    __m256i s = _mm256_add_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(a0)),
                                                  _mm256_cvtepi32_epi64(_mm256_extracti128_si256(a0, 1))),
                                 _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(a1)),
                                                  _mm256_cvtepi32_epi64(_mm256_extracti128_si256(a1, 1))));
    s = _mm256_add_epi64(s, _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(a2)),
                                             _mm256_cvtepi32_epi64(_mm256_extracti128_si256(a2, 1))));
    s = _mm256_add_epi64(s, _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(a3)),
                                             _mm256_cvtepi32_epi64(_mm256_extracti128_si256(a3, 1))));
    int64_t r[4];
    _mm256_storeu_si256((__m256i *) r, s);
    return (uint64_t) (r[0] + r[1] + r[2] + r[3] + (int64_t) (n / 2) * 0x8000);
}

static int have_avx2;

__attribute__((constructor)) static void csum_init(void) {
    __builtin_cpu_init();
    have_avx2 = __builtin_cpu_supports("avx2");
}
#endif

static uint64_t csum_add(const uint8_t *p, uint32_t len, uint64_t sum) {
    uint64_t le = 0;
    uint32_t done = 0;
#if defined(__x86_64__)
    if (have_avx2) {
        while (len - done >= 32) {
            uint32_t n = len - done;
            n = (n > (1u << 20) ? (1u << 20) : n) & ~31u;
            le += le_sum_avx2(p + done, n);
            done += n;
        }
    }
#endif
    uint32_t words = (len - done) & ~7u;
    le += le_sum_scalar(p + done, words);
    done += words;
    uint64_t f = fold64(le);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    sum += f; /* native order is network order */
#else
    sum += ((f & 0xff) << 8) | (f >> 8); /* native (little-endian) order to network order */
#endif
    for (; done + 2 <= len; done += 2) {
        sum += ((uint32_t) p[done] << 8) | p[done + 1];
    }
    if (done < len) {
        sum += (uint32_t) p[done] << 8;
    }
    return sum;
}

uint64_t psp_shim_csum(const uint8_t *p, uint32_t len, uint64_t sum) {
    return csum_add(p, len, sum);
}

#define FAST_HDR6 (ETH_HDR + 40)

/* Overlap-safe move of len (33..56) header bytes back into the headroom: every word is loaded
 * before any is stored, the last one overlapping the one before (Java's Bytes.moveHeader). */
static inline __attribute__((always_inline)) void move_header(uint8_t *to, const uint8_t *from, uint32_t len) {
    uint64_t w[6], tail;
    uint32_t n = (len - 1) / 8; /* whole words before the tail: 4 for 34 bytes, 6 for 54 */
    for (uint32_t j = 0; j < n; j++) {
        memcpy(&w[j], from + 8 * j, 8);
    }
    memcpy(&tail, from + len - 8, 8);
    for (uint32_t j = 0; j < n; j++) {
        memcpy(to + 8 * j, &w[j], 8);
    }
    memcpy(to + len - 8, &tail, 8);
}

/* The 16-byte PSP header (its first word w0, in network order, then the IV) in one store, and the
 * nonce (SPI, IV) into nonce in another: the cipher's loads of the AAD and the nonce then forward
 * from single stores (a load spanning two stores still in flight waits for both to reach the
 * cache: ~4 ns of a 64-byte seal when the nonce was read back from the record). */
static inline __attribute__((always_inline)) void store_psp_header(uint8_t *psp, uint64_t w0, uint64_t iv,
                                                                   uint8_t nonce[16]) {
#if defined(__x86_64__)
    __m128i h = _mm_set_epi64x((long long) __builtin_bswap64(iv), (long long) w0);
    _mm_storeu_si128((__m128i *) psp, h);
    _mm_store_si128((__m128i *) nonce, _mm_srli_si128(h, NONCE_OFF));
#else
    memcpy(psp, &w0, 8);
    st64(psp + 8, iv);
    memcpy(nonce, psp + NONCE_OFF, NONCE_LEN);
#endif
}

static inline int32_t flow_hash6(int32_t proto, const uint8_t *addrs, uint32_t ports) {
    uint64_t a0 = ld64(addrs), a1 = ld64(addrs + 8), a2 = ld64(addrs + 16), a3 = ld64(addrs + 24);
    /* FlowHash.ofIpv6: each word's high half folded into its low half before the multiply */
    uint64_t x = ((a0 ^ (a0 >> 32)) ^ 0x9E3779B97F4A7C15ULL) * 0xBF58476D1CE4E5B9ULL
            + ((a1 ^ (a1 >> 32)) ^ 0xC2B2AE3D27D4EB4FULL) * 0x94D049BB133111EBULL
            + ((a2 ^ (a2 >> 32)) ^ 0x165667B19E3779F9ULL) * 0xD6E8FEB86659FD93ULL
            + ((a3 ^ (a3 >> 32)) ^ 0x27D4EB2F165667C5ULL) * 0xFF51AFD7ED558CCDULL
            + ((((uint64_t) ports << 8) | (uint32_t) proto) ^ 0x94D049BB133111EBULL) * 0xC4CEB9FE1A85EC53ULL;
    return avalanche(x);
}

int32_t psp_shim_flow_hash6(int32_t proto, const uint8_t *addrs, uint32_t ports) {
    return flow_hash6(proto, addrs, ports);
}

/* The checksum field of an inner TCP/UDP header of l4_len bytes at l4 (0 when too short to have one). */
static inline uint32_t csum_field(uint32_t proto, uint32_t l4_len) {
    if (proto == 6) {
        return l4_len >= 20 ? 16 : 0;
    }
    return l4_len >= 8 ? 6 : 0;
}

/* The inner checksum from the pseudo-header sum (addresses, protocol, length) and the L4 bytes, stored in place. */
static void inner_csum_store(uint8_t *l4, uint32_t l4_len, uint32_t proto, uint64_t pseudo) {
    uint32_t field = csum_field(proto, l4_len);
    if (field == 0) {
        return;
    }
    st16(l4 + field, 0);
    uint32_t c = csum_finish(csum_add(l4, l4_len, pseudo + proto + l4_len));
    st16(l4 + field, c == 0 && proto == 17 ? 0xffff : c);
}

/* What the SA word of a frame (struct psp_shim_frames.sa) says about its record. */
struct frame_sa {
    uint32_t word0lo; /* PSP header word 0 bits 0..23 */
    uint32_t vc_len;
    uint32_t co_bytes;
    uint32_t encap;   /* UDP + PSP header (+ VC) */
    int gmac;
};

static inline struct frame_sa frame_sa(uint64_t sa) {
    struct frame_sa f;
    f.word0lo = (uint32_t) (sa >> 32) & 0xffffff;
    uint32_t flags = f.word0lo & 0xff;
    uint32_t version = (flags >> 2) & 0xf;
    f.gmac = version == 2 || version == 3;
    f.vc_len = (flags & PSP_FLAG_V) ? PSP_VC : 0;
    f.co_bytes = f.gmac ? 0 : ((f.word0lo >> 8) & 0x3f) * 4;
    f.encap = UDP_HDR + PSP_BASE + f.vc_len;
    return f;
}

/* UDP and PSP headers at udp (payload bytes of L4 behind them), then the seal; shared by both families. */
static inline __attribute__((always_inline)) int32_t finish_frame(struct engine *e, struct key *k,
                            const struct psp_shim_frames *v, int32_t i, uint8_t *udp, uint32_t proto,
                            const struct frame_sa *fs, uint32_t sport, uint32_t payload) {
    uint64_t sa = v->sa[i];
    uint32_t word0lo = fs->word0lo, vc_len = fs->vc_len, co_bytes = fs->co_bytes;
    int gmac = fs->gmac;
    uint32_t udp_len = fs->encap + payload + TAG_LEN;
    st64(udp, ((uint64_t) sport << 48) | ((uint64_t) PSP_PORT << 32) | ((uint64_t) udp_len << 16));
    uint8_t *psp = udp + UDP_HDR;
    uint64_t hdr0 = ((uint64_t) ((proto << 24) | word0lo) << 32) | (sa & 0xffffffffULL);
    uint8_t nonce[16] __attribute__((aligned(16)));
    store_psp_header(psp, __builtin_bswap64(hdr0), v->iv[i], nonce);
    if (vc_len) {
        st64(psp + PSP_BASE, v->vc[i]);
    }
    uint32_t aadl = gmac ? PSP_BASE + vc_len + payload : PSP_BASE + co_bytes;
    uint32_t tl = gmac ? 0 : vc_len + payload - co_bytes;
    int32_t st;
    if (e->impl == PSP_SHIM_IMPL_OPENSSL) {
        st = evp_one(k, psp, aadl, tl, 1, NULL, 0);
    } else {
#ifdef HAVE_IPSEC_MB
        st = imb_one(e, k, psp, aadl, tl, 1, NULL, 0, 0, nonce);
#else
        st = -EINVAL;
#endif
    }
    if (st != 0) {
        memset(psp + aadl, 0, tl + TAG_LEN); /* never let plaintext leave */
        return -EINVAL;
    }
    return 0;
}

/* IPv6 without extension headers behind untagged Ethernet: the 54 header bytes move back by encap. */
static int32_t seal_frame6(struct engine *e, const struct psp_shim_frames *v, int32_t i, struct key *k, uint8_t *f,
                           uint32_t len, uint64_t w0) {
    uint64_t w1 = ld64(f + 16); /* flow label, payload length, next header, hop limit, source bytes 0..1 */
    uint32_t payload = (uint32_t) (w1 >> 32) & 0xffff;
    uint32_t proto = (uint32_t) (w1 >> 24) & 0xff;
    if (((w0 >> 12) & 0xf) != 6 || len < FAST_HDR6 + 8 || payload != len - FAST_HDR6 || (proto != 6 && proto != 17)) {
        return -ENOTSUP;
    }
    struct frame_sa fs = frame_sa(v->sa[i]);
    uint32_t encap = fs.encap;
    uint32_t ip_len = payload + encap + TAG_LEN;
    if (fs.co_bytes > fs.vc_len + payload || ip_len > 0xffff) {
        return -ENOTSUP;
    }
    const uint8_t *addrs = f + ETH_HDR + 8;
    uint32_t ports = ld32(f + FAST_HDR6);
    int32_t hash = flow_hash6((int32_t) proto, addrs, ports);
    uint32_t sport = v->sport[i] != 0 ? v->sport[i] : (0xC000 | ((uint32_t) hash & 0x3fff));
    if (v->flags & PSP_SHIM_FRAMES_INNER_CSUM) {
        inner_csum_store(f + FAST_HDR6, payload, proto, csum_add(addrs, 32, 0));
    }
    uint8_t *n = f - encap;
    move_header(n, f, FAST_HDR6); /* back by encap: the ranges overlap */
    uint8_t *l3 = n + ETH_HDR;
    st16(l3 + 4, ip_len);
    l3[6] = 17;
    v->hash[i] = hash;
    return finish_frame(e, k, v, i, n + FAST_HDR6, proto, &fs, sport, payload);
}

static int32_t seal_frame(struct engine *e, const struct psp_shim_frames *v, int32_t i) {
    struct key *k = v->key[i];
    uint8_t *f = (uint8_t *) (uintptr_t) v->frame[i];
    uint32_t len = v->frame_len[i];
    uint64_t sa = v->sa[i];
    if (k == NULL || k->impl != e->impl || f == NULL || len < FAST_HDR + 8 || len > 0xffff + FAST_HDR6) {
        return -ENOTSUP;
    }
    uint64_t w0 = ld64(f + 8);  /* MAC bytes 8..11, ethertype, version/IHL, TOS (IPv6: version/class/flow) */
    if (((w0 >> 16) & 0xffff) == 0x86dd) {
        return seal_frame6(e, v, i, k, f, len, w0);
    }
    uint64_t w1 = ld64(f + 16); /* total length, ID, flags/fragment offset, TTL, protocol */
    uint32_t proto = (uint32_t) w1 & 0xff;
    uint32_t total = (uint32_t) (w1 >> 48);
    if (((w0 >> 8) & 0xffffff) != 0x080045 || total != len - ETH_HDR || ((w1 >> 16) & 0x3fff) != 0
        || (proto != 6 && proto != 17)) {
        return -ENOTSUP;
    }
    struct frame_sa fs = frame_sa(sa);
    uint32_t payload = total - 20;
    uint32_t encap = fs.encap;
    uint32_t ip_len = total + encap + TAG_LEN;
    if (fs.co_bytes > fs.vc_len + payload || ip_len > 0xffff) {
        return -ENOTSUP;
    }
    uint64_t addrs = ld64(f + 26);
    uint32_t ports = ld32(f + FAST_HDR);
    int32_t hash = flow_hash((int32_t) proto, addrs, ports);
    uint32_t sport = v->sport[i] != 0 ? v->sport[i] : (0xC000 | ((uint32_t) hash & 0x3fff));
    uint32_t ttl = (uint32_t) (w1 >> 8) & 0xff;
    if (v->flags & PSP_SHIM_FRAMES_INNER_CSUM) {
        uint64_t pseudo = (addrs >> 48) + ((addrs >> 32) & 0xffff) + ((addrs >> 16) & 0xffff) + (addrs & 0xffff);
        inner_csum_store(f + FAST_HDR, payload, proto, pseudo);
    }
    /* the kept part of the IPv4 header sum: all but total length, TTL/protocol and checksum */
    uint32_t a = ld32(f + 14), b = ld32(f + 18), c = ld32(f + 26), d = ld32(f + 30);
    uint64_t kept = (a >> 16) + (b >> 16) + (b & 0xffff) + (c >> 16) + (c & 0xffff) + (d >> 16) + (d & 0xffff);
    uint8_t *n = f - encap;
    move_header(n, f, FAST_HDR); /* back by encap: the ranges overlap */
    uint8_t *l3 = n + ETH_HDR;
    st16(l3 + 2, ip_len);
    l3[9] = 17;
    st16(l3 + 10, csum_finish(kept + ip_len + ((ttl << 8) | 17)));
    v->hash[i] = hash;
    return finish_frame(e, k, v, i, n + FAST_HDR, proto, &fs, sport, payload);
}

int32_t psp_shim_seal_frames(void *engine, const struct psp_shim_frames *v) {
    struct engine *e = engine;
    if (e == NULL || v == NULL || v->num < 0) {
        return -EINVAL;
    }
    int32_t ok = 0;
    for (int32_t i = 0; i < v->num; i++) {
        int32_t st = seal_frame(e, v, i);
        v->status[i] = st;
        ok += st == 0;
    }
    return ok;
}

/* ---- TSO stamp and seal (see psp_shim.h) ---- */

static inline void st32(uint8_t *p, uint32_t v) {
    v = __builtin_bswap32(v);
    memcpy(p, &v, 4);
}

int32_t psp_shim_seal_tso(void *engine, const struct psp_shim_tso *v) {
    struct engine *e = engine;
    if (e == NULL || v == NULL || v->num < 0) {
        return -EINVAL;
    }
    struct key *k = v->key;
    const uint8_t *tmpl = (const uint8_t *) (uintptr_t) v->tmpl;
    uint32_t aadl = v->aad_len, tl = v->text_len, sl = v->src_len;
    int bad = k == NULL || k->impl != e->impl || tmpl == NULL || aadl < NONCE_OFF + NONCE_LEN || aadl > INT32_MAX
            || tl > INT32_MAX || sl > tl || sl == 0;
    int32_t ok = 0;
    for (int32_t i = 0; i < v->num; i++) {
        uint8_t *d = (uint8_t *) (uintptr_t) v->dst[i];
        const uint8_t *src = (const uint8_t *) (uintptr_t) v->src[i];
        if (bad || d == NULL || src == NULL) {
            v->status[i] = -EINVAL;
            continue;
        }
        memcpy(d, tmpl, v->hdr_len);
        uint8_t *rec = d + v->rec_off;
        uint8_t nonce[16] __attribute__((aligned(16)));
        uint64_t w0;
        memcpy(&w0, tmpl + v->rec_off, 8); /* the template's first PSP header word, as it is on the wire */
        store_psp_header(rec, w0, v->iv[i], nonce);
        if (v->flags & PSP_SHIM_TSO_IPV4) {
            uint32_t id = v->id[i] & 0xffff;
            st16(d + v->ip_off + 4, id);
            st16(d + v->ip_off + 10, csum_finish(v->ip_sum + id));
            if (v->flags & PSP_SHIM_TSO_OUTER_IPV4) {
                st16(d + v->outer_ip_off + 4, id);
                st16(d + v->outer_ip_off + 10, csum_finish(v->outer_sum + id));
            }
        }
        if (v->flags & PSP_SHIM_TSO_TCP) {
            st32(d + v->l4_off + 4, v->seq[i]);
            d[v->l4_off + 13] = (uint8_t) v->tcp_flags[i];
        }
        if (v->flags & PSP_SHIM_TSO_CSUM) {
            /* from the plaintext source, before the seal stages anything in front of it */
            uint64_t sum = v->l4_sum;
            if (v->flags & PSP_SHIM_TSO_TCP) {
                uint32_t sq = v->seq[i];
                sum += (sq >> 16) + (sq & 0xffff) + (v->tcp_word12 | (v->tcp_flags[i] & 0xff));
            }
            uint32_t c = csum_finish(csum_add(src, sl, sum));
            st16(d + v->csum_off, c == 0 && !(v->flags & PSP_SHIM_TSO_TCP) ? 0xffff : c);
        }
        int32_t st;
        if (e->impl == PSP_SHIM_IMPL_OPENSSL) {
            st = evp_one(k, rec, aadl, tl, 1, src, sl);
        } else {
#ifdef HAVE_IPSEC_MB
            st = imb_one(e, k, rec, aadl, tl, 1, src, sl, 1, nonce);
#else
            st = -EINVAL;
#endif
        }
        if (st != 0) {
            memset(rec + aadl, 0, tl + TAG_LEN); /* never let plaintext leave */
            st = -EINVAL;
        }
        v->status[i] = st;
        ok += st == 0;
    }
    return ok;
}
