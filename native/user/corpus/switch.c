// Switch statements: a dense switch gcc compiles to a jump table (an indirect jmp through .rodata), a sparse
// one it compiles to a compare tree, and a switch on characters, run over a range of inputs around them.
#include "../lib/u-lib.h"

__attribute__((noinline)) static int64_t dense(int64_t x) {
    switch (x) {
    case 0: return 17;
    case 1: return x * 3 + 1;
    case 2: return -4;
    case 3: return x << 5;
    case 4: return 1000;
    case 5: return x ^ 0x55;
    case 6: return 6006;
    case 7: return -x;
    case 8: return 88;
    case 9: return x * x * x;
    case 10: return 1;
    case 11: return 121;
    default: return x / 2 - 1;
    }
}

__attribute__((noinline)) static int sparse(uint64_t x) {
    switch (x) {
    case 1: return 1;
    case 100: return 2;
    case 1000: return 3;
    case 65536: return 4;
    case 0xDEADBEEF: return 5;
    case 0xFFFFFFFFFFFFFFFFUL: return 6;
    default: return 0;
    }
}

__attribute__((noinline)) static int classify(char c) {
    switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u': return 1;
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9': return 2;
    case ' ': case '\t': case '\n': return 3;
    case '.': case ',': case '!': case '?': return 4;
    default: return 0;
    }
}

void process_main(void) {
    int64_t d = 0;
    for (int64_t x = -5; x < 20; x++) d = d * 7 + dense(x);
    uint64_t probes[] = {0, 1, 2, 99, 100, 101, 1000, 65535, 65536, 0xDEADBEEF, 0xDEADBEEE, ~0UL, ~1UL};
    int s = 0;
    for (unsigned i = 0; i < sizeof probes / sizeof probes[0]; i++) s = s * 3 + sparse(probes[i]);
    int counts[5] = {0};
    const char* text = "Hello, world! 42 vowels are counted in 2026, aren't they?\n";
    for (const char* p = text; *p; p++) counts[classify(*p)]++;
    console_printf("dense: %ld\nsparse: %d\nclasses: %d %d %d %d %d\n", d, s, counts[0], counts[1], counts[2], counts[3], counts[4]);
    sys_exit(counts[1]);
}
