// Jump tables (dense and sparse switches), computed goto, recursion with mutual calls.
#include "../lib/u-lib.h"
__attribute__((noinline)) static int dense(int x) {
    switch (x) { case 0: return 11; case 1: return 23; case 2: return 37; case 3: return 41; case 4: return 53;
    case 5: return 67; case 6: return 71; case 7: return 89; case 8: return 97; case 9: return 101; case 10: return 7;
    case 12: return 3; case 13: return 5; default: return -1; }
}
__attribute__((noinline)) static long sparse(long x) {
    switch (x) { case -1000: return 1; case 3: return 2; case 77: return 3; case 1 << 20: return 4; case 99999: return 5;
    case -7: return 6; default: return x & 3; }
}
__attribute__((noinline)) static int vm(const unsigned char* code) {
    static void* ops[] = {&&push, &&add, &&mul, &&dup, &&jnz, &&halt};
    int st[32], sp = 0, pc = 0;
#define NEXT goto *ops[code[pc++]]
    NEXT;
push: st[sp++] = code[pc++]; NEXT;
add: sp--; st[sp - 1] += st[sp]; NEXT;
mul: sp--; st[sp - 1] *= st[sp]; NEXT;
dup: st[sp] = st[sp - 1]; sp++; NEXT;
jnz: if (st[--sp]) pc = code[pc]; else pc++; NEXT;
halt: return st[sp - 1];
}
static int odd(unsigned n);
__attribute__((noinline)) static int even(unsigned n) { return n == 0 ? 1 : odd(n - 1); }
__attribute__((noinline)) static int odd(unsigned n) { return n == 0 ? 0 : even(n - 1); }
__attribute__((noinline)) static uint64_t ack(uint64_t m, uint64_t n) {
    return m == 0 ? n + 1 : n == 0 ? ack(m - 1, 1) : ack(m - 1, ack(m, n - 1));
}
__attribute__((noinline)) static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
void process_main(void) {
    long s = 0;
    for (int i = -3; i < 20; i++) s = s * 31 + dense(i);
    long keys[] = {-1000, 3, 77, 1 << 20, 99999, -7, 5, 6, 100000};
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) s = s * 17 + sparse(keys[i]);
    const unsigned char prog[] = {0, 2, 0, 3, 2, 3, 1, 0, 5, 1, 5};
    console_printf("switch %ld vm %d\n", s, vm(prog));
    console_printf("even(301)=%d odd(300)=%d ack(2,300)=%lu fib(24)=%ld\n", even(301), odd(300), ack(2, 300), fib(24));
    sys_exit(dense(5));
}
