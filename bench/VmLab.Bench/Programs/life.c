// Conway's game of life on a 96x96 torus, 1800 generations from a seeded random start: byte loads from eight
// neighbours, wrap-around index arithmetic, a data-dependent branch per cell, then a copy back. About 0.8 G
// instructions: the large end of the compute programs the benchmark covers.
#include "u-lib.h"

#define W 96
#define H 96
static unsigned char grid[H][W], next[H][W];

void process_main(void) {
    uint64_t state = 2024;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) grid[y][x] = (rand_next(&state) & 3) == 0;
    long alive = 0;
    for (int gen = 0; gen < 1800; gen++) {
        for (int y = 0; y < H; y++) {
            int up = (y + H - 1) % H, down = (y + 1) % H;
            for (int x = 0; x < W; x++) {
                int left = (x + W - 1) % W, right = (x + 1) % W;
                int n = grid[up][left] + grid[up][x] + grid[up][right] + grid[y][left] + grid[y][right]
                      + grid[down][left] + grid[down][x] + grid[down][right];
                next[y][x] = n == 3 || (n == 2 && grid[y][x]);
            }
        }
        memcpy(grid, next, sizeof grid);
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) alive += grid[y][x];
    console_printf("life: %ld alive after 1800 generations\n", alive);
    sys_exit((int)(alive % 97));
}
