// spawner (seed 003 F1): spawn("alice") twice, report both pids (unsigned: -1 shows as 2^64 - 1), exit.
#include "lib/u-lib.h"

void process_main(void) {
    for (int i = 0; i < 2; i++) {
        pid_t pid = sys_spawn("alice");
        console_printf("spawner: spawn(\"alice\") = %lu\n", (uint64_t)(int64_t)pid);
    }
}
