/* The region resolver: a table of [start, end) ranges with a policy each, read by the SIGSEGV handler.
 *
 * Ordering rules (the whole reason this file is careful):
 *  - The handler never takes a lock. It reads `current`, a pointer to an immutable table sorted by start.
 *    Writers (add/remove, serialised by write_lock) build a complete new table, then publish it with one
 *    atomic store. A handler therefore sees either the old table or the new one, never a half-written one.
 *  - Region records (the counters) are separate from tables and never move, so a fault counted through an
 *    old table still lands in the record the new table points to: republishing loses no count.
 *  - An old table (and a removed record) may still be in use by a handler on another thread. The handler
 *    brackets its use with `readers` (increment before loading `current`, decrement after its last access
 *    to the table or record). A writer retires the old objects after publishing, and frees retired objects
 *    only when it then reads `readers` == 0. Both sides use sequentially consistent operations, so either
 *    the handler's increment is ordered before the writer's read (the writer sees a reader and waits or
 *    defers), or it is ordered after the writer's publish (the handler loads the new table and cannot reach
 *    the retired objects). Retired objects that could not be freed yet wait for the next writer.
 */
#define _GNU_SOURCE
#include "regions.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

struct vmlab_region {
    uintptr_t start, end;
    int policy;
    volatile uint64_t faults;    /* cured by the policy */
    volatile uint64_t refused;   /* inside the range, but the policy could not cure it */
    volatile uint64_t log_next;  /* fault addresses claimed in log[] (may exceed log_capacity) */
    volatile int splitting;      /* SPLIT_ON_WRITE: one thread splits, the others wait for it */
    uint64_t log_capacity;
    uint64_t *log;
    struct vmlab_region *retired_next;
};

struct entry {
    uintptr_t start, end;   /* copies of the record's range: the search touches only the table */
    struct vmlab_region *region;
};

struct table {
    size_t count;
    struct table *retired_next;
    struct entry entries[];
};

static struct table *volatile current;          /* published table; NULL while empty */
static volatile uint64_t readers;                /* handlers between their load of current and their last use */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static struct table *retired_tables;             /* under write_lock */
static struct vmlab_region *retired_regions;     /* under write_lock */
static size_t retired_count;                     /* under write_lock */
static int installed;                            /* under write_lock */
static volatile uintptr_t page_size = 4096;      /* set before the first table is published */
static volatile int have_populate;               /* MADV_POPULATE_* works on this kernel */

/* ---- the handler side: async-signal-safe, no locks, no allocation ---- */

static struct vmlab_region *find(const struct table *t, uintptr_t a)
{
    size_t lo = 0, hi = t->count;   /* the last entry with start <= a is in [lo, hi) ... */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->entries[mid].start <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* ... and is lo - 1 */
    if (lo == 0 || a >= t->entries[lo - 1].end)
        return NULL;
    return t->entries[lo - 1].region;
}

/* Asks the kernel whether the access would now succeed, without trapping: MADV_POPULATE_* fails where a
 * real access would fault (EFAULT: SIGBUS, EINVAL: protections, ENOMEM: unmapped). Without this, a fault
 * the policy cannot cure (a SIGBUS past the end of a file, a write to a page the policy made read-only)
 * would be retried forever. */
