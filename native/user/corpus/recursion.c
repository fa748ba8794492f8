// Recursion: real call frames on a small stack (VmLab gives a process one 4 KiB stack page): Fibonacci,
// Ackermann, Hanoi, mutual recursion, Euclid, a recursive power set count.
#include "../lib/u-lib.h"

__attribute__((noinline)) static uint64_t fib(unsigned n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

__attribute__((noinline)) static uint64_t ack(uint64_t m, uint64_t n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

static uint64_t moves;

__attribute__((noinline)) static void hanoi(int n, int from, int to, int via) {
    if (n == 0) return;
    hanoi(n - 1, from, via, to);
    moves += (uint64_t)(from * 3 + to);
    hanoi(n - 1, via, to, from);
}

static int is_odd(unsigned n);

__attribute__((noinline)) static int is_even(unsigned n) {
    return n == 0 ? 1 : is_odd(n - 1);
}

__attribute__((noinline)) static int is_odd(unsigned n) {
    return n == 0 ? 0 : is_even(n - 1);
}

__attribute__((noinline)) static uint64_t gcd(uint64_t a, uint64_t b) {
    return b == 0 ? a : gcd(b, a % b);
}

// Subsets of {1..n} whose sum is exactly target.
__attribute__((noinline)) static int subsets(int n, int target) {
    if (target == 0) return 1;
    if (n == 0 || target < 0) return 0;
    return subsets(n - 1, target - n) + subsets(n - 1, target);
}

void process_main(void) {
    console_printf("fib(24) = %lu\n", fib(24));
    console_printf("ack(2, 5) = %lu, ack(3, 3) = %lu\n", ack(2, 5), ack(3, 3));
    hanoi(12, 0, 2, 1);
    console_printf("hanoi(12): weighted moves %lu\n", moves);
    console_printf("even(77) = %d, odd(77) = %d\n", is_even(77), is_odd(77));
    console_printf("gcd = %lu %lu\n", gcd(1071, 462), gcd(12345678987654321UL, 98765432123456789UL));
    console_printf("subsets of 1..20 summing to 50: %d\n", subsets(20, 50));
    sys_exit((int)(fib(24) % 256));
}
