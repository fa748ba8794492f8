/* fork with a C-only child: see fork.h for why. Everything the child calls is async-signal-safe. */
#define _GNU_SOURCE
#include "fork.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* pagemap entries of `pages` pages from `base` into out[]; pages past the address space read as 0. */
static int read_entries(int fd, const struct vmlab_touch_plan *p, uint64_t *out)
{
    size_t want = p->pages * sizeof(uint64_t), got = 0;
    off_t off = (off_t)(p->base / p->page_size * sizeof(uint64_t));
    while (got < want) {
        ssize_t n = pread(fd, (char *)out + got, want - got, off + (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    for (size_t i = got / sizeof(uint64_t); i < p->pages; i++)
        out[i] = 0;
    return 0;
}

/* kpagecount of each present frame in entries[] (0 for no frame, hidden frame, or a failed read). */
static void read_counts(int fd, const uint64_t *entries, uint64_t pages, uint64_t *out)
{
    const uint64_t present = 1ull << 63, swapped = 1ull << 62, pfn_mask = (1ull << 55) - 1;
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t pfn = entries[i] & pfn_mask, count = 0;
        if (fd >= 0 && (entries[i] & present) && !(entries[i] & swapped) && pfn != 0
            && pread(fd, &count, sizeof count, (off_t)(pfn * sizeof(uint64_t))) != (ssize_t)sizeof count)
            count = 0;
        out[i] = count;
    }
}

static void run_child(const struct vmlab_touch_plan *p, struct vmlab_touch_result *r)
{
    volatile uint64_t *base = (volatile uint64_t *)(uintptr_t)p->base;
    uint64_t stride = p->page_size / sizeof(uint64_t);
    uint64_t *before = r->data, *after = r->data + p->pages;
    uint64_t *count_before = r->data + 2 * p->pages, *count_after = r->data + 3 * p->pages;
    int pm = -1, kc = -1;

    r->child_pid = (uint64_t)getpid();
    r->value_before = base[0];
    if (p->flags & VMLAB_TOUCH_PAGEMAP) {
        pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
        r->pagemap_errno = pm < 0 ? errno : 0;
        kc = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
        r->kpagecount_errno = kc < 0 ? errno : 0;
        if (pm >= 0 && (r->pagemap_errno = read_entries(pm, p, before)) == 0)
            read_counts(kc, before, p->pages, count_before);
    }

    if (p->flags & VMLAB_TOUCH_INTERLEAVE) {
        /* Every pass over one page before the next page: a page's writes are timed back to back. */
        for (uint32_t pass = 0; pass < p->passes; pass++)
            r->pass_ns[pass] = 0;
        for (uint64_t page = 0; page < p->pages; page++) {
            for (uint32_t pass = 0; pass < p->passes; pass++) {
                uint64_t t0 = vmlab_now_ns();
                for (uint64_t w = 0; w < p->words_per_page; w++)
                    base[page * stride + w] = p->value;
                uint64_t ns = vmlab_now_ns() - t0;
                r->data[(4 + pass) * p->pages + page] = ns;
                r->pass_ns[pass] += ns;
            }
        }
    }
    for (uint32_t pass = 0; pass < p->passes && !(p->flags & VMLAB_TOUCH_INTERLEAVE); pass++) {
        uint64_t *page_ns = r->data + (4 + pass) * p->pages;
        uint64_t t0 = vmlab_now_ns(), t = t0;
        for (uint64_t page = 0; page < p->pages; page++) {
            for (uint64_t w = 0; w < p->words_per_page; w++)
                base[page * stride + w] = p->value;
            uint64_t t1 = vmlab_now_ns();
            page_ns[page] = t1 - t;
            t = t1;
        }
        r->pass_ns[pass] = t - t0;
    }
    r->value_after = base[0];

    if (pm >= 0 && (r->pagemap_errno = read_entries(pm, p, after)) == 0)
        read_counts(kc, after, p->pages, count_after);
    if (pm >= 0)
        close(pm);
    if (kc >= 0)
        close(kc);
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
    _exit(0);
}

uint64_t vmlab_touch_result_size(uint64_t pages)
{
    return sizeof(struct vmlab_touch_result) + (4 + VMLAB_TOUCH_MAX_PASSES) * pages * sizeof(uint64_t);
}

pid_t vmlab_fork_touch(const struct vmlab_touch_plan *plan, struct vmlab_touch_result *result)
{
    if (!plan || !result || plan->pages == 0 || plan->page_size < sizeof(uint64_t)
        || plan->words_per_page > plan->page_size / sizeof(uint64_t) || plan->passes > VMLAB_TOUCH_MAX_PASSES) {
        errno = EINVAL;
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0)
        run_child(plan, result);   /* never returns */
    return pid;
}
