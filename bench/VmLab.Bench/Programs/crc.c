// Bit-at-a-time CRC-32 of a 16 KiB buffer, 140 times: shifts, conditional xors, tight data-dependent branches.
#include "u-lib.h"

#define SIZE 16384
static uint8_t data[SIZE];

static uint32_t crc32(const uint8_t* p, long n, uint32_t crc) {
    crc = ~crc;
    for (long i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

void process_main(void) {
    uint64_t state = 3;
    for (long i = 0; i < SIZE; i++) data[i] = (uint8_t)rand_next(&state);
    uint32_t crc = 0;
    for (int round = 0; round < 140; round++) {
        crc = crc32(data, SIZE, crc);
        data[round] = (uint8_t)crc;
    }
    console_printf("crc: %08x\n", crc);
    sys_exit((int)(crc % 97));
}
