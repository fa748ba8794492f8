// eve (seed 003 G1; arg = target): asks page_alloc for a page of her own heap, or, given a target, for that
// address instead: the one changed argument of the confused-deputy attack. Reports what the kernel answered
// (1 for success, 0 for -1), then yields a while and exits.
#include "lib/u-lib.h"

void process_main(void) {
    uint64_t target = process_arg ? process_arg : HEAP_START;
    int result = sys_page_alloc((void*)target);
    console_printf("eve: page_alloc(%lu) succeeded? %lu\n", target, (uint64_t)(int64_t)result + 1);
    for (int i = 0; i < 200; i++) sys_yield();
}
