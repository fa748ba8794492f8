// pipewriter (seed 003 H1/H2; arg = messages): random messages (1-47 random letters and a newline) into the
// kernel pipe, looping on short writes; keeps an order-sensitive checksum (h = h * 31 + byte) of every byte
// sent and prints it with the count at the end. Same generator and seed as the reader expects.
#include "lib/u-lib.h"

static char msgbuf[64];

void process_main(void) {
    uint64_t state = 0x9E3779B97F4A7C15UL, checksum = 0, sent = 0;
    for (; sent < process_arg; sent++) {
        uint64_t len = rand_next(&state) % 47 + 1;
        char* p = msgbuf;
        for (uint64_t i = 0; i < len; i++) {
            char c = (char)(rand_next(&state) % 26 + 'a');
            *p++ = c;
            checksum = checksum * 31 + (uint64_t)c;
        }
        *p++ = '\n';
        checksum = checksum * 31 + '\n';
        for (char* q = msgbuf; q < p;) {
            ssize_t n = sys_pipewrite(q, (size_t)(p - q));
            if (n < 0) sys_exit(1);
            q += n;
        }
    }
    console_printf("pipewriter: %lu messages sent, checksum %lu\n", sent, checksum);
}
