// Hashes a 16 KiB buffer with FNV-1a and a murmur-style mixer, 1,200 times: loads, multiplies, rotates, xors.
#include "u-lib.h"

#define SIZE 16384
static uint8_t buffer[SIZE];

static uint64_t fnv(const uint8_t* p, long n, uint64_t h) {
    for (long i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001B3UL;
    return h;
}

static uint64_t mix(const uint64_t* p, long n, uint64_t h) {
    for (long i = 0; i < n; i++) {
        uint64_t k = p[i] * 0x87C37B91114253D5UL;
        k = (k << 31) | (k >> 33);
        h ^= k * 0x4CF5AD432745937FUL;
        h = ((h << 27) | (h >> 37)) * 5 + 0x52DCE729;
    }
    return h;
}

void process_main(void) {
    uint64_t state = 12345, h = 0xcbf29ce484222325UL;
    for (long i = 0; i < SIZE; i++) buffer[i] = (uint8_t)rand_next(&state);
    for (int round = 0; round < 1200; round++) {
        h = fnv(buffer, SIZE, h);
        h = mix((const uint64_t*)buffer, SIZE / 8, h);
        buffer[round] ^= (uint8_t)h;
    }
    console_printf("hash: %016lx\n", h);
    sys_exit((int)(h % 97));
}
