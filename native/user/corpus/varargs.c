// Varargs: many integer arguments (past the six in registers), va_copy, mixed widths, pointers, a vsnprintf.
#include "../lib/u-lib.h"
__attribute__((noinline)) static long sum(int n, ...) {
    va_list ap, aq; va_start(ap, n); va_copy(aq, ap);
    long s = 0;
    for (int i = 0; i < n; i++) s = s * 3 + va_arg(ap, long);
    for (int i = 0; i < n / 2; i++) s ^= va_arg(aq, long) << i;
    va_end(aq); va_end(ap); return s;
}
__attribute__((noinline)) static uint64_t mixed(const char* fmt, ...) {
    va_list ap; va_start(ap, fmt); uint64_t h = 7;
    for (const char* p = fmt; *p; p++) {
        switch (*p) {
        case 'i': h = h * 31 + (uint64_t)va_arg(ap, int); break;
        case 'u': h = h * 31 + va_arg(ap, unsigned); break;
        case 'l': h = h * 31 + (uint64_t)va_arg(ap, long); break;
        case 'c': h = h * 31 + (uint64_t)(char)va_arg(ap, int); break;
        case 's': for (const char* s = va_arg(ap, const char*); *s; s++) h = h * 31 + (uint64_t)*s; break;
        case 'p': h = h * 31 + (uint64_t)(va_arg(ap, void*) != 0); break;
        }
    }
    va_end(ap); return h;
}
__attribute__((noinline)) static int fmt(char* buf, size_t n, const char* f, ...) {
    va_list ap; va_start(ap, f); int r = vsnprintf(buf, n, f, ap); va_end(ap); return r;
}
__attribute__((noinline)) static long many(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j) {
    return a - b + c * d - e + f * g - h + i * j;
}
void process_main(void) {
    char buf[64];
    long s = sum(12, 1L, -2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 0x7fffffffffffL);
    uint64_t m = mixed("iulcsp iul", -5, 4000000000u, -9000000000L, 'Q', "hello", (void*)buf, 1, 2u, 3L);
    int r = fmt(buf, sizeof buf, "%d|%5u|%-4x|%s|%ld|%c|%08lx", -42, 7u, 0xabu, "str", -1234567890123L, 'z', 0xbeefUL);
    console_printf("sum %ld mixed %lu many %ld\n", s, m, many(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    console_printf("fmt %d [%s]\n", r, buf);
    console_printf("%d %d %d %d %d %d %d %d %d %ld %s %c %x\n", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10L, "ten", 'k', 255u);
    sys_exit(r);
}
