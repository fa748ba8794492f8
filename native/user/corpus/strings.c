// String and memory operations: the library's memcpy/memmove/memset/memcmp/strlen/strcmp, and the x86 string
// instructions themselves (rep movsb, rep stosq, repne scasb, repe cmpsb, lodsb) as gcc's inline asm writes them.
#include "../lib/u-lib.h"

static char buf[512], other[512];

static void rep_movsb(void* d, const void* s, size_t n) {
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

static void rep_stosq(void* d, uint64_t v, size_t n) {
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

static size_t scas_len(const char* s) {            // strlen the 1980s way: repne scasb
    size_t n = ~(size_t)0;
    __asm__ volatile("repne scasb" : "+D"(s), "+c"(n) : "a"(0) : "memory", "cc");
    return ~n - 1;
}

static int cmps(const void* a, const void* b, size_t n) {   // index of the first difference, or -1
    size_t left = n;
    uint8_t equal;
    if (!n) return -1;
    __asm__ volatile("repe cmpsb\n\tsete %3" : "+D"(a), "+S"(b), "+c"(left), "=q"(equal) : : "memory", "cc");
    return equal ? -1 : (int)(n - left - 1);
}

static uint64_t sum_lods(const void* s, size_t n) {
    uint64_t sum = 0, byte = 0;
    while (n--) {
        __asm__ volatile("lodsb" : "+S"(s), "+a"(byte) : : "memory");
        sum = sum * 31 + (byte & 0xff);
    }
    return sum;
}

__attribute__((noinline)) static void reverse(char* s) {
    for (size_t i = 0, j = strlen(s); i + 1 < j; i++, j--) {
        char t = s[i];
        s[i] = s[j - 1];
        s[j - 1] = t;
    }
}

void process_main(void) {
    const char* text = "The quick brown fox jumps over the lazy dog";
    memset(buf, 0, sizeof buf);
    memcpy(buf, text, strlen(text) + 1);
    reverse(buf);
    console_printf("reversed: %s\n", buf);
    console_printf("strlen %lu, scasb %lu\n", strlen(buf), scas_len(buf));

    memmove(buf + 5, buf, 20);                      // overlapping, forwards
    memmove(buf + 40, buf + 45, 10);                // overlapping, backwards
    console_printf("memmoved: %s\n", buf);

    rep_stosq(other, 0x4142434445464748UL, 8);
    other[64] = 0;
    console_printf("stosq: %s\n", other);
    rep_movsb(other + 3, text + 4, 15);
    console_printf("movsb: %s\n", other);

    console_printf("memcmp: %d %d %d, strcmp: %d %d\n", memcmp("abc", "abd", 3), memcmp("abd", "abc", 3),
                   memcmp("abc", "abc", 3), strcmp("apple", "apples") < 0, strcmp("b", "a") > 0);
    console_printf("cmpsb: %d %d\n", cmps("hello world", "hello there", 11), cmps("same", "same", 4));
    console_printf("lodsb: %lu\n", sum_lods(text, strlen(text)));
    char line[64];
    int n = snprintf(line, sizeof line, "[%5d|%-5d|%05d|%x|%X|%c|%s]", 42, -42, -42, 0xbeef, 0xbeef, 'z', "ok");
    console_printf("snprintf %d: %s\n", n, line);
    sys_exit(n);
}
