/* Internal to lazycopy*.c: the views, their lock, and the operations both fault paths share. */
#ifndef VMLAB_LAZYCOPY_H
#define VMLAB_LAZYCOPY_H

#include <stddef.h>
#include <stdint.h>

/* Counters for tests and the CLI. Same layout as Interop.LazyCopy.Stats in C#. */
struct vmlab_lc_stats {
    int64_t views;          /* live views (chunks and copies) */
    int64_t lazy_copies;    /* lazy copies made */
    int64_t splits;         /* faults resolved by copying the view off its frame set */
    int64_t unshared;       /* views made writable again because they were left alone */
    int64_t spurious;       /* faults on a view another thread had already split */
    int64_t failed;         /* faults on a view that could not be split (out of memory or mappings) */
    int64_t spare_splits;   /* splits that took pre-faulted spare memory instead of mapping fresh frames */
    int64_t spares;         /* spare mappings held now (lazycopy_spares.c) */
    int64_t recycled;       /* freed views kept as spares instead of being unmapped */
};

struct lc_view;

struct lc_link {
    struct lc_link *next;
    uintptr_t granule;
    struct lc_view *view;
};

/* One mapped chunk. Views sharing frames form a ring; a ring of one owns its frames alone. */
struct lc_view {
    uintptr_t addr;
    size_t size;
    struct lc_view *ring_next, *ring_prev;
    int writable;           /* not protected: writes go straight through */
    int uffd;               /* -1: protected with mprotect (SIGSEGV path); else the userfaultfd guarding it */
    int registered;         /* uffd only: the mapping at addr is registered for write-protect */
    int spares;             /* splits may take (and a free may give back) pre-faulted spare memory */
    int populated;          /* has page tables for its pages (eager copy, split): cheap to read for a split */
    size_t nlinks;
    struct lc_link links[];
};

extern struct vmlab_lc_stats lc_stats;

#define GRANULE_SHIFT 16

/* lazycopy_table.c. The spinlock: taken by the handler, so held only briefly and never across a touch of
 * chunk memory by non-handler code. */
void lc_lock(void);
void lc_unlock(void);

/* With the lock held: the view containing addr, or NULL; link or unlink all of a view's granules. */
struct lc_view *lc_find(uintptr_t addr);
void lc_table_link(struct lc_view *v);
void lc_table_unlink(struct lc_view *v);

/* Without the lock (it allocates): makes room for `more` links. 0, or -1 with errno ENOMEM. */
int lc_table_reserve(size_t more);

/* With the lock held. 0, or -1 with errno. */
int lc_split(struct lc_view *v);
int lc_unprotect_if_alone(struct lc_view *v);

/* Spare memory (lazycopy_spares.c), lock held: a pre-faulted mapping of `size` bytes or 0; keep a freed view's
 * mapping as a spare (1: kept, do not unmap it); unmap all spares (out of memory or mappings). */
uintptr_t lc_spare_take(size_t size);
int lc_spare_keep(struct lc_view *v);   /* v owned its frames alone */
void lc_spares_trim_locked(void);

/* uffd mode (lazycopy_uffd.c). 0, or -1 with errno. */
int lc_uffd_protect(struct lc_view *v, int protect);
int lc_uffd_wake(int uffd, uintptr_t addr, size_t len);

#endif
