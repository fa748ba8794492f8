// The entry of a program written for Linux: crt0 calls process_main, and a program that has none gets this one,
// which runs main and exits with what it returns (after the atexit handlers, as exit does). It sits alone in its
// archive member, so that only a program without process_main needs a main (one with neither is told by the
// linker: "undefined reference to `main'").
#include "u-lib.h"

int vmlab_main(int argc, char** argv, char** envp) __asm__("main");
__attribute__((noreturn)) void exit(int status);

__attribute__((weak)) void process_main(void) {
    static char* argv[] = {"a.out", 0};
    static char* envp[] = {0};
    exit(vmlab_main(1, argv, envp));
}
