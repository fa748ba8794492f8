/* Lazy copy, the seed's way: chunks are MAP_SHARED|MAP_ANONYMOUS; a lazy copy is a second view of the same
 * frames (mremap with old_size 0); every view of a shared frame set is read-only; the first write to any of
 * them faults, and the resolver below splits that view off (fresh frames, contents copied) and lets the write
 * run again. The fault may come from managed code, so the whole split happens here, in the signal handler.
 *
 * Bookkeeping, all in malloc'd memory owned by this file:
 *   - a view: one mapped chunk (address, size). Views that share frames form a ring (ring_next/ring_prev); a
 *     ring of one owns its frames alone. Frames are the kernel's: when the last view of a frame set is
 *     unmapped (freed, or replaced by a split), the kernel releases them. Nothing here can leak a frame.
 *   - a hash table from 64 KiB granules to views, so the handler finds the view of any faulting address
 *     without a limit on the number of chunks. A view is linked into every granule it overlaps.
 *
 * Ordering rules (the lock is a spinlock so the handler can take it):
 *   1. Every read or write of the table, a ring, or a view's `writable` happens with `lock` held.
 *   2. Code that is not the handler never touches chunk memory while it holds `lock`: the touch could fault,
 *      and the handler on the same thread would spin on the lock forever. (Eager copies memcpy outside it.)
 *   3. The handler never calls malloc/free (not async-signal-safe). Everything it allocates is a mapping.
 *   4. A view is made read-only before it is duplicated, so a duplicate never starts out writable.
 *   5. A split never shows a half-copied view: the copy is complete before it replaces the view, in one
 *      system call that maps it over the old view (MAP_FIXED, or mremap MREMAP_FIXED for a spare), so the
 *      address is never unmapped. Other threads read the old view's bytes (the same) until then, and a writer
 *      faults on the old read-only view, waits for the lock, finds the view writable and retries.
 *   6. The table only grows; it is swapped under the lock, and the old array is freed after the lock is
 *      dropped (no handler can be reading it then: the handler reads it only with the lock held).
 *
 * The same views also serve the userfaultfd strategy (view->uffd >= 0): protection is uffd write-protect
 * instead of mprotect, and the faulting thread waits in the kernel while lazycopy_uffd.c's server splits the
 * view with the very same lc_split. That server must be native too: see lazycopy_uffd.c.
 */
#define _GNU_SOURCE
#include "vmlab.h"
#include "lazycopy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct vmlab_lc_stats lc_stats;  /* under the lock */

/* ---- rings (caller holds the lock) ---- */

static int ring_alone(const struct lc_view *v)
{
    return v->ring_next == v;
}

/* Takes v out of its ring. Returns the one view left behind if it is now alone, else NULL. */
static struct lc_view *ring_leave(struct lc_view *v)
{
    struct lc_view *n = v->ring_next;
    if (n == v)
        return NULL;
    n->ring_prev = v->ring_prev;
    v->ring_prev->ring_next = n;
    v->ring_next = v->ring_prev = v;
    return ring_alone(n) ? n : NULL;
}

/* Protection: mprotect for the SIGSEGV path, userfaultfd write-protect for the uffd path. */
static int view_protect(struct lc_view *v)
{
    if (v->uffd >= 0)
        return lc_uffd_protect(v, 1);
    return mprotect((void *)v->addr, v->size, PROT_READ);
}

/* The last view of a frame set owns it alone: it can take writes again without a copy. With uffd, lifting
 * the protection also wakes any thread waiting on it. */
int lc_unprotect_if_alone(struct lc_view *v)
{
    if (!v || !ring_alone(v) || v->writable)
        return 0;
    int rc = v->uffd >= 0 ? lc_uffd_protect(v, 0) : mprotect((void *)v->addr, v->size, PROT_READ | PROT_WRITE);
    if (rc == 0) {
        v->writable = 1;
        lc_stats.unshared++;
    }
    return rc;
}

/* Every view of a ring maps the same frames, so any of them can be read for a split. A lazy copy's own mapping
 * starts with no page tables (mremap does not copy them), and reading it would fault per page (per page and
 * not per 16 under userfaultfd, which turns off fault-around): read a view that has page tables instead. */
