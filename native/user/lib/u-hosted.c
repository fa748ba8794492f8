// Standard C for a program written for Linux (its `int main` entry is u-main.c): the parts of <stdio.h>,
// <stdlib.h>, <string.h>, <ctype.h> and <assert.h> a program without floating point uses, declared by the
// system's own headers and defined here on top of VmLab's few syscalls. Every definition is weak: a program that
// defines its own puts or malloc keeps its own.
//
// What differs from glibc (docs/user-programs.md): stdout and stderr both go to the console log, unbuffered (one
// write per call, so the text is the same, only the write boundaries differ); malloc takes pages from the heap
// (HEAP_START up, sys_page_alloc), so memory is the 2 MiB machine's; abort() and a failed assert() end the process
// with status 134, the shell's status for SIGABRT; argv is {"a.out", NULL}.
#include "u-lib.h"

#define WEAK __attribute__((weak))

typedef struct vmlab_file FILE;
WEAK FILE* stdin = (FILE*)0;
WEAK FILE* stdout = (FILE*)1;
WEAK FILE* stderr = (FILE*)2;

int vprintf(const char* format, va_list ap);

// ---- exit (main's return value goes here: u-main.c) ----

static void (*at_exit[32])(void);
static int at_exits;

WEAK int atexit(void (*fn)(void)) {
    if (at_exits == 32) return -1;
    at_exit[at_exits++] = fn;
    return 0;
}

WEAK void exit(int status) {
    while (at_exits > 0) at_exit[--at_exits]();
    sys_exit(status);
}

WEAK void _exit(int status) { sys_exit(status); }
WEAK void _Exit(int status) { sys_exit(status); }

WEAK void abort(void) {
    sys_exit(134);
}

WEAK void __assert_fail(const char* expression, const char* file, unsigned line, const char* function) {
    console_printf("a.out: %s:%u: %s: Assertion `%s' failed.\n", file, line, function, expression);
    abort();
}

WEAK void __stack_chk_fail(void) {
    console_printf("*** stack smashing detected ***: terminated\n");
    abort();
}

// ---- output: formatted and written in pieces of at most 512 bytes ----

int vmlab_vwrite(ssize_t (*write)(const char* s, size_t n), const char* format, va_list ap);

static ssize_t write_all(const char* s, size_t n) {
    for (size_t done = 0; done < n;) {
        ssize_t w = sys_write(s + done, n - done);
        if (w <= 0) return -1;
        done += (size_t)w;
    }
    return (ssize_t)n;
}

WEAK int vfprintf(FILE* stream, const char* format, va_list ap) {
    (void)stream;
    return vmlab_vwrite(write_all, format, ap);
}

WEAK int vprintf(const char* format, va_list ap) { return vfprintf(stdout, format, ap); }

WEAK int printf(const char* format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = vfprintf(stdout, format, ap);
    va_end(ap);
    return n;
}

WEAK int fprintf(FILE* stream, const char* format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = vfprintf(stream, format, ap);
    va_end(ap);
    return n;
}

WEAK int vsprintf(char* buf, const char* format, va_list ap) { return vsnprintf(buf, (size_t)-1 >> 1, format, ap); }

WEAK int sprintf(char* buf, const char* format, ...) {
    va_list ap;
    va_start(ap, format);
    int n = vsprintf(buf, format, ap);
    va_end(ap);
    return n;
}

WEAK int fputs(const char* s, FILE* stream) {
    (void)stream;
    return write_all(s, strlen(s)) < 0 ? -1 : 1;
}

WEAK int puts(const char* s) {
    return write_all(s, strlen(s)) < 0 || write_all("\n", 1) < 0 ? -1 : 1;
}

WEAK int fputc(int c, FILE* stream) {
    (void)stream;
    char ch = (char)c;
    return write_all(&ch, 1) < 0 ? -1 : (unsigned char)c;
}

WEAK int putc(int c, FILE* stream) { return fputc(c, stream); }
WEAK int putchar(int c) { return fputc(c, stdout); }

WEAK size_t fwrite(const void* p, size_t size, size_t count, FILE* stream) {
    (void)stream;
    return size && count && write_all(p, size * count) < 0 ? 0 : count;
}

WEAK int fflush(FILE* stream) {
    (void)stream;
    return 0;
}

// ---- memory: first fit over a list of free blocks, the heap grown a page at a time ----

struct block {
    size_t size;                 // bytes after this header
    struct block* next;          // the next free block (by address) while free
};

static struct block* free_list;
static uintptr_t heap_end = HEAP_START;

static struct block* grow(size_t size) {
    uintptr_t start = heap_end, need = (sizeof(struct block) + size + 4095) & ~(uintptr_t)4095;
    if (need < size || start + need > STACK_LIMIT - 4096) return 0;   // the guard page stays unmapped
    for (uintptr_t a = start; a < start + need; a += 4096)
        if (sys_page_alloc((void*)a) < 0) {
            heap_end = a;                                  // what was mapped is never asked for again
            return 0;
        }
    heap_end = start + need;
    struct block* b = (struct block*)start;
    b->size = need - sizeof(struct block);
    return b;
}

