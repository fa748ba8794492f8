/* Fault regions: address ranges whose faults libvmlab resolves itself, one policy per range.
 *
 * A region is [start, end) with a policy saying how a fault inside it is cured. The resolver (regions.c) is
 * registered with the dispatcher (fault.c) on the first vmlab_region_add; faults outside every region are
 * never touched and reach the runtime's handler as before.
 */
#ifndef VMLAB_REGIONS_H
#define VMLAB_REGIONS_H

#include "vmlab.h"

/* How a fault inside a region is cured. The values are part of the C# interop (FaultPolicy). */
enum vmlab_policy {
    /* mprotect the faulting page PROT_READ|PROT_WRITE (the seed's idempotent.c). */
    VMLAB_POLICY_MAKE_ACCESSIBLE = 1,
    /* mprotect the faulting page PROT_READ; a write fault is refused and passed on. */
    VMLAB_POLICY_MAKE_READABLE = 2,
    /* mmap a fresh anonymous RW page at the faulting page (the seed's ondemand.c), never over a mapping that
     * is already there (MAP_FIXED_NOREPLACE). */
    VMLAB_POLICY_MAP_FRESH_PAGE = 3,
    /* On a write: give the whole region fresh frames holding its current bytes, at the same address,
     * read-write (the seed's lazy-copy split: "Replacing a Mapping"). For a read-only view of frames shared
     * with another view; a read fault is refused and passed on. */
    VMLAB_POLICY_SPLIT_ON_WRITE = 4,
};

struct vmlab_region;

/* Registers [start, start+length) (start page-aligned, length rounded up to pages) with a policy. The
 * first log_capacity fault addresses are recorded for vmlab_region_log (0: none). Installs the dispatcher
 * and this resolver on first use. 0 and *out on success; -1 with errno EINVAL (bad arguments), EEXIST
 * (overlaps a registered region), ENOMEM, or whatever installing the handler failed with. */
VMLAB_EXPORT int vmlab_region_add(void *start, size_t length, int policy, size_t log_capacity,
                                  struct vmlab_region **out);

/* Unregisters a region; faults in its range are passed on from now on. *faults_out (may be NULL) gets its
 * final fault count. The record is freed once no handler can still be reading it; the caller must not use
 * the pointer again. 0 on success; -1 with EINVAL when the region is not registered. */
VMLAB_EXPORT int vmlab_region_remove(struct vmlab_region *region, uint64_t *faults_out);

/* Faults in the region that its policy cured (the faulting access was then retried). */
VMLAB_EXPORT uint64_t vmlab_region_faults(const struct vmlab_region *region);

/* Faults in the region that its policy could not cure (passed on to the next handler). */
VMLAB_EXPORT uint64_t vmlab_region_refused(const struct vmlab_region *region);

/* Copies up to capacity recorded fault addresses, oldest first; returns how many were copied. */
VMLAB_EXPORT size_t vmlab_region_log(const struct vmlab_region *region, uint64_t *out, size_t capacity);

/* Regions currently registered, and old tables/records still waiting for a moment with no handler running. */
VMLAB_EXPORT size_t vmlab_region_count(void);
VMLAB_EXPORT size_t vmlab_region_retired(void);

/* The seed's rep_movsb_copy: one `rep movsb` instruction copying len bytes from src to dst, ascending. */
VMLAB_EXPORT void vmlab_rep_movsb(void *dst, const void *src, size_t len);

#endif
