// hello: one line with its pid, then exit(0).
#include "lib/u-lib.h"

void process_main(void) {
    console_printf("Hello, world! I am pid %d\n", sys_getpid());
}
