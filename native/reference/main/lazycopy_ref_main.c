/* The seed's lazy copy as a separate, single-threaded C process: the benchmarks' out-of-process yardstick
 * (bench/VmLab.Bench/PairedRun.cs runs it beside VmLab, batch for batch). It uses libvmlabref's functions, so
 * it times exactly the code the in-process C figure times, without a .NET runtime in the same address space.
 *
 *   lazycopy-ref SIZE BATCH STEP [WARMUP [idle-thread|resident=MIB|reserve=MIB]]
 *
 * STEP is eager (fresh chunk + memcpy), lazy (mprotect + mremap) or split (the first write to a lazy copy,
 * which maps fresh memory). After WARMUP untimed batches (default 1) one batch of BATCH chunks is timed; the
 * output is one line: nanoseconds per chunk.
 *
 * idle-thread: the process also runs a second thread, pinned to another CPU, that only sleeps and wakes every
 * 100 us. It touches no chunk; on this machine class such a thread makes a 2 MiB lazy copy 20-35 % dearer
 * (a thread that blocks costs nothing; a .NET process's helper threads block while the bench measures).
 *
 * resident=MIB: before anything is timed, the process maps and touches MIB MiB of private memory it never uses
 * again, so its page tables are as big as a .NET process's (whose runtime, heap and code keep ~100 MiB or more
 * resident): what a flush of the whole TLB costs may depend on that in a virtual machine.
 *
 * reserve=MIB: before the chunks, the process reserves MIB MiB of address space (PROT_NONE, nothing touched)
 * where the kernel puts it: right below the libraries, as a managed runtime's heap and code reservations are.
 * The chunks then land below the reservation, where they land in a .NET process. On this machine class that
 * placement alone changes what a 2 MiB lazy copy costs (docs/lazy-copy.md, "Where the 2 MiB gap comes from").
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int ref_init(void);
void *ref_alloc(size_t size);
void *ref_copy_eager(void *src, size_t size);
void *ref_copy_lazy(void *src, size_t size);
void ref_use_spares(int on);
void ref_free(void *p, size_t size);

enum step { EAGER, LAZY, SPLIT };

static void *idle_thread(void *arg)
{
    (void)arg;
    struct timespec t = { 0, 100000 };
    for (;;)
        nanosleep(&t, NULL);
    return NULL;
}

/* Starts idle_thread on a CPU other than this one (any CPU when there is only one). */
static int start_idle_thread(void)
{
    pthread_t th;
    pthread_attr_t attr;
    cpu_set_t set;
    int here = sched_getcpu(), n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    CPU_ZERO(&set);
    for (int c = 0; c < n; c++)
        if (c != here || n == 1)
            CPU_SET(c, &set);
    pthread_attr_init(&attr);
    pthread_attr_setaffinity_np(&attr, sizeof set, &set);
    int rc = pthread_create(&th, &attr, idle_thread, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        return -1;
    struct timespec t = { 0, 2000000 };   /* let it run once on its CPU */
    nanosleep(&t, NULL);
    return 0;
}

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
    long resident = argc == 6 && strncmp(argv[5], "resident=", 9) == 0 ? atol(argv[5] + 9) : 0;
    long reserve = argc == 6 && strncmp(argv[5], "reserve=", 8) == 0 ? atol(argv[5] + 8) : 0;
    if (argc < 4 || argc > 6 || (argc == 6 && strcmp(argv[5], "idle-thread") != 0 && resident <= 0 && reserve <= 0)) {
        fprintf(stderr, "usage: lazycopy-ref SIZE BATCH eager|lazy|split [WARMUP [idle-thread|resident=MIB|reserve=MIB]]\n");
        return 2;
    }
    size_t size = strtoull(argv[1], NULL, 0);
    int n = atoi(argv[2]);
    int warmup = argc >= 5 ? atoi(argv[4]) : 1;
    enum step s = strcmp(argv[3], "eager") == 0 ? EAGER : strcmp(argv[3], "lazy") == 0 ? LAZY : strcmp(argv[3], "split") == 0 ? SPLIT : (enum step)-1;
    if (size == 0 || size % 4096 != 0 || n <= 0 || n > 4096 || warmup < 0 || (int)s < 0) {
        fprintf(stderr, "lazycopy-ref: bad arguments\n");
        return 2;
    }
    if (ref_init() != 0) {
        fprintf(stderr, "lazycopy-ref: could not register the fault resolver\n");
        return 1;
    }
    if (resident > 0) {
        size_t bytes = (size_t)resident << 20;
        char *ballast = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (ballast == MAP_FAILED) {
            fprintf(stderr, "lazycopy-ref: out of memory\n");
            return 1;
        }
        for (size_t i = 0; i < bytes; i += 4096)
            ballast[i] = 1;
    }
    if (reserve > 0 && mmap(NULL, (size_t)reserve << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) == MAP_FAILED) {
        fprintf(stderr, "lazycopy-ref: could not reserve %ld MiB\n", reserve);
        return 1;
    }
    if (argc == 6 && resident == 0 && reserve == 0 && start_idle_thread() != 0) {
        fprintf(stderr, "lazycopy-ref: could not start the idle thread\n");
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