static const struct lc_view *copy_source(const struct lc_view *v)
{
    for (const struct lc_view *w = v; ; w = w->ring_next) {
        if (w->populated)
            return w;
        if (w->ring_next == v)
            return v;
    }
}

/* Gives v fresh frames holding its current bytes, at the same address (rule 5), writable; the view left
 * behind, if alone, becomes writable too. Runs in the handler: system calls only, no malloc. */
int lc_split(struct lc_view *v)
{
    /* A pre-faulted spare needs no faults for the copy (moving it over the view is the price); without one,
     * the copy goes through a memfd mapped over the view: the seed's one page-table change. */
    void *spare = v->spares ? (void *)lc_spare_take(v->size) : NULL;
    void *addr = (void *)v->addr;
    const void *src = (const void *)copy_source(v)->addr;
    int rc = spare ? vmlab_replace_from(addr, v->size, src, spare) : vmlab_replace_with_copy(addr, v->size, src);
    if (rc != 0)
        return -1;
    if (spare)
        lc_stats.spare_splits++;
    v->writable = 1;
    v->populated = 1;
    v->registered = 0;   /* the new mapping is new: no userfaultfd registration came with it */
    lc_unprotect_if_alone(ring_leave(v));
    lc_stats.splits++;
    return 0;
}

/* ---- views ---- */

static struct lc_view *view_new(size_t size, int uffd, int spares)
{
    if (size == 0 || size % (size_t)sysconf(_SC_PAGESIZE) != 0) {
        errno = EINVAL;
        return NULL;
    }
    size_t nlinks = ((size - 1) >> GRANULE_SHIFT) + 2;  /* an unaligned view may touch one more granule */
    struct lc_view *v = malloc(sizeof *v + nlinks * sizeof(struct lc_link));
    if (!v)
        return NULL;
    v->size = size;
    v->nlinks = nlinks;
    v->ring_next = v->ring_prev = v;
    v->uffd = uffd;
    v->spares = spares;
    v->populated = 0;
    v->registered = 0;
    return v;
}

/* Fills the links (the last may repeat a granule; a duplicate link is harmless) and links them. */
static void view_publish(struct lc_view *v)
{
    uintptr_t first = v->addr >> GRANULE_SHIFT, last = (v->addr + v->size - 1) >> GRANULE_SHIFT;
    for (size_t i = 0; i < v->nlinks; i++) {
        v->links[i].granule = first + i <= last ? first + i : last;
        v->links[i].view = v;
    }
    lc_table_link(v);
    lc_stats.views++;
}

/* ---- the resolver (runs in the SIGSEGV handler) ---- */

static int resolve(void *addr, int is_write)
{
    (void)is_write;  /* every fault on a view of ours is a write: views are never less than readable */
    lc_lock();
    struct lc_view *v = lc_find((uintptr_t)addr);
    int ok = 0;
    if (v && v->uffd < 0) {
        if (v->writable) {
            lc_stats.spurious++;  /* another thread split it while this one waited for the lock */
            ok = 1;
        } else {
            ok = (ring_alone(v) ? lc_unprotect_if_alone(v) : lc_split(v)) == 0;
            if (!ok)
                lc_stats.failed++;  /* out of memory or mappings: the runtime's handler reports the fault */
        }
    }
    lc_unlock();
    return ok;
}

/* ---- the native API ---- */

VMLAB_EXPORT int vmlab_lc_init(void)
{
    if (vmlab_fault_install() != 0 || vmlab_fault_add_resolver(resolve) != 0)
        return -1;
    return lc_table_reserve(0);
}

static void *alloc_view(size_t size, int uffd, int spares, int populate, void **addr_out);

/* A fresh writable chunk, guarded by mprotect (uffd < 0) or by that userfaultfd once it is shared. spares: its
 * splits (and its copies') may take pre-faulted memory from the pool for `size` (lazycopy_spares.c). */
VMLAB_EXPORT void *vmlab_lc_alloc(size_t size, int uffd, int spares, void **addr_out)
{
    return alloc_view(size, uffd, spares, 0, addr_out);
}

