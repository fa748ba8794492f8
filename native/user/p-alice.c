// alice (seed 003 F1/G1; arg = rounds, default 5): prints "alice (pid N): round i" and spins a while between
// lines, so the timer preempts her; then exits.
#include "lib/u-lib.h"

void process_main(void) {
    uint64_t rounds = process_arg ? process_arg : 5;
    for (uint64_t round = 1; round <= rounds; round++) {
        console_printf("alice (pid %d): round %lu\n", sys_getpid(), round);
        for (int i = 0; i < 1000; i++) __asm__ volatile("");   // a loop the compiler keeps
    }
}
