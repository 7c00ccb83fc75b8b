/*
 * Measures OpenSSL's gost engine: GOST R 34.10-2012 (256-bit) sign and verify
 * of a 32-byte Streebog digest per second, in one process, through the same
 * EVP_PKEY calls `openssl pkeyutl` makes. Used only to compare against the
 * criterion numbers of benches/verify.rs; not part of the crate.
 *
 * Build and run (with OPENSSL_CONF pointing at a config that loads the
 * engine, as tests/openssl_gost.rs writes one):
 *   cc -O2 -o gost_speed gost_speed.c -lcrypto
 *   openssl genpkey -algorithm gost2012_256 -pkeyopt paramset:XA -out key.pem
 *   OPENSSL_CONF=openssl.cnf ./gost_speed key.pem
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s key.pem\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (!key) {
        fprintf(stderr, "cannot load key\n");
        return 1;
    }
    unsigned char digest[32], sig[64];
    memset(digest, 0x5a, sizeof digest);
    size_t siglen = sizeof sig;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    if (EVP_PKEY_sign_init(ctx) <= 0 || EVP_PKEY_sign(ctx, sig, &siglen, digest, 32) <= 0) {
        fprintf(stderr, "sign failed\n");
        return 1;
    }
    const int n = 2000;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        siglen = sizeof sig;
        EVP_PKEY_sign(ctx, sig, &siglen, digest, 32);
    }
    double sign_s = (now() - t0) / n;
    EVP_PKEY_verify_init(ctx);
    int ok = 1;
    t0 = now();
    for (int i = 0; i < n; i++) {
        ok &= EVP_PKEY_verify(ctx, sig, siglen, digest, 32) == 1;
    }
    double verify_s = (now() - t0) / n;
    printf("sign   %.1f us  %.0f/s\n", sign_s * 1e6, 1 / sign_s);
    printf("verify %.1f us  %.0f/s  (all ok: %d)\n", verify_s * 1e6, 1 / verify_s, ok);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok ? 0 : 1;
}
