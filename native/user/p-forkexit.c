// forkexit (seed 003 E3/E4; arg = cycles, default 100): fork; the child exits at once with status 7; the parent
// counts and yields. A fork that fails (no slot, no memory) is retried after a yield.
#include "lib/u-lib.h"

void process_main(void) {
    uint64_t cycles = process_arg ? process_arg : 100;
    uint64_t forked = 0;
    while (forked < cycles) {
        pid_t pid = sys_fork();
        if (pid == 0) sys_exit(7);
        if (pid > 0) forked++;
        sys_yield();
    }
    console_printf("forkexit: %lu children forked and exited\n", forked);
}
