// A failed assert() ends the program as abort() does: status 134 (the shell's 128 + SIGABRT).
#include <assert.h>
#include <stdio.h>

int main(void) {
    int x = 2;
    printf("before\n");
    fflush(stdout);
    assert(x + x == 5);
    printf("not reached\n");
    return 0;
}
