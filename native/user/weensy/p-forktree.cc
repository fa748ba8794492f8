// A WeensyOS-style fork test in C++ (u-lib.hh): two forks make four processes; each checks what fork returned,
// that globals spanning several pages were copied (read-only and writable ones), that its own writes stay its
// own across a yield, then takes a few heap pages and exits with WeensyOS's sys_exit().
#include "u-lib.hh"

extern uint8_t end[];

struct spread {
    long head;
    char middle[2 * PAGESIZE];
    long tail;
};
const spread constant_spread = {17, {0}, 71};
spread shared_spread;
pid_t seen[4];

static void take_pages(pid_t me, int count) {
    uint8_t* page = (uint8_t*) round_up((uintptr_t) end, PAGESIZE);
    for (int i = 0; i != count; ++i, page += PAGESIZE) {
        assert(sys_page_alloc(page) == 0);
        memset(page, me, PAGESIZE);
    }
    page = (uint8_t*) round_up((uintptr_t) end, PAGESIZE);
    for (int i = 0; i != count; ++i, page += PAGESIZE) {
        assert(memchr(page, me ^ 1, PAGESIZE) == nullptr);
    }
}

void process_main() {
    pid_t first = sys_getpid();
    assert_gt(first, 0);
    shared_spread.head = first;
    shared_spread.middle[PAGESIZE + 5] = 'f';

    pid_t a = sys_fork();
    assert(a >= 0 && a < PID_MAX, "fork failed");
    pid_t after_a = sys_getpid();
    assert(a == 0 ? after_a != first : after_a == first && a != first);

    pid_t b = sys_fork();
    assert(b >= 0 && b < PID_MAX, "fork failed");
    pid_t me = sys_getpid();
    assert(b == 0 ? me != after_a : me == after_a && b != a);

    assert_eq(constant_spread.head, 17L);
    assert_eq(constant_spread.tail, 71L);
    assert_eq(shared_spread.head, (long) first);
    assert_eq(shared_spread.middle[PAGESIZE + 5], 'f');
    shared_spread.tail = 1000 + me;
    sys_yield();
    assert_eq(shared_spread.tail, 1000L + me);

    take_pages(me, 3);
    console_printf(CPOS(10 + me % 10, 0), COLOR_SUCCESS, "forktree %d: fork said %d then %d\n", me, a, b);
    sys_exit();
}
