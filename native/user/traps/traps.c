// Deliberate faults, one per build (-DCASE=N): #DE at every width, #PF (NULL, read-only, no-execute, wild),
// #UD, stack overflow. Prints a line first so the output before the fault is compared too.
#include "../lib/u-lib.h"
volatile long zero = 0, minus1 = -1, stop = 0;
static const int ro = 5;
static unsigned char code_in_data[16] = {0xc3};
__attribute__((noinline)) static long recurse(long n) { volatile char pad[64]; pad[0] = (char)n; if (stop) return 0; return recurse(n + 1) + pad[0]; }
void process_main(void) {
    console_printf("case %d\n", CASE);
    long r = 0;
    switch (CASE) {
    case 1: r = 10 / (int)zero; break;
    case 2: { volatile int m = -2147483647 - 1; r = m / (int)minus1; break; }
    case 3: r = 10L / zero; break;
    case 4: { volatile long m = (-9223372036854775807L - 1); r = m / minus1; break; }
    case 5: r = (long)(10UL / (unsigned long)zero); break;
    case 6: { uint8_t q; uint16_t ax = 0x1234; uint8_t d = 0x12; __asm__ volatile("divb %2" : "=a"(q) : "a"(ax), "q"(d)); r = q; break; }
    case 7: { uint16_t ax = 0x8000, dx = 0; int16_t d = -1; __asm__ volatile("idivw %2" : "+a"(ax), "+d"(dx) : "r"(d)); r = ax; break; }
    case 8: { uint8_t q; uint16_t ax = 100; uint8_t d = (uint8_t)zero; __asm__ volatile("divb %2" : "=a"(q) : "a"(ax), "q"(d)); r = q; break; }
    case 9: { uint64_t ax = 0, dx = 0x8000000000000000UL; int64_t d = -1; __asm__ volatile("idivq %2" : "+a"(ax), "+d"(dx) : "r"(d)); r = (long)ax; break; }
    case 10: r = *(volatile int*)zero; break;
    case 11: *(volatile int*)(zero + 8) = 1; break;
    case 12: *(volatile int*)&ro = 6; break;
    case 13: ((void (*)(void))code_in_data)(); break;
    case 14: __builtin_trap();
    case 15: r = recurse(0); break;
    case 16: r = *(volatile long*)0x7ffff000; break;
    case 17: ((void (*)(void))zero)(); break;
    case 18: __asm__ volatile("ud2"); break;
    case 19: __asm__ volatile("hlt"); break;
    case 20: { volatile char big[20000]; big[0] = 1; big[19999] = 2; r = big[0] + big[19999]; break; }
    }
    console_printf("survived %ld\n", r);
}