static void release(struct block* b) {
    struct block** at = &free_list;
    while (*at && *at < b) at = &(*at)->next;
    b->next = *at;
    *at = b;
    if (b->next && (char*)(b + 1) + b->size == (char*)b->next) {   // merge with the block after
        b->size += sizeof(struct block) + b->next->size;
        b->next = b->next->next;
    }
    if (at != &free_list) {                                        // and with the block before
        struct block* before = (struct block*)((char*)at - offsetof(struct block, next));
        if ((char*)(before + 1) + before->size == (char*)b) {
            before->size += sizeof(struct block) + b->size;
            before->next = b->next;
        }
    }
}

WEAK void* malloc(size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    for (struct block** at = &free_list; *at; at = &(*at)->next) {
        struct block* b = *at;
        if (b->size < size) continue;
        *at = b->next;
        if (b->size >= size + sizeof(struct block) + 16) {         // split: the rest stays free
            struct block* rest = (struct block*)((char*)(b + 1) + size);
            rest->size = b->size - size - sizeof(struct block);
            b->size = size;
            release(rest);
        }
        return b + 1;
    }
    struct block* b = grow(size);
    if (!b) return 0;
    release(b);
    return malloc(size);
}

WEAK void free(void* p) {
    if (p) release((struct block*)p - 1);
}

WEAK void* calloc(size_t n, size_t size) {
    if (size && n > (size_t)-1 / size) return 0;
    void* p = malloc(n * size);
    return p ? memset(p, 0, n * size) : 0;
}

WEAK void* realloc(void* p, size_t size) {
    if (!p) return malloc(size);
    size_t old = ((struct block*)p - 1)->size;
    if (size <= old) return p;
    void* q = malloc(size);
    if (q) {
        memcpy(q, p, old);
        free(p);
    }
    return q;
}

// ---- numbers and sorting (<stdlib.h>) ----

static int is_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static int digit_value(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;
}

// strtoull's reading; *negative says there was a '-', *overflow that the digits did not fit in 64 bits.
static uint64_t read_number(const char* s, char** end, int base, int* negative, int* overflow) {
    const char* p = s;
    while (is_space(*p)) p++;
    *negative = *p == '-';
    if (*p == '-' || *p == '+') p++;
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) p += 2, base = 16;
    else if (base == 0) base = p[0] == '0' ? 8 : 10;
    uint64_t v = 0;
    const char* first = p;
    *overflow = 0;
    for (; digit_value(*p) < base; p++) {
        unsigned d = (unsigned)digit_value(*p);
        if (v > (UINT64_MAX - d) / (unsigned)base) *overflow = 1;
        v = v * (unsigned)base + d;
    }
    if (end) *end = (char*)(p == first ? s : p);
    return v;
}

WEAK unsigned long long strtoull(const char* s, char** end, int base) {
    int negative, overflow;
    uint64_t v = read_number(s, end, base, &negative, &overflow);
    return overflow ? UINT64_MAX : negative ? -v : v;
}

WEAK long long strtoll(const char* s, char** end, int base) {
    int negative, overflow;
    uint64_t v = read_number(s, end, base, &negative, &overflow);
    if (negative) return overflow || v > (uint64_t)INT64_MAX + 1 ? INT64_MIN : (long long)-v;
    return overflow || v > INT64_MAX ? INT64_MAX : (long long)v;
}

WEAK unsigned long strtoul(const char* s, char** end, int base) { return strtoull(s, end, base); }
WEAK long strtol(const char* s, char** end, int base) { return strtoll(s, end, base); }
WEAK int atoi(const char* s) { return (int)strtol(s, 0, 10); }
WEAK long atol(const char* s) { return strtol(s, 0, 10); }
WEAK long long atoll(const char* s) { return strtoll(s, 0, 10); }
WEAK int abs(int x) { return x < 0 ? -x : x; }
WEAK long labs(long x) { return x < 0 ? -x : x; }
WEAK long long llabs(long long x) { return x < 0 ? -x : x; }

