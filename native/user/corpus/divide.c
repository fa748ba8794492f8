// Division: div and idiv at every width, negative dividends (truncation toward zero), constant divisors
// (multiply-by-reciprocal), powers of two (shift with bias), and 128-bit division through libgcc.
// No division by zero and no INT_MIN / -1: those trap (#DE), which is the CPU tests' business.
#include "../lib/u-lib.h"

static const int64_t values[] = {0, 1, -1, 2, -2, 3, 7, -7, 10, 100, -100, 255, 256, -129, 32767, -32768, 65535,
                                 2147483647, -2147483647 - 1, 4294967295, 1000000007, -1000000007,
                                 9223372036854775807, -9223372036854775807 - 1};
#define N (sizeof values / sizeof values[0])

__attribute__((noinline)) static uint64_t fold(uint64_t h, uint64_t v) {
    return (h ^ v) * 0x100000001B3UL;
}

__attribute__((noinline)) static uint64_t divide(int64_t a, int64_t b) {
    uint64_t h = 0;
    if (b == 0) return 1;
    if (!(a == INT64_MIN && b == -1)) h = fold(fold(h, (uint64_t)(a / b)), (uint64_t)(a % b));
    h = fold(fold(h, (uint64_t)a / (uint64_t)b), (uint64_t)a % (uint64_t)b);
    int32_t a32 = (int32_t)a, b32 = (int32_t)b;
    if (b32 != 0 && !(a32 == INT32_MIN && b32 == -1)) h = fold(fold(h, (uint64_t)(a32 / b32)), (uint64_t)(a32 % b32));
    if ((uint32_t)b != 0) h = fold(h, (uint32_t)a / (uint32_t)b + (uint32_t)a % (uint32_t)b);
    int16_t a16 = (int16_t)a, b16 = (int16_t)b;
    if (b16 != 0 && !(a16 == INT16_MIN && b16 == -1)) h = fold(h, (uint64_t)(a16 / b16 * 1000 + a16 % b16));
    uint8_t a8 = (uint8_t)a, b8 = (uint8_t)b;
    if (b8 != 0) h = fold(h, (uint64_t)(a8 / b8) << 8 | (a8 % b8));
    return h;
}

__attribute__((noinline)) static uint64_t constants(int64_t a) {
    return fold(fold(fold(fold(fold(0, (uint64_t)(a / 3)), (uint64_t)(a % 7)), (uint64_t)a / 10), (uint64_t)(a / 8)),
                (uint64_t)(a % 16)) + (uint64_t)(a / -5) + (uint64_t)a / 1000000007;
}

__attribute__((noinline)) static uint64_t wide(uint64_t hi, uint64_t lo, uint64_t d) {
    unsigned __int128 n = (unsigned __int128)hi << 64 | lo;
    __int128 s = (__int128)n;
    return fold(fold((uint64_t)(n / d), (uint64_t)(n % d)), (uint64_t)(s / (int64_t)d));
}

// 128 by 128 bits: divisors above 2^64 take the long way, and the signed forms fix up the signs.
__attribute__((noinline)) static uint64_t wider(uint64_t a, uint64_t b, uint64_t c, uint64_t e) {
    unsigned __int128 n = (unsigned __int128)a << 64 | b, d = (unsigned __int128)c << 64 | e;
    if (d == 0) return 0;
    __int128 sn = (__int128)n, sd = (__int128)d;
    uint64_t h = fold(fold((uint64_t)(n / d), (uint64_t)((n / d) >> 64)), (uint64_t)(n % d) ^ (uint64_t)((n % d) >> 64));
    if (!(sd == -1 && n == (unsigned __int128)1 << 127))
        h = fold(fold(fold(h, (uint64_t)(sn / sd)), (uint64_t)((sn / sd) >> 64)), (uint64_t)(sn % sd) ^ (uint64_t)((sn % sd) >> 64));
    return h;
}

void process_main(void) {
    uint64_t h = 0, c = 0, w = 0;
    for (size_t i = 0; i < N; i++) {
        c = fold(c, constants(values[i]));
        for (size_t j = 0; j < N; j++) h = fold(h, divide(values[i], values[j]));
    }
    for (size_t i = 1; i < N; i++) w = fold(w, wide((uint64_t)values[i], (uint64_t)values[N - i], (uint64_t)values[i] | 1));
    uint64_t x = 0;
    for (size_t i = 0; i < N; i += 3)
        for (size_t j = 0; j < N; j += 2)
            x = fold(x, wider((uint64_t)values[i], (uint64_t)values[j], (uint64_t)values[(i + j) % N] >> (j % 7), (uint64_t)values[N - 1 - j]));
    console_printf("all pairs: %016lx\n", h);
    console_printf("128 by 128: %016lx\n", x);
    console_printf("constants: %016lx\n", c);
    console_printf("128-bit: %016lx\n", w);
    console_printf("-7 / 2 = %ld, -7 %% 2 = %ld, 7 / -2 = %ld, -7 >> 1 = %ld\n", values[7] / 2, values[7] % 2, values[6] / -2, values[7] >> 1);
    sys_exit((int)(h % 100));
}