static int access_possible(uintptr_t page, int is_write)
{
    if (!have_populate)
        return 1;
    if (madvise((void *)page, page_size, is_write == 1 ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0)
        return 1;
    return errno != EFAULT && errno != EINVAL && errno != ENOMEM && errno != EHWPOISON;
}

/* SPLIT_ON_WRITE: the region is replaced by a copy of itself (vmlab_replace_with_copy), so the range is never
 * a hole another thread could fault on. A thread that faulted while another was splitting finds the write
 * possible once it has the flag, and splits nothing. */
static int split_region(struct vmlab_region *r, uintptr_t page, int is_write)
{
    if (is_write == 0)
        return 0;
    while (__atomic_exchange_n(&r->splitting, 1, __ATOMIC_ACQUIRE))
        sched_yield();
    int ok = have_populate && access_possible(page, 1);
    size_t len = r->end - r->start;
    /* The copy reads the whole region: a page that cannot be read would fault inside this handler, where
     * SIGSEGV is blocked and the kernel kills the process. Populating it first also maps every page in one
     * call instead of one fault per page (a second view made by mremap starts with no page tables). */
    if (!ok && have_populate && madvise((void *)r->start, len, MADV_POPULATE_READ) != 0) {
        __atomic_store_n(&r->splitting, 0, __ATOMIC_RELEASE);
        return 0;
    }
    if (!ok)
        ok = vmlab_replace_with_copy((void *)r->start, len, (const void *)r->start) == 0;
    __atomic_store_n(&r->splitting, 0, __ATOMIC_RELEASE);
    return ok;
}

/* Cures a fault at page under the region's policy; 1 when the access may be retried. */
static int apply(struct vmlab_region *r, uintptr_t page, int is_write)
{
    switch (r->policy) {
    case VMLAB_POLICY_MAKE_ACCESSIBLE:
        if (mprotect((void *)page, page_size, PROT_READ | PROT_WRITE) != 0)
            return 0;
        break;
    case VMLAB_POLICY_MAKE_READABLE:
        if (is_write == 1 || mprotect((void *)page, page_size, PROT_READ) != 0)
            return 0;
        break;
    case VMLAB_POLICY_MAP_FRESH_PAGE: {
        /* MAP_FIXED would silently replace whatever now occupies the hole (the runtime may have placed a
         * heap reservation there since the hole was made); NOREPLACE refuses with EEXIST instead. EEXIST
         * is also what a second thread faulting on the same page gets when the first one has just mapped
         * it; access_possible tells the two apart. A kernel older than 4.17 ignores the flag and may map
         * elsewhere: undo that and refuse. */
        void *p = mmap((void *)page, page_size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == MAP_FAILED) {
            if (errno != EEXIST)
                return 0;
        } else if ((uintptr_t)p != page) {
            munmap(p, page_size);
            return 0;
        }
        break;
    }
    case VMLAB_POLICY_SPLIT_ON_WRITE:
        if (!split_region(r, page, is_write))
            return 0;
        break;
    default:
        return 0;
    }
    return access_possible(page, is_write);
}

static int resolve(void *addr, int is_write)
{
    uintptr_t a = (uintptr_t)addr;
    int saved_errno = errno, cured = 0;
    __atomic_add_fetch(&readers, 1, __ATOMIC_SEQ_CST);
    struct table *t = __atomic_load_n(&current, __ATOMIC_SEQ_CST);
    struct vmlab_region *r = t ? find(t, a) : NULL;
    if (r) {
        cured = apply(r, a & ~(page_size - 1), is_write);
        if (cured) {
            uint64_t i = __atomic_fetch_add(&r->log_next, 1, __ATOMIC_RELAXED);
            if (i < r->log_capacity)
                r->log[i] = a;
            __atomic_add_fetch(&r->faults, 1, __ATOMIC_RELEASE);
        } else {
            __atomic_add_fetch(&r->refused, 1, __ATOMIC_RELEASE);
        }
    }
    /* Release: every read of t and write to r above happens before a writer can see readers drop. */
    __atomic_sub_fetch(&readers, 1, __ATOMIC_RELEASE);
    errno = saved_errno;
    return cured;
}

/* ---- the writer side: ordinary code, serialised by write_lock ---- */

/* True when no handler is between its load of `current` and its last use of what it found. With wait,
 * yields a while for running handlers to finish (they are short: one or two system calls). */
static int quiescent(int wait)
{
    for (int spins = 0; __atomic_load_n(&readers, __ATOMIC_SEQ_CST) != 0; spins++) {
        if (!wait || spins == 1000)
            return 0;
        sched_yield();
    }
    return 1;
}

/* Frees every retired object. Only after quiescent() returned 1 following the last publish. */
static void free_retired(void)
{
    while (retired_tables) {
        struct table *t = retired_tables;
        retired_tables = t->retired_next;
        free(t);
    }
    while (retired_regions) {
        struct vmlab_region *r = retired_regions;
        retired_regions = r->retired_next;
        free(r->log);
        free(r);
    }
    retired_count = 0;
}

/* Makes next the table handlers see, and retires the one it replaces. */
static void publish(struct table *next)
{
    struct table *old = current;
    __atomic_store_n(&current, next, __ATOMIC_SEQ_CST);
    if (old) {
        old->retired_next = retired_tables;
        retired_tables = old;
        retired_count++;
    }
}

static struct table *table_alloc(size_t count)
{
    struct table *t = malloc(sizeof *t + count * sizeof(struct entry));
    if (t)
        t->count = count;
    return t;
}

static int first_use(void)
{
    if (installed)
        return 0;
    page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
    void *probe = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (probe != MAP_FAILED) {
        have_populate = madvise(probe, page_size, MADV_POPULATE_READ) == 0;
        munmap(probe, page_size);
    }
    if (vmlab_fault_install() != 0 || vmlab_fault_add_resolver(resolve) != 0)
        return -1;
    installed = 1;
    return 0;
}

VMLAB_EXPORT int vmlab_region_add(void *start, size_t length, int policy, size_t log_capacity,
                                  struct vmlab_region **out)
{
    uintptr_t s = (uintptr_t)start;
    if (policy < VMLAB_POLICY_MAKE_ACCESSIBLE || policy > VMLAB_POLICY_SPLIT_ON_WRITE || length == 0 || !out) {
        errno = EINVAL;
        return -1;
    }
    pthread_mutex_lock(&write_lock);
    int rc = -1;
    if (first_use() != 0)
        goto out;
    uintptr_t len = (length + page_size - 1) & ~(page_size - 1);
    if ((s & (page_size - 1)) != 0 || len < length || s + len < s) {
        errno = EINVAL;
        goto out;
    }
    const struct table *t = current;
    size_t n = t ? t->count : 0, at = 0;
    while (at < n && t->entries[at].start < s)
        at++;
    if ((at > 0 && t->entries[at - 1].end > s) || (at < n && t->entries[at].start < s + len)) {
        errno = EEXIST;
        goto out;
    }
    struct vmlab_region *r = calloc(1, sizeof *r);
    struct table *next = table_alloc(n + 1);
    uint64_t *log = log_capacity ? calloc(log_capacity, sizeof *log) : NULL;
    if (!r || !next || (log_capacity && !log)) {
        free(r), free(next), free(log);
        errno = ENOMEM;
        goto out;
    }
    *r = (struct vmlab_region){ .start = s, .end = s + len, .policy = policy,
                                .log_capacity = log_capacity, .log = log };
    if (n)
        memcpy(next->entries, t->entries, at * sizeof(struct entry));
    next->entries[at] = (struct entry){ r->start, r->end, r };
    if (n > at)
        memcpy(next->entries + at + 1, t->entries + at, (n - at) * sizeof(struct entry));
    publish(next);
    if (quiescent(0))
        free_retired();
    *out = r;
    rc = 0;
out:
    pthread_mutex_unlock(&write_lock);
    return rc;
}

VMLAB_EXPORT int vmlab_region_remove(struct vmlab_region *region, uint64_t *faults_out)
{
    pthread_mutex_lock(&write_lock);
    const struct table *t = current;
    size_t n = t ? t->count : 0, at = 0;
    while (at < n && t->entries[at].region != region)
        at++;
    if (at == n) {
        pthread_mutex_unlock(&write_lock);
        errno = EINVAL;
        return -1;
    }
    struct table *next = NULL;
    if (n > 1) {
        /* Allocation failure here would leave a region nobody can remove; retry rather than fail. */
        while (!(next = table_alloc(n - 1)))
            sched_yield();
        memcpy(next->entries, t->entries, at * sizeof(struct entry));
        memcpy(next->entries + at, t->entries + at + 1, (n - at - 1) * sizeof(struct entry));
    }
    publish(next);
    region->retired_next = retired_regions;
    retired_regions = region;
    retired_count++;
    /* Wait for handlers that may still count into this record, so the final count is final; if one is
     * still running after the wait, the record stays retired and a later writer frees it. */
    int idle = quiescent(1);
    if (faults_out)
        *faults_out = __atomic_load_n(&region->faults, __ATOMIC_ACQUIRE);
    if (idle)
        free_retired();
    pthread_mutex_unlock(&write_lock);
    return 0;
}

VMLAB_EXPORT uint64_t vmlab_region_faults(const struct vmlab_region *region)
{
    return __atomic_load_n(&region->faults, __ATOMIC_ACQUIRE);
}

VMLAB_EXPORT uint64_t vmlab_region_refused(const struct vmlab_region *region)
{
    return __atomic_load_n(&region->refused, __ATOMIC_ACQUIRE);
}

VMLAB_EXPORT size_t vmlab_region_log(const struct vmlab_region *region, uint64_t *out, size_t capacity)
{
    uint64_t n = __atomic_load_n(&region->log_next, __ATOMIC_ACQUIRE);
    if (n > region->log_capacity)
        n = region->log_capacity;
    if (n > capacity)
        n = capacity;
    memcpy(out, region->log, n * sizeof *out);
    return n;
}

VMLAB_EXPORT size_t vmlab_region_count(void)
{
    /* Under the lock: a writer may free the table the moment after it is replaced. */
    pthread_mutex_lock(&write_lock);
    size_t n = current ? current->count : 0;
    pthread_mutex_unlock(&write_lock);
    return n;
}

VMLAB_EXPORT size_t vmlab_region_retired(void)
{
    pthread_mutex_lock(&write_lock);
    size_t n = retired_count;
    pthread_mutex_unlock(&write_lock);
    return n;
}
