// The machine-independent half of the user library: formatting and the memory/string functions gcc may
// call. It uses no syscall but sys_write, so the host build of a test program (host/host-shim.c) links it too.
#include "u-lib.h"

// Otherwise gcc turns the loops below back into calls to memset/memcpy: calls to themselves.
#pragma GCC optimize("no-tree-loop-distribute-patterns")

void* memset(void* dst, int c, size_t n) {
    unsigned char* d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

void* memcpy(void* dst, const void* src, size_t n) {
    unsigned char* d = dst;
    const unsigned char* s = src;
    while (n--) *d++ = *s++;
    return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
    unsigned char* d = dst;
    const unsigned char* s = src;
    if (d <= s || d >= s + n) return memcpy(dst, src, n);
    while (n--) d[n] = s[n];
    return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char* s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

int strcmp(const char* a, const char* b) {
    while (*a && *a == *b) a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

void* memchr(const void* s, int c, size_t n) {
    const unsigned char* p = s;
    for (; n; n--, p++)
        if (*p == (unsigned char)c) return (void*)p;
    return 0;
}

size_t strnlen(const char* s, size_t maxlen) {
    size_t n = 0;
    while (n < maxlen && s[n]) n++;
    return n;
}

char* strcpy(char* dst, const char* src) {
    char* d = dst;
    while ((*d++ = *src++)) {}
    return dst;
}

// C's strncpy: at most n bytes, the rest of the n filled with NULs (so no terminator when src is long).
char* strncpy(char* dst, const char* src, size_t n) {
    size_t i = 0;
    for (; i < n && src[i]; i++) dst[i] = src[i];
    for (; i < n; i++) dst[i] = '\0';
    return dst;
}

int strncmp(const char* a, const char* b, size_t n) {
    for (; n && *a && *a == *b; n--) a++, b++;
    return n ? (unsigned char)*a - (unsigned char)*b : 0;
}

char* strchr(const char* s, int c) {
    for (;; s++) {
        if (*s == (char)c) return (char*)s;
        if (!*s) return 0;
    }
}

// A 64-bit linear congruential generator (Knuth's MMIX constants); rand() returns its top 31 bits, which are
// the well-mixed ones. The state is an ordinary global, so fork copies it.
static uint64_t rand_state = 1;

void srand(unsigned seed) {
    rand_state = seed;
}

int rand(void) {
    rand_state = rand_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (int)(rand_state >> 33);
}

// A bounded output cursor: counts everything, stores what fits (the last byte is kept for the NUL).
struct out {
    char* buf;
    size_t size, len;
};

static void put(struct out* o, char c) {
    if (o->len + 1 < o->size) o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out* o, const char* s, size_t n, int width, int left, char pad) {
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        for (; fill > 0; fill--) put(o, pad);
    for (size_t i = 0; i < n; i++) put(o, s[i]);
    for (; fill > 0; fill--) put(o, ' ');
}

static void put_number(struct out* o, uint64_t v, int negative, unsigned base, int upper, int width, int left, char pad) {
    char digits[24];
    const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;
    do {
        digits[sizeof digits - 1 - n++] = set[v % base];
        v /= base;
    } while (v);
    if (negative) {
        if (pad == '0') {            // the sign goes before the zeros: -0042
            put(o, '-');
            width = width > 0 ? width - 1 : 0;
        } else {
            digits[sizeof digits - 1 - n++] = '-';
        }
    }
    put_padded(o, digits + sizeof digits - n, (size_t)n, width, left, pad);
}

int vsnprintf(char* buf, size_t size, const char* f, va_list ap) {
    struct out o = {buf, size, 0};
    for (; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        int left = 0, width = 0, longs = 0;
        char pad = ' ';
        for (f++; *f == '-' || *f == '0'; f++) {
            if (*f == '-') left = 1;
            else pad = '0';
        }
        for (; *f >= '0' && *f <= '9'; f++) width = width * 10 + (*f - '0');
        for (; *f == 'l' || *f == 'z'; f++) longs++;
        if (left) pad = ' ';
        uint64_t u;
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            u = v < 0 ? -(uint64_t)v : (uint64_t)v;
            put_number(&o, u, v < 0, 10, 0, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
            u = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_number(&o, u, 0, *f == 'u' ? 10 : 16, *f == 'X', width, left, pad);
            break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, (uint64_t)va_arg(ap, void*), 0, 16, 0, width > 2 ? width - 2 : 0, left, pad);
            break;
        case 's': {
            const char* s = va_arg(ap, const char*);
            if (!s) s = "(null)";
            put_padded(&o, s, strlen(s), width, left, ' ');
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&o, &c, 1, width, left, ' ');
            break;
        }
        case '\0':
            f--;                     // a lone '%' at the end: print it, stop
            put(&o, '%');
            break;
        default:                     // "%%" and anything unknown print as themselves
            put(&o, *f);
            break;
        }
    }
    if (size) buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char* buf, size_t size, const char* format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(buf, size, format, ap);
    va_end(ap);
    return n;
}

int console_printf(const char* format, ...) {
    char line[256];
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(line, sizeof line, format, ap);
    va_end(ap);
    size_t len = n < (int)sizeof line ? (size_t)n : sizeof line - 1;
    return sys_write(line, len) < 0 ? -1 : (int)len;
}

void panic(const char* format, ...) {
    char line[256];
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(line + 7, sizeof line - 7, format, ap);
    va_end(ap);
    memcpy(line, "PANIC: ", 7);
    size_t len = 7 + (n < (int)sizeof line - 7 ? (size_t)n : sizeof line - 8);
    if (line[len - 1] != '\n' && len < sizeof line - 1) line[len++] = '\n';
    sys_write(line, len);
    sys_exit(1);
}

void assert_fail(const char* file, int line, const char* expression) {
    panic("%s:%d: assertion '%s' failed", file, line, expression);
}

// The helpers gcc calls for __int128 division and for popcount without -mpopcnt. libgcc has them too, but
// built with SSE and endbr64; these are built with the program's flags, so a program stays general-registers
// x86-64 throughout. Division by zero divides by zero for real (#DE), as libgcc's does.
typedef unsigned __int128 u128;

static u128 udivmod(u128 n, u128 d, u128* rem) {
    if (d == 0) {
        uint64_t lo = 1, hi = 0, zero = 0;
        __asm__ volatile("divq %2" : "+a"(lo), "+d"(hi) : "r"(zero));
        return lo;
    }
    if ((n >> 64) == 0 && (d >> 64) == 0) {
        if (rem) *rem = (uint64_t)n % (uint64_t)d;
        return (uint64_t)n / (uint64_t)d;
    }
    u128 q = 0, r = 0;
    for (int i = 127; i >= 0; i--) {             // long division, a bit at a time
        r = r << 1 | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= (u128)1 << i;
        }
    }
    if (rem) *rem = r;
    return q;
}

