// Sudoku by backtracking: makes 35 puzzles by digging holes in random solved grids while the solution stays
// unique, each dig checked by a search for a second solution (row/column/box bitmasks, a fewest-candidates
// cell choice): recursion, table lookups, bit tricks, a scan of 81 cells per node.
#include "u-lib.h"

#define PUZZLES 35

static unsigned char grid[81];
static unsigned char first[81];
static uint16_t rows[9], cols[9], boxes[9];
static unsigned char popcnt[512];
static unsigned char box_of[81];
static long nodes;
static int solutions;
static int limit;                 // stop after this many solutions
static uint64_t rng = 0xA54FF53A5F1D36F1ULL;
static int shuffle;               // try digits from a random start (to make a random solved grid)

static void place(int cell, int d) {
    uint16_t bit = (uint16_t)(1u << (d - 1));
    grid[cell] = (unsigned char)d;
    rows[cell / 9] |= bit; cols[cell % 9] |= bit; boxes[box_of[cell]] |= bit;
}

static void unplace(int cell, int d) {
    uint16_t bit = (uint16_t)~(1u << (d - 1));
    grid[cell] = 0;
    rows[cell / 9] &= bit; cols[cell % 9] &= bit; boxes[box_of[cell]] &= bit;
}

static void search(void) {
    nodes++;
    int best = -1, best_n = 10;
    unsigned best_mask = 0;
    for (int c = 0; c < 81; c++) {
        if (grid[c]) continue;
        unsigned mask = 0x1FFu & ~(unsigned)(rows[c / 9] | cols[c % 9] | boxes[box_of[c]]);
        int n = popcnt[mask];
        if (n < best_n) {
            best = c; best_n = n; best_mask = mask;
            if (n <= 1) break;
        }
    }
    if (best < 0) {                                   // full: a solution
        if (solutions++ == 0) memcpy(first, grid, 81);
        return;
    }
    int start = shuffle ? (int)(rand_next(&rng) % 9) : 0;
    for (int k = 0; k < 9 && solutions < limit; k++) {
        int d = 1 + (start + k) % 9;
        if (!(best_mask & (1u << (d - 1)))) continue;
        place(best, d);
        search();
        unplace(best, d);
    }
}

static void load(const unsigned char* puzzle) {
    memset(rows, 0, sizeof rows); memset(cols, 0, sizeof cols); memset(boxes, 0, sizeof boxes);
    memset(grid, 0, sizeof grid);
    for (int c = 0; c < 81; c++) if (puzzle[c]) place(c, puzzle[c]);
}

void process_main(void) {
    for (int m = 0; m < 512; m++) { int n = 0; for (int k = m; k; k &= k - 1) n++; popcnt[m] = (unsigned char)n; }
    for (int c = 0; c < 81; c++) box_of[c] = (unsigned char)((c / 27) * 3 + (c % 9) / 3);

    uint64_t check = 0;
    int total_clues = 0, fewest = 81;
    unsigned char solved[81];
    for (int p = 0; p < PUZZLES; p++) {
        // A random solved grid: the search on an empty grid, trying digits from a random start at each cell.
        unsigned char puzzle[81], order[81];
        memset(puzzle, 0, sizeof puzzle);
        load(puzzle);
        solutions = 0; limit = 1; shuffle = 1;
        search();
        assert(solutions == 1);
        memcpy(solved, first, 81);
        // Dig holes: visit the cells in a random order and empty each one if the puzzle still has exactly one
        // solution (each test is a search that stops at the second solution).
        memcpy(puzzle, solved, 81);
        for (int i = 0; i < 81; i++) order[i] = (unsigned char)i;
        for (int i = 80; i > 0; i--) {
            int j = (int)(rand_next(&rng) % (uint64_t)(i + 1));
            unsigned char t = order[i]; order[i] = order[j]; order[j] = t;
        }
        int clues = 81;
        for (int i = 0; i < 81; i++) {
            unsigned char keep = puzzle[order[i]];
            puzzle[order[i]] = 0;
            load(puzzle);
            solutions = 0; limit = 2; shuffle = 0;
            search();
            if (solutions == 1) clues--; else puzzle[order[i]] = keep;
        }
        // Solve the final puzzle once more and check it gives back the grid.
        load(puzzle);
        solutions = 0; limit = 2;
        search();
        assert(solutions == 1 && memcmp(first, solved, 81) == 0);
        total_clues += clues;
        if (clues < fewest) fewest = clues;
        for (int c = 0; c < 81; c++) check = check * 3 + (puzzle[c] != 0);
    }
    check = check * 1000003 + (uint64_t)nodes;
    console_printf("sudoku %d puzzles dug out: %d clues on average, fewest %d, %ld search nodes, checksum %016lx\n",
                   PUZZLES, total_clues / PUZZLES, fewest, nodes, (unsigned long)check);
    sys_exit((int)(check % 97));
}
