// forker (seed 003 E1/E2): x = 1 in .data; fork; the child sets x = 2 and reports; the parent yields while
// the child runs, then reports the x it sees. With a correct fork the parent still sees 1.
#include "lib/u-lib.h"

uint64_t x = 1;

void process_main(void) {
    pid_t pid = sys_fork();
    if (pid == 0) {
        x = 2;
        console_printf("child: set x = 2\n");
        sys_exit(0);
    }
    if (pid < 0) sys_exit(1);
    for (int i = 0; i < 20; i++) sys_yield();   // let the child run first
    console_printf("parent: x = %lu\n", x);
}
