// A WeensyOS-style fork-and-exit stress test in C++ (u-lib.hh): processes fork, exit and take heap pages at
// random; each remembers what it wrote to which page (a global array, copied by fork) and checks it on later
// visits. Every process exits after a bounded number of rounds, so memory must come back whole at the end.
#include "u-lib.hh"
#ifndef CHURN_ROUNDS
#define CHURN_ROUNDS 400
#endif

extern uint8_t end[];

uint8_t marks[256];

void process_main() {
    pid_t me = sys_getpid();
    srand(me);
    uint8_t* heap_first = (uint8_t*) round_up((uintptr_t) end, PAGESIZE);
    uint8_t* heap_next = heap_first;
    uint8_t* stack_page = (uint8_t*) round_down((uintptr_t) rdrsp() - 1, PAGESIZE);
    unsigned forks = 0;

    for (int round = 0; round != CHURN_ROUNDS; ++round) {
        int choice = rand(0, 999);
        if (choice < 20) {
            if (forks < 3 && (++forks, sys_fork() == 0)) {
                pid_t child = sys_getpid();
                assert_ne(child, me);
                me = child;
                srand(me * 31 + round);
            }
        } else if (choice < 22) {
            sys_exit();
        } else if (choice < 300 && heap_next != stack_page) {
            if (sys_page_alloc(heap_next) == 0) {
                unsigned pn = (heap_next - heap_first) / PAGESIZE;
                assert_eq(*heap_next, 0);
                *heap_next = marks[min(pn, (unsigned) arraysize(marks) - 1)] = (uint8_t) me;
                heap_next += PAGESIZE;
            }
        } else if (heap_next != heap_first) {
            unsigned pn = rand(0, (int) ((heap_next - heap_first) / PAGESIZE) - 1);
            if (pn < arraysize(marks) - 1) {
                uint8_t* page = heap_first + pn * PAGESIZE;
                assert_eq(*page, marks[pn]);
                *page = marks[pn] = (uint8_t) me;
            }
        }
        sys_yield();
    }
    console_printf(CPOS(20, 0), COLOR_NORMAL, "forkchurn %d: done, %u pages\n", me, (unsigned) ((heap_next - heap_first) / PAGESIZE));
}
