// allocator (seed 003's p-allocator): page_alloc a heap page after page from HEAP_START, touching each, until
// the kernel says no or the heap meets the stack; reports the count, yields a while (so the others fill up
// too), exits.
#include "lib/u-lib.h"

void process_main(void) {
    unsigned long pages = 0;
    for (uintptr_t va = HEAP_START; va < STACK_PAGE; va += PAGESIZE) {
        if (sys_page_alloc((void*)va) != 0) break;
        *(volatile uint64_t*)va = va;      // touch the new page
        pages++;
        sys_yield();
    }
    console_printf("allocator pid %d: %lu pages, then page_alloc said no\n", sys_getpid(), pages);
    for (int i = 0; i < 40; i++) sys_yield();
}