u128 __udivmodti4(u128 n, u128 d, u128* rem) { return udivmod(n, d, rem); }
u128 __udivti3(u128 n, u128 d) { return udivmod(n, d, 0); }

u128 __umodti3(u128 n, u128 d) {
    u128 r = 0;
    udivmod(n, d, &r);
    return r;
}

// Signed: divide the magnitudes; the quotient is negative when the signs differ, the remainder takes the
// dividend's sign (C's truncation toward zero).
__int128 __divmodti4(__int128 a, __int128 b, __int128* rem) {
    u128 r = 0, q = udivmod(a < 0 ? -(u128)a : (u128)a, b < 0 ? -(u128)b : (u128)b, &r);
    if (rem) *rem = (__int128)(a < 0 ? -r : r);
    return (__int128)((a < 0) != (b < 0) ? -q : q);
}

__int128 __divti3(__int128 a, __int128 b) { return __divmodti4(a, b, 0); }

__int128 __modti3(__int128 a, __int128 b) {
    __int128 r = 0;
    __divmodti4(a, b, &r);
    return r;
}

int __popcountdi2(uint64_t x) {
    int n = 0;
    while (x) {
        __asm__("" : "+r"(x));                   // keeps gcc from turning the loop back into a popcount call
        x &= x - 1;
        n++;
    }
    return n;
}
