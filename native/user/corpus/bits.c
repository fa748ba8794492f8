// Bit builtins at every width: popcount, clz, ctz, ffs, parity, clrsb, bswap, rotates.
#include "../lib/u-lib.h"
static uint64_t h = 1469598103934665603UL;
static void fold(uint64_t v) { h = (h ^ v) * 1099511628211UL; }
__attribute__((noinline)) static uint64_t id(uint64_t v) { return v; }
static uint8_t rol8(uint8_t x, unsigned n) { n &= 7; return (uint8_t)(x << n | x >> ((8 - n) & 7)); }
static uint16_t ror16(uint16_t x, unsigned n) { n &= 15; return (uint16_t)(x >> n | x << ((16 - n) & 15)); }
static uint32_t rol32(uint32_t x, unsigned n) { n &= 31; return x << n | x >> ((32 - n) & 31); }
static uint64_t ror64(uint64_t x, unsigned n) { n &= 63; return x >> n | x << ((64 - n) & 63); }
void process_main(void) {
    uint64_t x = 0x9E3779B97F4A7C15UL;
    for (int i = 0; i < 400; i++) {
        uint64_t v = id(x);
        if (i % 7 == 0) v &= v >> (i % 60);
        if (i % 11 == 0) v = (uint64_t)1 << (i % 64);
        uint32_t w = (uint32_t)v; uint16_t s = (uint16_t)v; uint8_t b = (uint8_t)v;
        fold((uint64_t)__builtin_popcountll(v)); fold((uint64_t)__builtin_popcount(w)); fold((uint64_t)__builtin_popcount(s));
        if (v) { fold((uint64_t)__builtin_clzll(v)); fold((uint64_t)__builtin_ctzll(v)); }
        if (w) { fold((uint64_t)__builtin_clz(w)); fold((uint64_t)__builtin_ctz(w)); }
        if (s) fold((uint64_t)__builtin_ctz(s) + 100 * (uint64_t)__builtin_clz((uint32_t)s << 16));
        fold((uint64_t)__builtin_ffsll((long long)v)); fold((uint64_t)__builtin_ffs((int)w));
        fold((uint64_t)__builtin_parityll(v)); fold((uint64_t)__builtin_parity(b));
        fold((uint64_t)__builtin_clrsbll((long long)v)); fold((uint64_t)__builtin_clrsb((int)w));
        fold(__builtin_bswap64(v)); fold(__builtin_bswap32(w)); fold(__builtin_bswap16(s));
        fold(rol8(b, i)); fold(ror16(s, i)); fold(rol32(w, i)); fold(ror64(v, i));
        x = x * 6364136223846793005UL + 1442695040888963407UL;
    }
    console_printf("bits %016lx\n", h);
    sys_exit((int)(h % 100));   // below 128: a status, never mistaken for a signal
}
