/* The seed's lazy copy as a separate, single-threaded C process: the benchmarks' out-of-process yardstick
 * (bench/VmLab.Bench/PairedRun.cs runs it beside VmLab, batch for batch). It uses libvmlabref's functions, so
 * it times exactly the code the in-process C figure times, without a .NET runtime in the same address space.
 *
 *   lazycopy-ref SIZE BATCH STEP [WARMUP]
 *
 * STEP is eager (fresh chunk + memcpy), lazy (mprotect + mremap) or split (the first write to a lazy copy,
 * which maps fresh memory). After WARMUP untimed batches (default 1) one batch of BATCH chunks is timed; the
 * output is one line: nanoseconds per chunk.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ref_init(void);
void *ref_alloc(size_t size);
void *ref_copy_eager(void *src, size_t size);
void *ref_copy_lazy(void *src, size_t size);
void ref_use_spares(int on);
void ref_free(void *p, size_t size);

enum step { EAGER, LAZY, SPLIT };

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* One batch: the step timed, then every copy split (if still shared) and freed, as the in-process bench does. */
static double batch(enum step s, char **src, char **copies, int n, size_t size)
{
    if (s == SPLIT)
        for (int i = 0; i < n; i++)
            copies[i] = ref_copy_lazy(src[i], size);
    uint64_t t0 = now_ns();
    for (int i = 0; i < n; i++) {
        if (s == EAGER)
            copies[i] = ref_copy_eager(src[i], size);
        else if (s == LAZY)
            copies[i] = ref_copy_lazy(src[i], size);
        else
            ((volatile char *)copies[i])[size / 2 + (size_t)i] = 1;
    }
    uint64_t t1 = now_ns();
    for (int i = 0; i < n; i++) {
        if (!copies[i]) {
            fprintf(stderr, "lazycopy-ref: copy %d failed\n", i);
            exit(1);
        }
        volatile char *c = copies[i];
        c[0] = c[0];   /* splits a copy the step left shared, so its source is writable again */
        ref_free(copies[i], size);
    }
    return (double)(t1 - t0) / n;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: lazycopy-ref SIZE BATCH eager|lazy|split [WARMUP]\n");
        return 2;
    }
    size_t size = strtoull(argv[1], NULL, 0);
    int n = atoi(argv[2]);
    int warmup = argc == 5 ? atoi(argv[4]) : 1;
    enum step s = strcmp(argv[3], "eager") == 0 ? EAGER : strcmp(argv[3], "lazy") == 0 ? LAZY : strcmp(argv[3], "split") == 0 ? SPLIT : (enum step)-1;
    if (size == 0 || size % 4096 != 0 || n <= 0 || n > 4096 || warmup < 0 || (int)s < 0) {
        fprintf(stderr, "lazycopy-ref: bad arguments\n");
        return 2;
    }
    if (ref_init() != 0) {
        fprintf(stderr, "lazycopy-ref: could not register the fault resolver\n");
        return 1;
    }
    ref_use_spares(0);
    char **src = calloc((size_t)n, sizeof *src), **copies = calloc((size_t)n, sizeof *copies);
    for (int i = 0; i < n; i++) {
        if (!(src[i] = ref_alloc(size))) {
            fprintf(stderr, "lazycopy-ref: out of memory\n");
            return 1;
        }
        memset(src[i], i, size);
    }
    for (int w = 0; w < warmup; w++)
        batch(s, src, copies, n, size);
    printf("%.1f\n", batch(s, src, copies, n, size));
    return 0;
}
