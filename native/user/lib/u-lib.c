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

// An output cursor: counts everything; bounded (flush null), it stores what fits (the last byte is kept for the
// NUL); streaming, it hands each full buffer to flush and starts over.
struct out {
    char* buf;
    size_t size, len, used;
    ssize_t (*flush)(const char* s, size_t n);
};

static void put(struct out* o, char c) {
    o->len++;
    if (o->flush) {
        o->buf[o->used++] = c;
        if (o->used == o->size) {
            o->flush(o->buf, o->used);
            o->used = 0;
        }
    } else if (o->len < o->size) {
        o->buf[o->len - 1] = c;
    }
}

static void put_fill(struct out* o, char c, int n) {
    for (; n > 0; n--) put(o, c);
}

// One conversion's flags, as C (and glibc) read them: "%-+ #0*.*ll d".
struct spec {
    int left, plus, space, alt, zero, width, precision;   // precision < 0: none given
};

// prefix ("-", "0x", ...) and digits, padded to the width: zeros between them when '0' is given without a
// precision (C says a precision turns the '0' flag off), spaces outside otherwise.
static void put_field(struct out* o, const struct spec* sp, const char* prefix, const char* digits, int n) {
    int plen = (int)strlen(prefix);
    int fill = sp->width - plen - n;
    if (!sp->left && !(sp->zero && sp->precision < 0)) put_fill(o, ' ', fill);
    for (int i = 0; i < plen; i++) put(o, prefix[i]);
    if (!sp->left && sp->zero && sp->precision < 0) put_fill(o, '0', fill);
    for (int i = 0; i < n; i++) put(o, digits[i]);
    if (sp->left) put_fill(o, ' ', fill);
}

static void put_number(struct out* o, const struct spec* sp, uint64_t v, int negative, char conv) {
    char digits[32];
    unsigned base = conv == 'o' ? 8 : conv == 'x' || conv == 'X' || conv == 'p' ? 16 : 10;
    const char* set = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0, end = (int)sizeof digits;
    for (uint64_t x = v; x; x /= base) digits[end - ++n] = set[x % base];
    int least = sp->precision < 0 ? 1 : sp->precision;     // %.0d of 0 prints no digit at all
    if (least > end - 1) least = end - 1;
    while (n < least) digits[end - ++n] = '0';
    if (conv == 'o' && sp->alt && (n == 0 || digits[end - n] != '0')) digits[end - ++n] = '0';
    const char* prefix = negative ? "-" : (conv == 'd' || conv == 'i') && sp->plus ? "+"
        : (conv == 'd' || conv == 'i') && sp->space ? " " : "";
    if ((conv == 'x' || conv == 'X') && sp->alt && v) prefix = conv == 'x' ? "0x" : "0X";
    if (conv == 'p') prefix = "0x";
    put_field(o, sp, prefix, digits + end - n, n);
}

// The integer argument of a conversion, by its length modifier: hh, h, (none), l, ll/q/L, j, z, t.
static uint64_t take_unsigned(va_list* ap, int size) {
    switch (size) {
    case -2: return (unsigned char)va_arg(*ap, unsigned);
    case -1: return (unsigned short)va_arg(*ap, unsigned);
    case 0: return va_arg(*ap, unsigned);
    default: return va_arg(*ap, uint64_t);
    }
}

static int64_t take_signed(va_list* ap, int size) {
    switch (size) {
    case -2: return (signed char)va_arg(*ap, int);
    case -1: return (short)va_arg(*ap, int);
    case 0: return va_arg(*ap, int);
    default: return va_arg(*ap, int64_t);
    }
}

// C's printf for everything but floating point (user programs have no SSE): flags - + space # 0, a width and a
// precision (numbers or *), lengths hh h l ll q L j z t, conversions d i u o x X c s p n %. What glibc prints,
// so that a program prints the same here as on Linux; %p of NULL is glibc's "(nil)".
static void format(struct out* out, const char* f, va_list args) {
    va_list ap;
    va_copy(ap, args);
    for (; *f; f++) {
        if (*f != '%') {
            put(out, *f);
            continue;
        }
        const char* start = f;
        struct spec sp = {0, 0, 0, 0, 0, 0, -1};
        for (f++;; f++) {
            if (*f == '-') sp.left = 1;
            else if (*f == '+') sp.plus = 1;
            else if (*f == ' ') sp.space = 1;
            else if (*f == '#') sp.alt = 1;
            else if (*f == '0') sp.zero = 1;
            else break;
        }
        if (*f == '*') {
            sp.width = va_arg(ap, int);
            if (sp.width < 0) sp.left = 1, sp.width = -sp.width;     // a negative * width means '-'
            f++;
        }
        for (; *f >= '0' && *f <= '9'; f++) sp.width = sp.width * 10 + (*f - '0');
        if (*f == '.') {
            sp.precision = 0;
            if (*++f == '*') {
                sp.precision = va_arg(ap, int);
                if (sp.precision < 0) sp.precision = -1;              // a negative * precision is none
                f++;
            }
            for (; *f >= '0' && *f <= '9'; f++) sp.precision = sp.precision * 10 + (*f - '0');
        }
        int length = 0;
        for (;; f++) {
            if (*f == 'h') length = length <= 0 ? length - 1 : length;
            else if (*f == 'l' || *f == 'L' || *f == 'q' || *f == 'j' || *f == 'z' || *f == 't') length = 1;
            else break;
        }
        if (length < -2) length = -2;
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t v = take_signed(&ap, length);
            put_number(out, &sp, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, *f);
            break;
        }
        case 'u':
        case 'o':
        case 'x':
        case 'X':
            put_number(out, &sp, take_unsigned(&ap, length), 0, *f);
            break;
        case 'p': {
            void* p = va_arg(ap, void*);
            if (p) {
                put_number(out, &sp, (uint64_t)p, 0, 'p');
            } else {
                sp.precision = -1;
                put_field(out, &sp, "", "(nil)", 5);
            }
            break;
        }
        case 's': {
            const char* s = va_arg(ap, const char*);
            if (!s) s = sp.precision < 0 || sp.precision >= 6 ? "(null)" : "";
            int n = (int)(sp.precision < 0 ? strlen(s) : strnlen(s, (size_t)sp.precision));
            sp.zero = 0;
            put_field(out, &sp, "", s, n);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            sp.zero = 0;
            put_field(out, &sp, "", &c, 1);
            break;
        }
        case 'n': {
            void* p = va_arg(ap, void*);
            if (length == -2) *(signed char*)p = (signed char)out->len;
            else if (length == -1) *(short*)p = (short)out->len;
            else if (length == 0) *(int*)p = (int)out->len;
            else *(int64_t*)p = (int64_t)out->len;
            break;
        }
        case '%':
            put(out, '%');
            break;
        case '\0':
            f--;                     // a lone '%' at the end: print it, stop
            put(out, '%');
            break;
        default:                     // an unknown conversion prints as written, as glibc does
            for (const char* c = start; c <= f; c++) put(out, *c);
            break;
        }
    }
    va_end(ap);
}

int vsnprintf(char* buf, size_t size, const char* f, va_list ap) {
    struct out o = {buf, size, 0, 0, 0};
    format(&o, f, ap);
    if (size) buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

// The whole text, however long, in writes of at most 512 bytes through write (u-hosted.c's printf).
int vmlab_vwrite(ssize_t (*write)(const char* s, size_t n), const char* f, va_list ap) {
    char buf[512];
    struct out o = {buf, sizeof buf, 0, 0, write};
    format(&o, f, ap);
    if (o.used) write(buf, o.used);
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
