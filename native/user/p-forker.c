// forker (seed 003 E1/E2): x = 1 in .data; fork; the child sets x = 2 and reports; the parent yields while
// the child runs, then reports the x it sees. With a correct fork the parent still sees 1.
//
// fork and yield are made in line, not through sys_fork/sys_yield: under the naive fork (copy_mappings only)
// the two processes share one stack page, and a return address the parent left there would be overwritten
// by the child's calls. In line, the parent has nothing on the stack while the child runs, so the naive
// kernel shows its real bug (the shared x) instead of a crash.
#include "lib/u-lib.h"

uint64_t x = 1;

static inline long syscall0(long number) {
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number) : "rcx", "r11", "memory");
    return result;
}

void process_main(void) {
    pid_t pid = (pid_t)syscall0(SYSCALL_FORK);
    if (pid == 0) {
        x = 2;
        console_printf("child: set x = 2\n");
        sys_exit(0);
    }
    if (pid < 0) sys_exit(1);
    for (int i = 0; i < 20; i++) syscall0(SYSCALL_YIELD);   // let the child run first
    console_printf("parent: x = %lu\n", x);
}
