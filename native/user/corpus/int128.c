// 128-bit arithmetic: multiply, divide, modulo, shifts, compares, overflow builtins.
#include "../lib/u-lib.h"
typedef unsigned __int128 u128;
typedef __int128 s128;
static uint64_t h = 1469598103934665603UL;
static void fold(uint64_t v) { h = (h ^ v) * 1099511628211UL; }
static void fold128(u128 v) { fold((uint64_t)v); fold((uint64_t)(v >> 64)); }
static const uint64_t vals[] = {0, 1, 2, 3, 7, 10, 0xffffffffUL, 0x100000000UL, 0x7fffffffffffffffUL,
    0x8000000000000000UL, 0xffffffffffffffffUL, 0x123456789abcdef0UL, 1000000007UL, 0xdeadbeefcafebabeUL};
#define N (sizeof vals / sizeof vals[0])
__attribute__((noinline)) static u128 mk(uint64_t hi, uint64_t lo) { return (u128)hi << 64 | lo; }
void process_main(void) {
    for (unsigned i = 0; i < N; i++)
        for (unsigned j = 0; j < N; j++) {
            u128 a = mk(vals[i], vals[j]), b = mk(vals[j] >> 7, vals[i] | 1);
            fold128(a * b); fold128(a + b); fold128(a - b);
            fold128(a / b); fold128(a % b);
            s128 sa = (s128)a, sb = (s128)b;
            if (!(sb == -1 && sa == (s128)((u128)1 << 127))) { fold128((u128)(sa / sb)); fold128((u128)(sa % sb)); }
            fold128(a >> (vals[j] & 127)); fold128(a << (vals[i] & 127)); fold128((u128)(sa >> (vals[j] & 127)));
            fold((uint64_t)(a < b) | (uint64_t)(sa < sb) << 1 | (uint64_t)(a == b) << 2);
            u128 r; fold((uint64_t)__builtin_mul_overflow(a, b, &r)); fold128(r);
            s128 sr; fold((uint64_t)__builtin_add_overflow(sa, sb, &sr)); fold128((u128)sr);
            fold((uint64_t)__builtin_sub_overflow(sa, sb, &sr)); fold128((u128)sr);
            u128 w = (u128)vals[i] * vals[j]; fold128(w);
            s128 sw = (s128)(int64_t)vals[i] * (int64_t)vals[j]; fold128((u128)sw);
            if (vals[j]) { fold((uint64_t)(w / vals[j])); fold((uint64_t)(w % vals[j])); }
        }
    console_printf("int128 hash %lx\n", h);
    u128 f = 1; for (int k = 1; k <= 34; k++) { f *= (u128)k; console_printf("%d! = %lx%016lx\n", k, (uint64_t)(f >> 64), (uint64_t)f); }
    sys_exit((int)(h & 0x7f));
}
