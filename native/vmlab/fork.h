/* fork from a .NET process, with a child that runs only the C below.
 *
 * Why C: after fork() in a multi-threaded process the child may only make async-signal-safe calls (POSIX).
 * A .NET process is always multi-threaded (GC, finalizer, tiered JIT); managed code in the child could wait
 * forever on a lock or a GC owned by a thread that was not copied, or JIT into the code heap, which with W^X
 * on is a MAP_SHARED double mapping the parent sees. The child here touches only the plan's pages, calls
 * clock_gettime/open/pread/close, writes its results into a MAP_SHARED page, and leaves with _exit. */
#ifndef VMLAB_FORK_H
#define VMLAB_FORK_H

#include "vmlab.h"

#include <stdint.h>
#include <sys/types.h>

#define VMLAB_TOUCH_MAX_PASSES 4
#define VMLAB_TOUCH_PAGEMAP 1u   /* read /proc/self/pagemap (and /proc/kpagecount) before and after */
#define VMLAB_TOUCH_INTERLEAVE 2u   /* all passes over a page, then the next page (default: pass by pass) */

/* What the child does: `passes` times, store `value` into the first `words_per_page` 64-bit words of each
 * of `pages` pages from `base`, timing each pass. */
struct vmlab_touch_plan {
    uint64_t base;
    uint64_t pages;
    uint64_t page_size;
    uint64_t words_per_page;
    uint64_t value;
    uint32_t passes;
    uint32_t flags;
};

/* What the child reports, in shared memory the parent reads after waitpid. `data` holds 4 + MAX_PASSES
 * arrays of `pages` words: pagemap entries before the first pass, after the last, kpagecount of those
 * frames (0 when unreadable), then for each pass the nanoseconds each page took. Per-page times let the
 * parent take a median, which a preempted child (a busy machine) cannot skew the way it skews a total.
 * Layout is mirrored in C# (Interop.VmLabFork.cs, Process/Fork.cs): change them together. */
struct vmlab_touch_result {
    uint64_t done;               /* written last: 1 once the child finished */
    int32_t pagemap_errno;       /* 0, or why /proc/self/pagemap could not be read */
    int32_t kpagecount_errno;    /* 0, or why /proc/kpagecount could not be read (EACCES without root) */
    uint64_t pass_ns[VMLAB_TOUCH_MAX_PASSES];   /* whole pass, per-page timing included */
    uint64_t value_before;       /* word 0 of the first page as the child first saw it */
    uint64_t value_after;        /* word 0 of the first page after the last pass */
    uint64_t child_pid;
    uint64_t data[];
};

/* Bytes of shared memory the result needs for `pages` pages. */
VMLAB_EXPORT uint64_t vmlab_touch_result_size(uint64_t pages);

/* Forks. The child runs the plan, fills *result and _exits (0, or 2 for a bad plan); it never returns. The
 * parent gets the child's pid, or -1 with errno; it must waitpid for it. */
VMLAB_EXPORT pid_t vmlab_fork_touch(const struct vmlab_touch_plan *plan, struct vmlab_touch_result *result);

#endif
