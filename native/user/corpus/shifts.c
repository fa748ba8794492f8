// Shifts and bit operations: shl/shr/sar by every count (the CPU masks it), 8/16/32-bit shifts, rotates,
// double shifts (shld/shrd through __int128), bswap, and bit scans, popcount and parity.
#include "../lib/u-lib.h"

static volatile uint64_t inputs[] = {0x8000000000000001UL, 0x0123456789ABCDEFUL, 0xFFFFFFFFFFFFFFFFUL, 1, 0,
                                     0xF0F0F0F0F0F0F0F0UL, 0x00000000FFFFFFFFUL, 0x7FFFFFFF80000000UL};
#define N (sizeof inputs / sizeof inputs[0])

__attribute__((noinline)) static uint64_t fold(uint64_t h, uint64_t v) {
    return (h ^ v) * 0x100000001B3UL;
}

__attribute__((noinline)) static uint64_t shift_all(uint64_t x, unsigned n) {
    uint64_t h = 0;
    h = fold(h, x << (n & 63));
    h = fold(h, x >> (n & 63));
    h = fold(h, (uint64_t)((int64_t)x >> (n & 63)));
    h = fold(h, (uint32_t)x << (n & 31));
    h = fold(h, (uint64_t)((int32_t)x >> (n & 31)));
    h = fold(h, (uint16_t)((uint16_t)x << (n & 15)));
    h = fold(h, (uint64_t)(int64_t)(int8_t)((int8_t)x >> (n & 7)));
    h = fold(h, (x << (n & 63)) | (x >> ((64 - n) & 63)));                                   // rol
    h = fold(h, ((uint32_t)x >> (n & 31)) | ((uint32_t)x << ((32 - n) & 31)));                 // ror32
    unsigned __int128 d = (unsigned __int128)x << 64 | (x ^ 0x5555555555555555UL);
    h = fold(h, (uint64_t)(d >> (n & 127)));                                                 // shrd
    h = fold(h, (uint64_t)((d << (n & 127)) >> 64));                                         // shld
    return h;
}

__attribute__((noinline)) static uint64_t bits(uint64_t x) {
    uint64_t h = fold(0, __builtin_bswap64(x));
    h = fold(h, __builtin_bswap32((uint32_t)x));
    h = fold(h, (uint64_t)__builtin_popcountll(x));
    h = fold(h, (uint64_t)__builtin_parityll(x));
    h = fold(h, (uint64_t)__builtin_parity((uint32_t)x & 0xFF));
    if (x) h = fold(fold(h, (uint64_t)__builtin_clzll(x)), (uint64_t)__builtin_ctzll(x));
    h = fold(h, x & -x);                 // lowest set bit
    h = fold(h, x & (x - 1));            // clear it
    h = fold(h, (x >> 17) & 1 ? ~x : x);  // bt
    return h;
}

void process_main(void) {
    uint64_t h = 0, b = 0;
    for (size_t i = 0; i < N; i++) {
        for (unsigned n = 0; n < 130; n++) h = fold(h, shift_all(inputs[i], n));
        b = fold(b, bits(inputs[i]));
    }
    console_printf("shifts: %016lx\nbits: %016lx\n", h, b);
    uint64_t one = inputs[3];
    console_printf("1 << 63 = %lx, -1 >> 63 = %ld, 0x80000000 >> 31 (signed 32) = %d\n", one << 63,
                   (int64_t)inputs[2] >> 63, (int32_t)(uint32_t)(inputs[6] & 0x80000000) >> 31);
    console_printf("clz(1) = %d, ctz(0x8000000000000001) = %d, popcount(-1) = %d\n", __builtin_clzll(inputs[3]),
                   __builtin_ctzll(inputs[0]), __builtin_popcountll(inputs[2]));
    sys_exit((int)(b & 0x3f));
}
