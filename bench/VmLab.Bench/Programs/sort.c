// Quicksort of 4,000 pseudo-random longs, 150 times, then a check: recursion, calls, compares and swaps.
#include "u-lib.h"

#define N 4000
static long a[N];

static void quicksort(long* v, long lo, long hi) {
    while (lo < hi) {
        long p = v[(lo + hi) / 2], i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i <= j) {
                long t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (j - lo < hi - i) {
            quicksort(v, lo, j);
            lo = i;
        } else {
            quicksort(v, i, hi);
            hi = j;
        }
    }
}

void process_main(void) {
    uint64_t state = 99, sum = 0;
    for (int round = 0; round < 150; round++) {
        for (long i = 0; i < N; i++) a[i] = (long)(rand_next(&state) % 1000000);
        quicksort(a, 0, N - 1);
        for (long i = 1; i < N; i++)
            if (a[i - 1] > a[i]) sys_exit(1);
        sum += (uint64_t)a[N / 2];
    }
    console_printf("medians: %lu\n", sum);
    sys_exit((int)(sum % 97));
}
