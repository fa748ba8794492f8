// Standard C's printf, as a program written for Linux uses it: every flag, width, precision and length of the
// integer and string conversions, compared with glibc's output.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int main(void) {
    int count = 0;
    printf("%d|%5d|%-5d|%05d|%+d|% d|%.3d|%8.3d|%-8.3d|%08.3d|%.0d|\n", -42, -42, -42, -42, 42, 42, 7, -7, 7, 7, 0);
    printf("%x|%#x|%#X|%#o|%o|%#.0o|%#x|%08x|%#010x|%-#10x|\n", 255, 255, 255, 8, 8, 0, 0, 0xbeef, 0xbeef, 0xbeef);
    printf("%hhd|%hhu|%hd|%hu|%ld|%lld|%lu|%zu|%jd|%td|\n", 300, 300, 70000, 70000, -1L, -2LL, (unsigned long)-1,
           (size_t)5, (intmax_t)-9, (ptrdiff_t)-3);
    printf("%s|%10s|%-10s|%.2s|%10.2s|%c|%3c|%-3c|%%|\n", "abc", "abc", "abc", "abc", "abc", 'x', 'y', 'z');
    printf("%*d|%-*d|%.*d|%*.*s|%*d|\n", 6, 1, 6, 2, 4, 3, 8, 2, "hello", -6, 5);
    printf("%p|%p|%20p|%-20p|\n", (void*)0, (void*)0x1234, (void*)0x1234, (void*)0);
    printf("%llx|%llX|%llo|%lli|%+.0d|\n", 0xFFFFFFFFFFFFFFFFull, 0xABCDEFull, 01234567ull, -9223372036854775807LL - 1, 0);
    printf("abcd%n|", &count);
    printf("%d\n", count);
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%s-%s-%s-%s", "twelve chars", "twelve chars", "x", "y");
    printf("%d [%s]\n", n, buf);
    n = sprintf(buf, "%5.1s|%-4d|", "wide", 9);
    puts(buf);
    printf("%d\n", n);
    for (int i = 0; i < 3; i++) putchar('a' + i);
    putchar('\n');
    fputs("to stdout\n", stdout);
    char line[3000];                          // longer than any internal buffer
    for (int i = 0; i < (int)sizeof line - 1; i++) line[i] = (char)('a' + i % 26);
    line[sizeof line - 1] = '\0';
    printf("%s\n%d\n", line, printf("%.*s\n", 700, line));
    fflush(stdout);
    return 7;
}