static void swap_bytes(char* a, char* b, size_t n) {
    while (n--) {
        char t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

// Insertion sort for short runs, otherwise quicksort on the middle element; recursion only into the smaller side.
WEAK void qsort(void* base, size_t n, size_t size, int (*cmp)(const void*, const void*)) {
    char* a = base;
    while (n > 8) {
        swap_bytes(a, a + n / 2 * size, size);
        size_t last = 0;
        for (size_t i = 1; i < n; i++)
            if (cmp(a + i * size, a) < 0) swap_bytes(a + ++last * size, a + i * size, size);
        swap_bytes(a, a + last * size, size);
        if (last < n - last - 1) {
            qsort(a, last, size, cmp);
            a += (last + 1) * size, n -= last + 1;
        } else {
            qsort(a + (last + 1) * size, n - last - 1, size, cmp);
            n = last;
        }
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp(a + (j - 1) * size, a + j * size) > 0; j--) swap_bytes(a + (j - 1) * size, a + j * size, size);
}

WEAK void* bsearch(const void* key, const void* base, size_t n, size_t size, int (*cmp)(const void*, const void*)) {
    const char* a = base;
    while (n > 0) {
        const char* mid = a + n / 2 * size;
        int c = cmp(key, mid);
        if (c == 0) return (void*)mid;
        if (c > 0) a = mid + size, n -= n / 2 + 1;
        else n /= 2;
    }
    return 0;
}

// ---- more of <string.h> ----

WEAK char* strcat(char* dst, const char* src) {
    strcpy(dst + strlen(dst), src);
    return dst;
}

WEAK char* strncat(char* dst, const char* src, size_t n) {
    char* d = dst + strlen(dst);
    for (; n && *src; n--) *d++ = *src++;
    *d = '\0';
    return dst;
}

WEAK char* strrchr(const char* s, int c) {
    const char* last = 0;
    for (;; s++) {
        if (*s == (char)c) last = s;
        if (!*s) return (char*)last;
    }
}

WEAK char* strstr(const char* hay, const char* needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncmp(hay, needle, n) == 0) return (char*)hay;
    return n == 0 ? (char*)hay : 0;
}

WEAK char* strdup(const char* s) {
    size_t n = strlen(s) + 1;
    char* d = malloc(n);
    return d ? memcpy(d, s, n) : 0;
}

// ---- <ctype.h>: glibc's headers read classification bits from a table, indexed -128 .. 255 ----

enum {
    C_UPPER = 1 << 8, C_LOWER = 1 << 9, C_ALPHA = 1 << 10, C_DIGIT = 1 << 11, C_XDIGIT = 1 << 12, C_SPACE = 1 << 13,
    C_PRINT = 1 << 14, C_GRAPH = 1 << 15, C_BLANK = 1 << 0, C_CNTRL = 1 << 1, C_PUNCT = 1 << 2, C_ALNUM = 1 << 3,
};

static unsigned short ctype_bits[384];
static int ctype_lower[384], ctype_upper[384];
static const unsigned short* ctype_b = ctype_bits + 128;
static const int* ctype_l = ctype_lower + 128;
static const int* ctype_u = ctype_upper + 128;

static void ctype_fill(void) {
    if (ctype_upper[128 + 'a']) return;
    for (int c = -128; c < 256; c++) {
        unsigned short b = 0;
        int up = c >= 'A' && c <= 'Z', low = c >= 'a' && c <= 'z', dig = c >= '0' && c <= '9';
        if (up) b |= C_UPPER | C_ALPHA | C_ALNUM | C_PRINT | C_GRAPH;
        if (low) b |= C_LOWER | C_ALPHA | C_ALNUM | C_PRINT | C_GRAPH;
        if (dig) b |= C_DIGIT | C_ALNUM | C_PRINT | C_GRAPH | C_XDIGIT;
        if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) b |= C_XDIGIT;
        if (c == ' ' || (c >= '\t' && c <= '\r')) b |= C_SPACE;
        if (c == ' ' || c == '\t') b |= C_BLANK;
        if ((c >= 0 && c < 32) || c == 127) b |= C_CNTRL;
        if (c > 32 && c < 127 && !up && !low && !dig) b |= C_PUNCT | C_PRINT | C_GRAPH;
        if (c == ' ') b |= C_PRINT;
        ctype_bits[c + 128] = b;
        ctype_lower[c + 128] = up ? c + 32 : c;
        ctype_upper[c + 128] = low ? c - 32 : c;
    }
}

WEAK const unsigned short** __ctype_b_loc(void) {
    ctype_fill();
    return &ctype_b;
}

WEAK const int** __ctype_tolower_loc(void) {
    ctype_fill();
    return &ctype_l;
}

WEAK const int** __ctype_toupper_loc(void) {
    ctype_fill();
    return &ctype_u;
}

WEAK int tolower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
WEAK int toupper(int c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }
WEAK int isdigit(int c) { return c >= '0' && c <= '9'; }
WEAK int isalpha(int c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
WEAK int isalnum(int c) { return isdigit(c) || isalpha(c); }
WEAK int isspace(int c) { return is_space(c); }
WEAK int isupper(int c) { return c >= 'A' && c <= 'Z'; }
WEAK int islower(int c) { return c >= 'a' && c <= 'z'; }
WEAK int isxdigit(int c) { return isdigit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f'); }
WEAK int isprint(int c) { return c >= 32 && c < 127; }
WEAK int ispunct(int c) { return c > 32 && c < 127 && !isalnum(c); }
