// Big factorials in base 10^9 limbs: (4000 + 61r)! for 6 values of r, each built from 1 by single-limb
// multiplies, then split into decimal digits for its digit sum: 64-bit multiply-add, division by a constant,
// carries.
#include "u-lib.h"

#define BASE   1000000000u
#define LIMBS  2048               // 18,432 digits: enough for 5,400!
#define ROUNDS 6

static uint32_t num[LIMBS];       // little-endian limbs
static int used;

static void set_one(void) { num[0] = 1; used = 1; }

static void mul_small(uint32_t k) {
    uint64_t carry = 0;
    for (int i = 0; i < used; i++) {
        uint64_t t = (uint64_t)num[i] * k + carry;
        num[i] = (uint32_t)(t % BASE);
        carry = t / BASE;
    }
    while (carry) {
        assert(used < LIMBS);
        num[used++] = (uint32_t)(carry % BASE);
        carry /= BASE;
    }
}

// Decimal digits, digit sum and trailing zeros of num, by taking each limb apart digit by digit.
static void digits(long* count, long* sum, long* zeros) {
    long s = 0, z = 0;
    int counting_zeros = 1;
    for (int i = 0; i < used; i++) {
        uint32_t v = num[i];
        int width = i == used - 1 ? 0 : 9;       // inner limbs have exactly 9 digits, leading zeros included
        for (int d = 0; d < 9 && (d < width || v); d++) {
            uint32_t digit = v % 10;
            v /= 10;
            s += digit;
            if (counting_zeros) { if (digit == 0) z++; else counting_zeros = 0; }
        }
    }
    uint32_t top = num[used - 1];
    int top_digits = 0;
    while (top) { top_digits++; top /= 10; }
    *count = (long)(used - 1) * 9 + top_digits;
    *sum = s;
    *zeros = z;
}

void process_main(void) {
    long count, sum, zeros;
    set_one();
    for (uint32_t k = 2; k <= 1000; k++) mul_small(k);
    digits(&count, &sum, &zeros);
    assert(count == 2568 && sum == 10539 && zeros == 249);     // 1000!

    uint64_t check = 0;
    uint32_t n = 0;
    for (int r = 0; r < ROUNDS; r++) {
        n = 4000 + 61 * (uint32_t)r;
        set_one();
        for (uint32_t k = 2; k <= n; k++) mul_small(k);
        digits(&count, &sum, &zeros);
        check = check * 1000003 + (uint64_t)sum * 7 + (uint64_t)count + (uint64_t)zeros;
        for (int i = 0; i < used; i += 17) check ^= (uint64_t)num[i] << (i & 31);
    }
    console_printf("bignum: %u! has %ld digits, digit sum %ld, %ld trailing zeros; checksum %016lx\n", n, count, sum,
                   zeros, (unsigned long)check);
    sys_exit((int)(check % 97));
}
