// hostile (arg = seed): a random attacker for the kernel fuzz. A xorshift64 generator picks, each round, a
// syscall (any number, pipes included, with addresses aimed at the kernel half, the console, the user range or
// anywhere, aligned or not, and lengths small or huge) or a load or store at such an address.
// A C program keeps state on its stack, so its own stores skip the
// live part of the stack ([rsp - 128, top)); every other address is fair game.
#include "lib/u-lib.h"

static const char own_name[] = "hostile";

// An address worth trying: anywhere (1/4), the low megabyte with the kernel and console (1/4), user space (1/2).
static inline uint64_t pick(uint64_t* state) {
    uint64_t a = rand_next(state);
    uint64_t top = a >> 60;
    if (top <= 3) return a;
    if (top <= 7) return a & 0xfffff;
    return (a & 0x1fffff) + PROC_START_ADDR;
}

static inline int live_stack(uint64_t a) {
    uint64_t rsp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
    return a >= rsp - 128 && a < MEMSIZE_VIRTUAL;
}

static inline long number_for(uint64_t choice, uint64_t random) {
    if (choice <= 9) return SYSCALL_WRITE;
    if (choice <= 15) return SYSCALL_PAGE_ALLOC;
    if (choice <= 19) return SYSCALL_GETPID;
    if (choice <= 23) return SYSCALL_YIELD;
    if (choice <= 25) return (long)random;           // any number at all
    if (choice == 26) return SYSCALL_PIPEWRITE;
    if (choice == 27) return SYSCALL_PIPEREAD;
    if (choice == 28) return SYSCALL_FORK;
    if (choice == 30) return SYSCALL_EXIT;
    return SYSCALL_SPAWN;                            // 29: a random name; 31: its own name
}

void process_main(void) {
    uint64_t state = process_arg ? process_arg : 88172645463325252UL;
    for (;;) {
        uint64_t what = rand_next(&state) & 63;
        if (what == 0) {
            (void)*(volatile uint8_t*)pick(&state);
        } else if (what == 1) {
            uint64_t a = pick(&state);
            if (!live_stack(a)) *(volatile uint8_t*)a = (uint8_t)a;
        } else if (what == 2) {
            uint64_t a = STACK_PAGE + (rand_next(&state) & 0xff8);
            if (!live_stack(a)) *(volatile uint64_t*)a = state;
        } else {
            uint64_t addr = pick(&state);
            if (rand_next(&state) & 1) addr &= ~(PAGESIZE - 1);
            uint64_t len = rand_next(&state);
            if (!(len & 2)) len &= 0x1fff;
            uint64_t other = rand_next(&state);
            uint64_t choice = rand_next(&state) & 31;
            if (choice == 31) addr = (uint64_t)own_name;
            sys_call(number_for(choice, other), addr, len, other);
        }
    }
}
