// A WeensyOS-style allocator in C++ (u-lib.hh): take heap pages one at a time from the end of the program's
// data up to its stack page, faster the higher the pid, yielding between tries; once memory is full, report
// and keep yielding forever, as WeensyOS's allocators do. Run four of them to fill physical memory.
#include "u-lib.hh"
#ifndef FILL_PACE
#define FILL_PACE 40
#endif

extern uint8_t end[];

// On the data page, so a debugger (or the memory view) finds them.
uint8_t* heap_next;
uint8_t* stack_page;

void process_main() {
    pid_t me = sys_getpid();
    srand(1000 + me);

    uint8_t* heap_first = (uint8_t*) round_up((uintptr_t) end, PAGESIZE);
    heap_next = heap_first;
    stack_page = (uint8_t*) round_down((uintptr_t) rdrsp() - 1, PAGESIZE);

    unsigned pages = 0;
    while (heap_next != stack_page) {
        if (rand(1, FILL_PACE) <= me) {
            if (sys_page_alloc(heap_next) < 0) {
                break;
            }
            for (auto* word = (uint64_t*) heap_next; word != (uint64_t*) (heap_next + PAGESIZE); ++word) {
                assert(*word == 0, "a fresh page must be zero");
            }
            heap_next[0] = me;
            heap_next[PAGESIZE - 1] = me;
            console[CPOS(me, 79)] = '0' + me;
            ++pages;
            heap_next += PAGESIZE;
        }
        sys_yield();
    }

    for (uint8_t* page = heap_first; page != heap_next; page += PAGESIZE) {
        assert_eq(page[0], me);
        assert_eq(page[PAGESIZE - 1], me);
    }
    console_printf(CPOS(me, 0), COLOR_NORMAL, "pagefill %d: %u pages up to %p\n", me, pages, heap_next);

    while (true) {
        sys_yield();
    }
}
