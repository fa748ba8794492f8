// Sorting 300 pseudo-random numbers four ways (insertion, quicksort, merge sort with a buffer, heap sort);
// every result must be sorted and the same.
#include "../lib/u-lib.h"

#define N 300
static int64_t input[N], a[N], b[N], c[N], d[N], tmp[N];

static void insertion(int64_t* v, int n) {
    for (int i = 1; i < n; i++) {
        int64_t x = v[i];
        int j = i - 1;
        for (; j >= 0 && v[j] > x; j--) v[j + 1] = v[j];
        v[j + 1] = x;
    }
}

static void quick(int64_t* v, int lo, int hi) {
    while (lo < hi) {
        int64_t pivot = v[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                int64_t t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (j - lo < hi - i) {          // recurse into the smaller half: the stack stays shallow
            quick(v, lo, j);
            lo = i;
        } else {
            quick(v, i, hi);
            hi = j;
        }
    }
}

static void merge(int64_t* v, int lo, int hi) {
    if (hi - lo < 2) return;
    int mid = lo + (hi - lo) / 2;
    merge(v, lo, mid);
    merge(v, mid, hi);
    int i = lo, j = mid, k = lo;
    while (i < mid || j < hi) tmp[k++] = (j >= hi || (i < mid && v[i] <= v[j])) ? v[i++] : v[j++];
    memcpy(v + lo, tmp + lo, (size_t)(hi - lo) * sizeof *v);
}

static void sift(int64_t* v, int i, int n) {
    for (;;) {
        int big = i, l = 2 * i + 1, r = l + 1;
        if (l < n && v[l] > v[big]) big = l;
        if (r < n && v[r] > v[big]) big = r;
        if (big == i) return;
        int64_t t = v[i];
        v[i] = v[big];
        v[big] = t;
        i = big;
    }
}

static void heap(int64_t* v, int n) {
    for (int i = n / 2 - 1; i >= 0; i--) sift(v, i, n);
    for (int end = n - 1; end > 0; end--) {
        int64_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift(v, 0, end);
    }
}

static int sorted(const int64_t* v, int n) {
    for (int i = 1; i < n; i++)
        if (v[i - 1] > v[i]) return 0;
    return 1;
}

void process_main(void) {
    uint64_t s = 2463534242UL;
    for (int i = 0; i < N; i++) input[i] = (int64_t)(rand_next(&s) % 20001) - 10000;
    memcpy(a, input, sizeof input);
    memcpy(b, input, sizeof input);
    memcpy(c, input, sizeof input);
    memcpy(d, input, sizeof input);
    insertion(a, N);
    quick(b, 0, N - 1);
    merge(c, 0, N);
    heap(d, N);
    uint64_t h = 0;
    for (int i = 0; i < N; i++) h = h * 1000003 + (uint64_t)a[i];
    console_printf("sorted: %d %d %d %d, same: %d\n", sorted(a, N), sorted(b, N), sorted(c, N), sorted(d, N),
                   !memcmp(a, b, sizeof a) && !memcmp(a, c, sizeof a) && !memcmp(a, d, sizeof a));
    console_printf("min %ld, median %ld, max %ld, hash %016lx\n", a[0], a[N / 2], a[N - 1], h);
    sys_exit(sorted(a, N) + sorted(b, N) + sorted(c, N) + sorted(d, N));
}
