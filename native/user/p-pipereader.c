// pipereader (seed 003 H1/H2; arg = messages): reads the pipe 256 bytes at a time until it has seen that many
// newlines, with the writer's checksum over every byte received; prints count and checksum.
#include "lib/u-lib.h"

static unsigned char rbuf[256];

void process_main(void) {
    uint64_t checksum = 0, received = 0;
    while (received < process_arg) {
        ssize_t n = sys_piperead(rbuf, sizeof rbuf);
        if (n < 0) sys_exit(1);
        for (ssize_t i = 0; i < n; i++) {
            checksum = checksum * 31 + rbuf[i];
            if (rbuf[i] == '\n') received++;
        }
    }
    console_printf("pipereader: %lu messages received, checksum %lu\n", received, checksum);
}
