// Integer arithmetic at the edges: carries and overflows (the flags gcc reads with jo/jc/seto/setc/adc),
// signed and unsigned comparisons, every operand width (movzx/movsx), 128-bit add and multiply.
#include "../lib/u-lib.h"

static uint64_t seed = 0x0123456789ABCDEFUL;

static const uint64_t edges[] = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000,
                                 0xFFFFFFFF, 0x100000000UL, 0x7FFFFFFFFFFFFFFFUL, 0x8000000000000000UL,
                                 0xFFFFFFFFFFFFFFFEUL, 0xFFFFFFFFFFFFFFFFUL};
#define NEDGE (sizeof edges / sizeof edges[0])

__attribute__((noinline)) static uint64_t mix(uint64_t h, uint64_t v) {
    return (h ^ v) * 0x100000001B3UL;
}

__attribute__((noinline)) static uint64_t flags_of(uint64_t a, uint64_t b) {
    uint64_t r, f = 0;
    int64_t s;
    int32_t s32;
    uint16_t r16;
    f |= (uint64_t)__builtin_add_overflow(a, b, &r) << 0;
    f |= (uint64_t)__builtin_add_overflow((int64_t)a, (int64_t)b, &s) << 1;
    f |= (uint64_t)__builtin_sub_overflow(a, b, &r) << 2;
    f |= (uint64_t)__builtin_sub_overflow((int64_t)a, (int64_t)b, &s) << 3;
    f |= (uint64_t)__builtin_mul_overflow(a, b, &r) << 4;
    f |= (uint64_t)__builtin_mul_overflow((int64_t)a, (int64_t)b, &s) << 5;
    f |= (uint64_t)((int64_t)a < (int64_t)b) << 6;
    f |= (uint64_t)(a < b) << 7;
    f |= (uint64_t)((int32_t)a <= (int32_t)b) << 8;
    f |= (uint64_t)((uint32_t)a > (uint32_t)b) << 9;
    f |= (uint64_t)((int16_t)a >= (int16_t)b) << 10;
    f |= (uint64_t)((uint8_t)a == (uint8_t)b) << 11;
    f |= (uint64_t)__builtin_add_overflow((int32_t)a, (int32_t)b, &s32) << 12;
    f |= (uint64_t)__builtin_sub_overflow((uint16_t)a, (uint16_t)b, &r16) << 13;
    return f;
}

__attribute__((noinline)) static uint64_t widths(uint64_t a) {
    int64_t sb = (int8_t)a, sw = (int16_t)a, sd = (int32_t)a;
    uint64_t zb = (uint8_t)a, zw = (uint16_t)a, zd = (uint32_t)a;
    return mix(mix(mix(mix(mix(mix(0, (uint64_t)sb), (uint64_t)sw), (uint64_t)sd), zb), zw), zd);
}

__attribute__((noinline)) static uint64_t wide(uint64_t a, uint64_t b) {
    unsigned __int128 p = (unsigned __int128)a * b;
    __int128 q = (__int128)(int64_t)a * (int64_t)b;
    unsigned __int128 s = ((unsigned __int128)a << 64 | b) + ((unsigned __int128)b << 64 | a);
    return mix(mix(mix(mix((uint64_t)p, (uint64_t)(p >> 64)), (uint64_t)q), (uint64_t)(q >> 64)), (uint64_t)(s >> 64) ^ (uint64_t)s);
}

__attribute__((noinline)) static int64_t choose(int64_t a, int64_t b) {
    int64_t m = a < b ? a : b;                  // cmov
    uint64_t abs = a < 0 ? -(uint64_t)a : (uint64_t)a;
    return m + (int64_t)(abs >> 1) + (a == b) - (a > b);
}

void process_main(void) {
    uint64_t h = 0;
    for (size_t i = 0; i < NEDGE; i++)
        for (size_t j = 0; j < NEDGE; j++) {
            uint64_t f = flags_of(edges[i], edges[j]);
            h = mix(h, f);
            h = mix(h, wide(edges[i], edges[j]));
            h = mix(h, (uint64_t)choose((int64_t)edges[i], (int64_t)edges[j]));
        }
    console_printf("edges: %016lx\n", h);
    console_printf("flags(max, 1) = %lx, flags(INT64_MIN, -1) = %lx\n", flags_of(~0UL, 1), flags_of(1UL << 63, ~0UL));
    uint64_t w = 0;
    for (int i = 0; i < 1000; i++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        w = mix(w, widths(seed)) + flags_of(seed, seed >> 7);
    }
    console_printf("widths: %016lx\n", w);
    console_printf("neg: %ld %ld %d %d\n", -(int64_t)edges[13], (int64_t)(0 - edges[5]), (int8_t)edges[4], (int16_t)edges[7]);
    sys_exit((int)(h & 0x7f));
}
