// Bit tricks by hand: popcount, trailing zeros and bit reversal in loops, a Gray code and a xorshift generator,
// driven by a four-state machine in a switch; 0.15 G instructions at -O2.
#include "u-lib.h"
static int pop(uint64_t x) { int n = 0; while (x) { x &= x - 1; n++; } return n; }
static int ctz(uint64_t x) { int n = 0; if (!x) return 64; while (!(x & 1)) { x >>= 1; n++; } return n; }
static uint32_t rev(uint32_t x) { uint32_t r = 0; for (int i = 0; i < 32; i++) { r = (r << 1) | (x & 1); x >>= 1; } return r; }
void process_main(void) {
    uint64_t s = 0x9E3779B97F4A7C15ULL, acc = 0; int st = 0;
    for (long i = 0; i < 1200000; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        uint64_t g = i ^ (i >> 1);
        switch (st) {
        case 0: acc += pop(s); st = s & 3; break;
        case 1: acc ^= ctz(s | 1ULL << 40) * 0x1234567ULL; st = (s >> 2) & 3; break;
        case 2: acc += rev((uint32_t)s) ^ g; st = (s >> 4) % 5 & 3; break;
        default: acc = (acc << 7 | acc >> 57) + g; st = (int)(acc & 3); break;
        }
    }
    console_printf("bittricks %lx\n", (unsigned long)acc);
    sys_exit((int)(acc % 97));
}
