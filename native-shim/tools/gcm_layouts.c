/*
 * How much the record layout costs intel-ipsec-mb's AES-128-GCM, with no Java and no shim: the
 * cipher floor under TsoBenchmark. 45 records of 32 + 1448 text bytes (one 64 KB TCP
 * super-packet at MSS 1448: TCP header + payload) and 16 bytes of AAD, each in its own 2 KB slot,
 * encrypted three ways:
 *   in-place       text read and written in the slot (a pre-segmented seal);
 *   out-of-place   text read from a 64 KB "super-packet", written into the slot (TSO's split seal);
 *   staged         out-of-place with the shim's staging: the 32 header bytes copied in front of
 *                  the source (saved and restored around the call), as psp_shim.c does.
 * Build and run: gcc -O2 -o /tmp/gcm_layouts native-shim/tools/gcm_layouts.c -lIPSec_MB && /tmp/gcm_layouts
 * Prints ns per 45 records and per record, three repetitions each.
 */
#include <intel-ipsec-mb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NREC 45
#define SEG 1448
#define HDR 32
#define TL (HDR + SEG)
#define SLOT 2048
#define HEADROOM 256

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(void) {
    IMB_MGR *m = alloc_mb_mgr(0);
    if (m == NULL) {
        fprintf(stderr, "alloc_mb_mgr failed\n");
        return 1;
    }
    init_mb_mgr_auto(m, NULL);
    struct gcm_key_data kd __attribute__((aligned(64)));
    struct gcm_context_data ctx;
    uint8_t key[16] = {1};
    IMB_AES128_GCM_PRE(m, key, &kd);
    uint8_t *sp = aligned_alloc(64, 70016);
    uint8_t *slots = aligned_alloc(64, (size_t) SLOT * NREC);
    if (sp == NULL || slots == NULL) {
        return 1;
    }
    memset(sp, 7, 70016);
    memset(slots, 3, (size_t) SLOT * NREC);
    uint8_t iv[16] = {0};
    static const char *names[] = {"in-place", "out-of-place", "staged"};
    for (int mode = 0; mode < 3; mode++) {
        for (int rep = 0; rep < 3; rep++) {
            const int iters = 20000;
            double t0 = now_ns();
            for (int it = 0; it < iters; it++) {
                for (int i = 0; i < NREC; i++) {
                    uint8_t *rec = slots + (size_t) SLOT * i + HEADROOM; /* 16 B AAD, then text, then tag */
                    uint8_t *text = rec + 16;
                    uint8_t *in = sp + 128 + (size_t) i * SEG - HDR; /* header bytes in front of the payload */
                    if (mode == 0) {
                        IMB_AES128_GCM_ENC(m, &kd, &ctx, text, text, TL, iv, rec, 16, text + TL, 16);
                    } else if (mode == 1) {
                        IMB_AES128_GCM_ENC(m, &kd, &ctx, text, in, TL, iv, rec, 16, text + TL, 16);
                    } else {
                        uint8_t save[HDR];
                        memcpy(save, in, HDR);
                        memcpy(in, text, HDR);
                        IMB_AES128_GCM_ENC(m, &kd, &ctx, text, in, TL, iv, rec, 16, text + TL, 16);
                        memcpy(in, save, HDR);
                    }
                }
            }
            double t = (now_ns() - t0) / iters;
            printf("%-13s %6.0f ns per %d records, %5.1f ns per record\n", names[mode], t, NREC, t / NREC);
        }
    }
    free(sp);
    free(slots);
    free_mb_mgr(m);
    return 0;
}
