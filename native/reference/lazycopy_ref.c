/* The seed's lazy copy in plain C, for benchmarks only (bench/VmLab.Bench/LazyCopyVsCBench.cs): the yardstick
 * VmLab's figures are divided by, measured in the same process and run. Nothing in VmLab calls it.
 *
 * As plain as the seed: a fixed table of view pairs searched linearly, a lazy copy is mprotect + mremap(old, 0),
 * the split maps fresh memory MAP_FIXED over the faulting view, copies the other view into it and makes the
 * other view writable again. One pair per source, no copies of copies, one thread: none of what makes VmLab's
 * version general (rings, a hash table, a lock, any number of chunks). The resolver is registered with
 * libvmlab's dispatcher, so both pay the same signal delivery.
 */
#define _GNU_SOURCE
#include "../vmlab/vmlab.h"
#include "ref.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_PAIRS 4096
#define MAX_SPARES 64

struct pair { uintptr_t view, other; size_t size; };
static struct pair pairs[MAX_PAIRS];
static int npairs;
static uintptr_t spares[MAX_SPARES];
static int nspares;
static size_t spare_size;
static int use_spares;

/* The top spare if splits take spares and one of this size is left, else 0. No lock: the stack is refilled
 * between benchmark iterations, and during one only the thread that splits takes from it. */
uintptr_t ref_spare_take(size_t size)
{
    return use_spares && nspares > 0 && spare_size == size ? spares[--nspares] : 0;
}

static int resolve(void *addr, int is_write)
{
    (void)is_write;
    uintptr_t a = (uintptr_t)addr;
    for (int i = 0; i < npairs; i++) {
        struct pair p = pairs[i];
        if (a < p.view || a >= p.view + p.size)
            continue;
        uintptr_t spare = ref_spare_take(p.size);
        if (spare) {   /* pre-faulted: move it into place, then copy */
            if (mremap((void *)spare, p.size, p.size, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)p.view) == MAP_FAILED)
                return 0;
        } else if (mmap((void *)p.view, p.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, -1, 0) == MAP_FAILED) {
            return 0;
        }
        memcpy((void *)p.view, (void *)p.other, p.size);
        mprotect((void *)p.other, p.size, PROT_READ | PROT_WRITE);
        pairs[i] = pairs[--npairs];
        return 1;
    }
    return 0;
}

VMLAB_EXPORT int ref_init(void)
{
    return vmlab_fault_install() == 0 && vmlab_fault_add_resolver(resolve) == 0 ? 0 : -1;
}

VMLAB_EXPORT void *ref_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

VMLAB_EXPORT void *ref_copy_eager(void *src, size_t size)
{
    void *p = ref_alloc(size);
    if (p)
        memcpy(p, src, size);
    return p;
}

/* A second view of src's frames; both read-only until the first write to either splits them (the benchmark
 * writes the copy). */
VMLAB_EXPORT void *ref_copy_lazy(void *src, size_t size)
{
    if (npairs == MAX_PAIRS || mprotect(src, size, PROT_READ) != 0)
        return NULL;
    void *p = mremap(src, 0, size, MREMAP_MAYMOVE);
    if (p == MAP_FAILED)
        return NULL;
    pairs[npairs++] = (struct pair){ (uintptr_t)p, (uintptr_t)src, size };
    return p;
}

/* Tops the spare stack up to n pre-faulted mappings of size bytes. */
VMLAB_EXPORT int ref_spares(size_t size, int n)
{
    if (size != spare_size) {   /* a new chunk size: the old spares are no use */
        while (nspares > 0)
            munmap((void *)spares[--nspares], spare_size);
        spare_size = size;
    }
    while (nspares < n && nspares < MAX_SPARES) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p == MAP_FAILED)
            return -1;
        spares[nspares++] = (uintptr_t)p;
    }
    return 0;
}

/* Whether splits take the spares (1) or map fresh memory (0). */
VMLAB_EXPORT void ref_use_spares(int on)
{
    use_spares = on;
}

VMLAB_EXPORT void ref_free(void *p, size_t size)
{
    munmap(p, size);
}

/* Kernel COW: a memfd-backed chunk; its lazy copy is a MAP_PRIVATE view of the file. */
VMLAB_EXPORT void *ref_kcow_alloc(size_t size, int *fd_out)
{
    int fd = memfd_create("ref-kcow", MFD_CLOEXEC);
    if (fd < 0)
        return NULL;
    void *p = ftruncate(fd, (off_t)size) == 0 ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    if (p == MAP_FAILED) {
        close(fd);
        return NULL;
    }
    *fd_out = fd;
    return p;
}

VMLAB_EXPORT void *ref_kcow_copy_lazy(int fd, size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

VMLAB_EXPORT void ref_kcow_free(void *p, int fd, size_t size)
{
    munmap(p, size);
    close(fd);
}

/* Makes a kcow chunk a private view of its file, the state a chunk is in after its first lazy copy (its later
 * writes must not reach the copies). */
VMLAB_EXPORT int ref_kcow_freeze(void *src, int fd, size_t size)
{
    return mmap(src, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED ? -1 : 0;
}

/* The same copy done correctly for a private source: a source that has written a page (the kernel gave it an
 * anonymous copy) no longer reads like its file, so its bytes go to a new file first. One pread of the page
 * map finds out; that check is what the plain copy above skips. Returns the copy; *fd_out is the file it maps
 * (a new one when the source had diverged: the source is then a private view of it too). */
VMLAB_EXPORT void *ref_kcow_copy_lazy_checked(void *src, int fd, size_t size, int pagemap, int *fd_out)
{
    enum { MAX_ENTRIES = 512 };
    size_t pages = size / (size_t)sysconf(_SC_PAGESIZE);
    uint64_t entries[MAX_ENTRIES];
    if (pages > MAX_ENTRIES)
        return NULL;
    off_t at = (off_t)((uintptr_t)src / (uintptr_t)sysconf(_SC_PAGESIZE) * sizeof(uint64_t));
    if (pread(pagemap, entries, pages * sizeof(uint64_t), at) != (ssize_t)(pages * sizeof(uint64_t)))
        return NULL;
    uint64_t diverged = 0;
    for (size_t i = 0; i < pages; i++)   /* swapped, or present and not file-backed */
        diverged |= (entries[i] & (1ULL << 62)) | (entries[i] & (1ULL << 63) & ~(entries[i] << 2));
    if (diverged) {
        int nfd = memfd_create("ref-kcow", MFD_CLOEXEC);
        if (nfd < 0 || ftruncate(nfd, (off_t)size) != 0 || pwrite(nfd, src, size, 0) != (ssize_t)size
            || ref_kcow_freeze(src, nfd, size) != 0)
            return NULL;
        fd = nfd;
    }
    *fd_out = fd;
    return ref_kcow_copy_lazy(fd, size);
}
