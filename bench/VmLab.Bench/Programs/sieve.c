// Sieve of Eratosthenes over 40,000 numbers, 250 times: byte stores, a compare-and-branch inner loop.
#include "u-lib.h"

#define N 40000
static unsigned char composite[N + 1];

void process_main(void) {
    long total = 0;
    for (int round = 0; round < 250; round++) {
        memset(composite, 0, sizeof composite);
        long count = 0;
        for (long i = 2; i <= N; i++) {
            if (composite[i]) continue;
            count++;
            for (long j = i * i; j <= N; j += i) composite[j] = 1;
        }
        total += count;
    }
    console_printf("primes below %d: %ld (x250)\n", N, total / 250);
    sys_exit((int)(total % 97));
}
