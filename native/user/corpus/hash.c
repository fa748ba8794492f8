// Hashing: FNV-1a, djb2, CRC-32 (bit by bit), a 64-bit finalizer, and an open-addressing hash table that
// inserts, finds and misses keys.
#include "../lib/u-lib.h"

static uint64_t fnv1a(const char* s, size_t n) {
    uint64_t h = 0xcbf29ce484222325UL;
    while (n--) h = (h ^ (uint8_t)*s++) * 0x100000001b3UL;
    return h;
}

static uint32_t djb2(const char* s) {
    uint32_t h = 5381;
    while (*s) h = h * 33 + (uint8_t)*s++;
    return h;
}

static uint32_t crc32(const char* s, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    while (n--) {
        c ^= (uint8_t)*s++;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
    }
    return ~c;
}

static uint64_t fmix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdUL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53UL;
    return k ^ (k >> 33);
}

#define SLOTS 512
static uint64_t keys[SLOTS], vals[SLOTS];

static int insert(uint64_t key, uint64_t val) {
    for (uint64_t i = fmix(key) & (SLOTS - 1), probes = 0; probes < SLOTS; i = (i + 1) & (SLOTS - 1), probes++)
        if (keys[i] == 0 || keys[i] == key) {
            keys[i] = key;
            vals[i] = val;
            return (int)probes;
        }
    return -1;
}

static uint64_t* find(uint64_t key) {
    for (uint64_t i = fmix(key) & (SLOTS - 1), probes = 0; probes < SLOTS && keys[i]; i = (i + 1) & (SLOTS - 1), probes++)
        if (keys[i] == key) return &vals[i];
    return 0;
}

void process_main(void) {
    const char* words[] = {"", "a", "abc", "message digest", "The quick brown fox jumps over the lazy dog", "123456789"};
    for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++)
        console_printf("\"%s\": fnv1a %016lx djb2 %08x crc32 %08x\n", words[i], fnv1a(words[i], strlen(words[i])),
                       djb2(words[i]), crc32(words[i], strlen(words[i])));
    int probes = 0;
    for (uint64_t k = 1; k <= 400; k++) probes += insert(k * 2654435761UL, k * k);
    uint64_t found = 0, missing = 0;
    for (uint64_t k = 1; k <= 500; k++) {
        uint64_t* v = find(k * 2654435761UL);
        if (v) found += *v;
        else missing++;
    }
    console_printf("table: %d extra probes, sum of found %lu, missing %lu, fmix(42) %016lx\n", probes, found, missing, fmix(42));
    sys_exit((int)missing);
}
