// Deterministic Miller-Rabin on 64-bit numbers: counts the primes among pseudo-random odd 61..63-bit numbers
// and in a window above 2^62, with unsigned __int128 products reduced by division (u-lib's __umodti3, a
// bit-at-a-time long division: shld, shrd, sbb and jb in its loop).
#include "u-lib.h"

#define RANDOM_TESTS 650
#define WINDOW       750

static inline uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) {
    return (uint64_t)((unsigned __int128)a * b % m);
}

static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m) {
    uint64_t r = 1;
    b %= m;
    while (e) {
        if (e & 1) r = mulmod(r, b, m);
        b = mulmod(b, b, m);
        e >>= 1;
    }
    return r;
}

// The first 12 primes as bases decide primality for every n < 3.3e24, so for all 64-bit n.
static const uint64_t bases[12] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};

static int is_prime(uint64_t n) {
    if (n < 2) return 0;
    for (int i = 0; i < 12; i++) {
        if (n == bases[i]) return 1;
        if (n % bases[i] == 0) return 0;
    }
    uint64_t d = n - 1;
    int s = 0;
    while ((d & 1) == 0) { d >>= 1; s++; }
    for (int i = 0; i < 12; i++) {
        uint64_t x = powmod(bases[i], d, n);
        if (x == 1 || x == n - 1) continue;
        int witness = 1;
        for (int r = 1; r < s; r++) {
            x = mulmod(x, x, n);
            if (x == n - 1) { witness = 0; break; }
        }
        if (witness) return 0;
    }
    return 1;
}

void process_main(void) {
    // Sanity: small numbers against trial division, and a few known values.
    for (uint64_t n = 0; n < 2000; n++) {
        int p = n >= 2;
        for (uint64_t k = 2; k * k <= n; k++) if (n % k == 0) { p = 0; break; }
        assert(is_prime(n) == p);
    }
    assert(is_prime(18446744073709551557ULL));      // the largest 64-bit prime
    assert(!is_prime(3825123056546413051ULL));      // a strong pseudoprime to bases 2..23
    assert(is_prime(2305843009213693951ULL));       // 2^61 - 1

    uint64_t s = 0x853C49E6748FEA9BULL;
    uint64_t check = 0;
    int found = 0;
    for (int i = 0; i < RANDOM_TESTS; i++) {
        uint64_t n = (rand_next(&s) >> (1 + i % 3)) | 1;   // odd, 61 to 63 bits
        if (is_prime(n)) { found++; check = check * 31 + n; }
    }
    int window = 0;
    uint64_t last = 0;
    for (uint64_t n = (1ULL << 62) + 1; n < (1ULL << 62) + 2 * WINDOW; n += 2) {
        if (is_prime(n)) { window++; last = n; check = check * 31 + n; }
    }
    console_printf("miller-rabin: %d of %d random odd numbers prime, %d primes in (2^62, 2^62+%d), last %lu, "
                   "checksum %016lx\n", found, RANDOM_TESTS, window, 2 * WINDOW, (unsigned long)last,
                   (unsigned long)check);
    sys_exit((int)(check % 97));
}
