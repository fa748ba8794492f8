// Naive recursive Fibonacci of 33 and Ackermann(2, n): nothing but calls, returns, compares and adds (gcc -O2
// unrolls the recursion into one function of ~290 instructions); 0.13 G instructions at -O2.
#include "u-lib.h"
static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static long ack(long m, long n) { if (m == 0) return n + 1; if (n == 0) return ack(m - 1, 1); return ack(m - 1, ack(m, n - 1)); }
void process_main(void) {
    long f = fib(33), a = 0;
    for (int i = 0; i < 20; i++) a += ack(2, 300 + i);
    console_printf("fib %ld ack %ld\n", f, a);
    sys_exit((int)((f + a) % 97));
}
