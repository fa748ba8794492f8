// N-queens by plain recursion with column and diagonal occupancy arrays: every solution for N = 4..12,
// twice over; deep call chains, byte loads and stores, short data-dependent loops.
#include "u-lib.h"

#define MAXN   12
#define REPEAT 2

static unsigned char col_used[MAXN];
static unsigned char diag1[2 * MAXN];     // row + col
static unsigned char diag2[2 * MAXN];     // row - col + MAXN
static int placed[MAXN];
static long nodes;
static uint64_t fingerprint;

static long solve(int row, int n) {
    nodes++;
    if (row == n) {
        // Fold the solution's column list into the fingerprint.
        uint64_t h = 0;
        for (int r = 0; r < n; r++) h = h * 11 + (uint64_t)placed[r];
        fingerprint += h;
        return 1;
    }
    long count = 0;
    for (int c = 0; c < n; c++) {
        if (col_used[c] || diag1[row + c] || diag2[row - c + MAXN]) continue;
        col_used[c] = diag1[row + c] = diag2[row - c + MAXN] = 1;
        placed[row] = c;
        count += solve(row + 1, n);
        col_used[c] = diag1[row + c] = diag2[row - c + MAXN] = 0;
    }
    return count;
}

void process_main(void) {
    static const long expected[MAXN + 1] = {1, 1, 0, 0, 2, 10, 4, 40, 92, 352, 724, 2680, 14200};
    uint64_t check = 0;
    for (int rep = 0; rep < REPEAT; rep++) {
        for (int n = 4; n <= MAXN; n++) {
            long count = solve(0, n);
            assert(count == expected[n]);
            check = check * 131 + (uint64_t)count;
        }
    }
    check ^= fingerprint * 3 + (uint64_t)nodes;
    console_printf("n-queens 4..%d x%d: %ld solutions for n=%d, %ld nodes, checksum %016lx\n",
                   MAXN, REPEAT, expected[MAXN], MAXN, nodes, (unsigned long)check);
    sys_exit((int)(check % 97));
}
