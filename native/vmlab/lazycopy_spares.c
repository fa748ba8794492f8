/* Spare memory for splits: pre-faulted MAP_SHARED|MAP_ANONYMOUS mappings, one pool per chunk size.
 *
 * Why: on this machine class almost all of a split's cost is getting fresh frames (a 64 KiB MAP_POPULATE
 * costs ~45 us, the memcpy under 1 us). A split that takes a spare only copies and moves it into place.
 *
 * Where spares come from, both outside the fault path:
 *   - a refill thread (plain pthread, never runs managed code) that maps and populates spares until each pool
 *     holds its target; the fault path kicks it with a write(2) to an eventfd (async-signal-safe);
 *   - recycling: a freed view that owns its frames alone and was never under userfaultfd goes back to its
 *     pool instead of being unmapped, while the pool is below target.
 * A spare's old contents do not matter: a split overwrites all of it.
 *
 * Ordering: the pools live under the same spinlock as the views (lazycopy_table.c), so the handler takes a
 * spare with the lock it already holds. munmap/mmap of spares happen outside the lock, except in
 * lc_spares_trim_locked (a rare path: out of memory or mappings), which touches no chunk memory.
 * Every spare is one mapping: at most LC_POOLS * LC_POOL_MAX of them, inside ChunkAllocator.RuntimeReserve.
 */
#define _GNU_SOURCE
#include "vmlab.h"
#include "lazycopy.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#define LC_POOLS 8
#define LC_POOL_MAX 64

struct lc_pool {
    size_t size;        /* 0: slot unused */
    int users;          /* allocators holding this pool */
    int target;         /* spares wanted */
    int count;
    uintptr_t slot[LC_POOL_MAX];
};

static struct lc_pool pools[LC_POOLS];   /* under the lock */
/* Held for a whole refill pass and by a release that empties a pool, so a release returns only when no
 * spare of its pool is left mapped, in flight included. Never taken by the fault path. */
static pthread_mutex_t refill_mutex = PTHREAD_MUTEX_INITIALIZER;
static int kick_fd = -1;                 /* eventfd the refill thread waits on */
static pthread_once_t refill_once = PTHREAD_ONCE_INIT;
static int refill_error;

static struct lc_pool *pool_of(size_t size)
{
    for (int i = 0; i < LC_POOLS; i++)
        if (pools[i].size == size)
            return &pools[i];
    return NULL;
}

/* Async-signal-safe: wakes the refill thread. */
static void kick(void)
{
    uint64_t one = 1;
    if (kick_fd >= 0) {
        ssize_t ignored = write(kick_fd, &one, sizeof one);
        (void)ignored;
    }
}

/* ---- the fault path and free (lock held) ---- */

/* When a split last took (or wanted) a spare; the refill thread waits for a quiet moment after it. */
static uint64_t last_take_ns;

uintptr_t lc_spare_take(size_t size)
{
    struct lc_pool *p = pool_of(size);
    if (!p)
        return 0;
    __atomic_store_n(&last_take_ns, vmlab_now_ns(), __ATOMIC_RELAXED);
    kick();
    if (p->count == 0)
        return 0;
    lc_stats.spares--;
    return p->slot[--p->count];
}

/* v owned its frames alone (the caller checked, before v left its ring). */
int lc_spare_keep(struct lc_view *v)
{
    struct lc_pool *p = pool_of(v->size);
    if (!v->spares || !p || p->count >= p->target || v->uffd >= 0 || !v->writable)
        return 0;
    p->slot[p->count++] = v->addr;
    lc_stats.spares++;
    lc_stats.recycled++;
    return 1;
}

/* Unmaps every spare of every pool. For the rare path that ran out of memory or mappings. */
void lc_spares_trim_locked(void)
{
    for (int i = 0; i < LC_POOLS; i++)
        while (pools[i].count > 0) {
            munmap((void *)pools[i].slot[--pools[i].count], pools[i].size);
            lc_stats.spares--;
        }
}

/* ---- the refill thread ---- */

/* Refilling must not run during a burst of splits: MAP_POPULATE holds the process's mmap lock while it faults
 * the pages in, and every split's mremap needs that lock too (measured: splits 6x slower while refilling).
 * So the thread waits until no split has wanted a spare for QUIET_NS, and checks again before each spare. */
#define QUIET_NS 1000000

static void wait_for_quiet(void)
{
    for (;;) {
        /* signed: a split on another CPU may have stored a time later than this thread's now */
        int64_t since = (int64_t)(vmlab_now_ns() - __atomic_load_n(&last_take_ns, __ATOMIC_RELAXED));
        if (since >= QUIET_NS)
            return;
        usleep((useconds_t)((QUIET_NS - since) / 1000 + 1));
    }
}

