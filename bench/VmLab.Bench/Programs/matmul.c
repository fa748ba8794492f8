// 32x32 integer matrix products, 700 times: nested loops, multiply-accumulate, strided loads.
#include "u-lib.h"

#define M 32
static long x[M][M], y[M][M], z[M][M];

void process_main(void) {
    uint64_t state = 7;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            x[i][j] = (long)(rand_next(&state) % 100);
            y[i][j] = (long)(rand_next(&state) % 100);
        }
    long trace = 0;
    for (int round = 0; round < 700; round++) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < M; j++) {
                long s = 0;
                for (int k = 0; k < M; k++) s += x[i][k] * y[k][j];
                z[i][j] = s;
            }
        for (int i = 0; i < M; i++) trace += z[i][i];
        x[round % M][round % M]++;
    }
    console_printf("trace sum: %ld\n", trace);
    sys_exit((int)(trace % 97));
}