/* populate: fault every page in now (MAP_POPULATE), for a chunk that is about to be written whole. */
static void *alloc_view(size_t size, int uffd, int spares, int populate, void **addr_out)
{
    struct lc_view *v = view_new(size, uffd, spares);
    if (!v)
        return NULL;
    if (lc_table_reserve(v->nlinks) != 0) {
        free(v);
        return NULL;
    }
    int flags = MAP_SHARED | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED && errno == ENOMEM) {
        lc_lock();
        lc_spares_trim_locked();   /* spares are the first thing to give up at the limit */
        lc_unlock();
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
    }
    if (p == MAP_FAILED) {
        int e = errno;
        free(v);
        errno = e;
        return NULL;
    }
    v->addr = (uintptr_t)p;
    v->writable = 1;
    v->populated = 1;          /* written through this mapping (a fresh chunk is, before anyone copies it) */
    lc_lock();
    view_publish(v);
    lc_unlock();
    *addr_out = p;
    return v;
}

VMLAB_EXPORT void *vmlab_lc_copy_eager(void *source, void **addr_out)
{
    struct lc_view *src = source;
    struct lc_view *v = alloc_view(src->size, src->uffd, src->spares, 1, addr_out);
    if (v)
        memcpy(*addr_out, (void *)src->addr, src->size);  /* outside the lock (rule 2); a view is always readable */
    return v;
}

VMLAB_EXPORT void *vmlab_lc_copy_lazy(void *source, void **addr_out)
{
    struct lc_view *src = source;
    struct lc_view *v = view_new(src->size, src->uffd, src->spares);
    if (!v)
        return NULL;
    if (lc_table_reserve(v->nlinks) != 0) {
        free(v);
        return NULL;
    }
    lc_lock();
    int was_writable = src->writable;
    if (was_writable) {
        if (view_protect(src) != 0)
            goto fail;
        src->writable = 0;
    }
    void *p = mremap((void *)src->addr, 0, src->size, MREMAP_MAYMOVE);
    if (p == MAP_FAILED && errno == ENOMEM) {
        lc_spares_trim_locked();   /* no chunk memory is touched: allowed under the lock (rule 2) */
        p = mremap((void *)src->addr, 0, src->size, MREMAP_MAYMOVE);
    }
    if (p == MAP_FAILED)
        goto fail_unprotect;
    v->addr = (uintptr_t)p;
    v->writable = 0;
    /* mprotect's read-only came with the duplicate; uffd protection is per mapping and must be set again.
     * Nobody knows p yet, so nothing can fault on it before it is protected. */
    if (v->uffd >= 0 && view_protect(v) != 0) {
        int e = errno;
        munmap(p, src->size);
        errno = e;
        goto fail_unprotect;
    }
    view_publish(v);
    v->ring_next = src->ring_next;
    v->ring_prev = src;
    src->ring_next->ring_prev = v;
    src->ring_next = v;
    lc_stats.lazy_copies++;
    lc_unlock();
    *addr_out = p;
    return v;
fail_unprotect:
    if (was_writable) {
        int e = errno;
        lc_unprotect_if_alone(src);
        errno = e;
    }
fail:;
    int e = errno;
    lc_unlock();
    free(v);
    errno = e;
    return NULL;
}

VMLAB_EXPORT int vmlab_lc_free(void *view)
{
    struct lc_view *v = view;
    lc_lock();
    int owned = ring_alone(v);     /* before leaving the ring: afterwards every view is alone */
    lc_table_unlink(v);
    lc_unprotect_if_alone(ring_leave(v));
    lc_stats.views--;
    int kept = owned && lc_spare_keep(v);   /* frames it owned alone become a spare for a later split */
    lc_unlock();
    int rc = kept ? 0 : munmap((void *)v->addr, v->size);
    int e = errno;
    free(v);
    errno = e;
    return rc;
}

/* 1 when the view shares its frames with another view (both are read-only until one is written). */
VMLAB_EXPORT int vmlab_lc_is_shared(void *view)
{
    lc_lock();
    int shared = !ring_alone(view);
    lc_unlock();
    return shared;
}

VMLAB_EXPORT void vmlab_lc_get_stats(struct vmlab_lc_stats *out)
{
    lc_lock();
    *out = lc_stats;
    lc_unlock();
}
