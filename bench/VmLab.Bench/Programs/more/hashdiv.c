// An open-addressing hash table keyed by strings, its size a prime (so a div for every index and step), with
// inserts, lookups, deletions by tombstones and their sweeps, over 400,000 generated words; 0.13 G instructions at -O2.
#include "u-lib.h"
#define SIZE 2003
static char keys[SIZE][16];
static uint32_t vals[SIZE];
static unsigned char state[SIZE];   // 0 empty, 1 used, 2 deleted
static uint64_t seed = 12345;
static uint32_t rnd(void) { seed = seed * 6364136223846793005ULL + 1442695040888963407ULL; return (uint32_t)(seed >> 33); }
static uint32_t hash(const char* s) { uint32_t h = 2166136261u; while (*s) { h ^= (unsigned char)*s++; h *= 16777619u; } return h; }
static void word(char* w, uint32_t r) { int n = 3 + r % 9; for (int i = 0; i < n; i++) { w[i] = 'a' + r % 26; r = r / 26 + i * 7; } w[n] = 0; }
static long find(const char* w, int insert) {
    uint32_t h = hash(w), i = h % SIZE, step = 1 + h % (SIZE - 2);
    long tomb = -1;
    for (int probes = 0; probes < SIZE; probes++) {
        if (state[i] == 0) { if (!insert) return -1; long at = tomb >= 0 ? tomb : i; strcpy(keys[at], w); state[at] = 1; vals[at] = 0; return at; }
        if (state[i] == 2) { if (tomb < 0) tomb = i; }
        else if (strcmp(keys[i], w) == 0) return i;
        i = (i + step) % SIZE;
    }
    return -1;
}
void process_main(void) {
    char w[16];
    uint64_t check = 0; long live = 0;
    for (int op = 0; op < 400000; op++) {
        uint32_t r = rnd();
        word(w, r % 1500 * 2654435761u);
        if (r % 5 == 0) { long at = find(w, 0); if (at >= 0) { state[at] = 2; live--; } }
        else { long at = find(w, 1); if (at >= 0) { if (vals[at] == 0) live++; vals[at]++; check += vals[at] * (op % 13); } }
        if (live > SIZE * 3 / 4) for (int k = 0; k < SIZE; k++) if (state[k] == 2) state[k] = 0;
    }
    console_printf("hashdiv live %ld check %lx\n", live, (unsigned long)check);
    sys_exit((int)(check % 97));
}