/* One pass: tops up every pool to its target and unmaps what a pool holds beyond it. */
static void refill_pass(void)
{
    for (int i = 0; i < LC_POOLS; i++) {
        for (;;) {
            lc_lock();
            struct lc_pool *p = &pools[i];
            size_t size = p->size;
            int want = size ? p->target - p->count : 0;
            uintptr_t extra = 0;
            if (want < 0) {
                extra = p->slot[--p->count];
                lc_stats.spares--;
            }
            lc_unlock();
            if (extra) {
                munmap((void *)extra, size);
                continue;
            }
            if (want <= 0) {
                lc_lock();
                if (p->users == 0 && p->count == 0)
                    p->size = 0;   /* the slot is free for another size */
                lc_unlock();
                break;
            }
            wait_for_quiet();
            void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
            if (m == MAP_FAILED)
                break;   /* out of memory or mappings: splits fall back to mapping their own */
            lc_lock();
            int placed = p->size == size && p->count < p->target && p->count < LC_POOL_MAX;
            if (placed) {
                p->slot[p->count++] = (uintptr_t)m;
                lc_stats.spares++;
            }
            lc_unlock();
            if (!placed) {
                munmap(m, size);
                break;
            }
        }
    }
}

static void *refill_main(void *arg)
{
    (void)arg;
    /* Runs no managed code and holds no runtime lock; blocks in read(2) between kicks. */
    for (;;) {
        uint64_t n;
        if (read(kick_fd, &n, sizeof n) < 0 && errno != EINTR)
            return NULL;
        pthread_mutex_lock(&refill_mutex);
        refill_pass();
        pthread_mutex_unlock(&refill_mutex);
    }
}

static void start_refill(void)
{
    kick_fd = eventfd(0, EFD_CLOEXEC);
    if (kick_fd < 0) {
        refill_error = errno;
        return;
    }
    pthread_t t;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);   /* signals are for the runtime's threads, not this one */
    int rc = pthread_create(&t, NULL, refill_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close(kick_fd);
        kick_fd = -1;
        refill_error = rc;
        return;
    }
    pthread_detach(t);
}

/* ---- the native API ---- */

/* One more user of the pool for `size`, which keeps at least `target` spares (at most LC_POOL_MAX) from now
 * on; filled in the background. 0, or -1 with errno (EINVAL: bad size; ENOSPC: LC_POOLS sizes in use). */
VMLAB_EXPORT int vmlab_lc_spares_acquire(size_t size, int target)
{
    if (size == 0 || size % (size_t)sysconf(_SC_PAGESIZE) != 0 || target < 0) {
        errno = EINVAL;
        return -1;
    }
    pthread_once(&refill_once, start_refill);
    if (kick_fd < 0) {
        errno = refill_error;
        return -1;
    }
    if (target > LC_POOL_MAX)
        target = LC_POOL_MAX;
    lc_lock();
    struct lc_pool *p = pool_of(size);
    if (!p && (p = pool_of(0)) != NULL) {
        p->size = size;
        p->users = p->target = p->count = 0;
    }
    if (p) {
        p->users++;
        if (target > p->target)
            p->target = target;
    }
    lc_unlock();
    if (!p) {
        errno = ENOSPC;
        return -1;
    }
    kick();
    return 0;
}

/* One user fewer; the last one's going unmaps the pool's spares before this returns. */
VMLAB_EXPORT void vmlab_lc_spares_release(size_t size)
{
    pthread_mutex_lock(&refill_mutex);
    lc_lock();
    struct lc_pool *p = pool_of(size);
    int last = p && --p->users == 0;
    if (last)
        p->target = 0;
    lc_unlock();
    if (last)
        refill_pass();   /* unmaps what the pool holds beyond its target of 0, and frees the slot */
    pthread_mutex_unlock(&refill_mutex);
}

/* Waits (briefly, polling) until every pool holds its target, for tests and benchmarks that want the steady
 * state. Returns 1 when full, 0 after timeout_ms. */
VMLAB_EXPORT int vmlab_lc_spares_wait_full(int timeout_ms)
{
    for (int waited = 0;; waited++) {
        int full = 1;
        lc_lock();
        for (int i = 0; i < LC_POOLS; i++)
            if (pools[i].size && pools[i].count != pools[i].target)
                full = 0;
        lc_unlock();
        if (full)
            return 1;
        if (waited >= timeout_ms)
            return 0;
        kick();
        usleep(1000);
    }
}
