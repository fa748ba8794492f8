// Page-straddling loads and stores at every width, in data, on the heap and through memcpy/memmove.
#include "../lib/u-lib.h"
static unsigned char area[3 * 4096] __attribute__((aligned(4096)));
static uint64_t h = 1469598103934665603UL;
static void fold(uint64_t v) { h = (h ^ v) * 1099511628211UL; }
__attribute__((noinline)) static void poke(unsigned char* base, long off, uint64_t v) {
    *(volatile uint16_t*)(base + off) = (uint16_t)v;
    *(volatile uint32_t*)(base + off + 16) = (uint32_t)v;
    *(volatile uint64_t*)(base + off + 32) = v;
}
__attribute__((noinline)) static uint64_t peek(unsigned char* base, long off) {
    return *(volatile uint16_t*)(base + off) ^ (uint64_t)*(volatile uint32_t*)(base + off + 16) << 7
         ^ *(volatile uint64_t*)(base + off + 32);
}
void process_main(void) {
    for (long off = 4096 - 40; off < 4096; off++) { poke(area, off, 0x0102030405060708UL * (uint64_t)off); fold(peek(area, off)); }
    for (long off = 2 * 4096 - 40; off < 2 * 4096; off++) { poke(area, off, ~(uint64_t)off << 13); fold(peek(area, off)); }
    static unsigned char heapa[2 * 4096] __attribute__((aligned(4096)));
    unsigned char* heap = heapa;
    for (int i = 0; i < 8192; i++) heap[i] = (unsigned char)(i * 7);
    for (long off = 4096 - 40; off < 4096; off += 3) { poke(heap, off, (uint64_t)off * 0x9E3779B97F4A7C15UL); fold(peek(heap, off)); }
    __builtin_memmove(area + 4000, area + 4090, 300);
    __builtin_memcpy(heap + 4000, area + 4000, 200);
    __builtin_memmove(heap + 4050, heap + 4000, 100);
    for (int i = 0; i < 8192; i++) fold(heap[i]);
    for (int i = 0; i < 3 * 4096; i++) fold(area[i]);
    console_printf("straddle %016lx\n", h);
    sys_exit(3);
}
