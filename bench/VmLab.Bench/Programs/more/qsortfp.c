// A quicksort that compares through a function pointer (an indirect call and a return per comparison) over 4,000
// eight-byte structs, 200 times with fresh keys, each result checked sorted; 0.19 G instructions at -O2.
#include "u-lib.h"
typedef struct { uint32_t key; uint32_t tie; } rec;
#define N 4000
static rec a[N];
static uint64_t seed = 88172645463325252ULL;
static uint32_t next(void) { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return (uint32_t)seed; }
static int cmp_key(const void* x, const void* y) {
    const rec* p = x; const rec* q = y;
    if (p->key != q->key) return p->key < q->key ? -1 : 1;
    return (p->tie > q->tie) - (p->tie < q->tie);
}
static void swap(rec* p, rec* q) { rec t = *p; *p = *q; *q = t; }
static void my_qsort(rec* v, long n, int (*cmp)(const void*, const void*)) {
    while (n > 1) {
        rec pivot = v[n / 2];
        long i = 0, j = n - 1;
        while (i <= j) {
            while (cmp(&v[i], &pivot) < 0) i++;
            while (cmp(&v[j], &pivot) > 0) j--;
            if (i <= j) { swap(&v[i], &v[j]); i++; j--; }
        }
        if (j + 1 < n - i) { my_qsort(v, j + 1, cmp); v += i; n -= i; }
        else { my_qsort(v + i, n - i, cmp); n = j + 1; }
    }
}
void process_main(void) {
    uint64_t h = 0;
    for (int rep = 0; rep < 200; rep++) {
        for (int k = 0; k < N; k++) { a[k].key = next() % 5000; a[k].tie = next(); }
        my_qsort(a, N, cmp_key);
        for (int k = 1; k < N; k++) if (cmp_key(&a[k - 1], &a[k]) > 0) { console_printf("unsorted\n"); sys_exit(1); }
        h = h * 31 + a[N / 2].key + a[7].tie;
    }
    console_printf("qsortfp %lx\n", (unsigned long)h);
    sys_exit((int)(h % 97));
}
