/* The userfaultfd strategy in plain C, for benchmarks only: the yardstick for VmLab's uffd splits.
 *
 * The same mechanism as native/vmlab/lazycopy_uffd.c at its plainest: a lazy copy is mremap(old, 0) with both
 * views registered for write-protect and protected; a server thread reads each fault, copies the other view into
 * a spare (or fresh memory), moves it over the faulting view, unprotects the other view and wakes the writer.
 * One pair per source, a fixed table under one mutex, one server.
 */
#define _GNU_SOURCE
#include "../vmlab/vmlab.h"
#include "ref.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_PAIRS 4096
#define WP_FEATURES (UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_WP_HUGETLBFS_SHMEM | (1ULL << 13) /* WP_UNPOPULATED */)

struct pair { uintptr_t view, other; size_t size; };
static struct pair pairs[MAX_PAIRS];
static int npairs;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int uffd = -1;

static int protect(uintptr_t addr, size_t size, int on)
{
    struct uffdio_register r = { .range = { addr, size }, .mode = UFFDIO_REGISTER_MODE_WP };
    struct uffdio_writeprotect wp = { .range = { addr, size }, .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0 };
    if (on && ioctl(uffd, UFFDIO_REGISTER, &r) != 0)
        return -1;
    return ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
}

static void split(uintptr_t addr)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < npairs; i++) {
        struct pair p = pairs[i];
        if (addr >= p.other && addr < p.other + p.size)   /* the source was written: it is the one to split */
            p = (struct pair){ p.other, p.view, p.size };
        else if (addr < p.view || addr >= p.view + p.size)
            continue;
        void *fresh = (void *)ref_spare_take(p.size);
        if (!fresh)
            fresh = mmap(NULL, p.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (fresh != MAP_FAILED) {
            memcpy(fresh, (void *)p.other, p.size);
            mremap(fresh, p.size, p.size, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)p.view);
        }
        protect(p.other, p.size, 0);
        pairs[i] = pairs[--npairs];
        break;
    }
    struct uffdio_range r = { addr & ~(uintptr_t)4095, 4096 };   /* every writer on that page retries */
    ioctl(uffd, UFFDIO_WAKE, &r);
    pthread_mutex_unlock(&lock);
}

static void *serve(void *unused)
{
    (void)unused;
    struct pollfd fds = { .fd = uffd, .events = POLLIN };
    for (;;) {
        struct uffd_msg msg;
        if (poll(&fds, 1, -1) < 0 && errno != EINTR)
            return NULL;
        while (read(uffd, &msg, sizeof msg) == (ssize_t)sizeof msg)
            if (msg.event == UFFD_EVENT_PAGEFAULT)
                split((uintptr_t)msg.arg.pagefault.address);
    }
}

/* Opens the userfaultfd and starts the server (once). 0, or -1 when userfaultfd is unavailable. */
VMLAB_EXPORT int ref_uffd_init(void)
{
    if (uffd >= 0)
        return 0;
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | 1 /* UFFD_USER_MODE_ONLY */);
    struct uffdio_api api = { .api = UFFD_API, .features = WP_FEATURES };
    if (fd < 0 || ioctl(fd, UFFDIO_API, &api) != 0)
        return -1;
    uffd = fd;
    pthread_t t;
    return pthread_create(&t, NULL, serve, NULL) == 0 ? 0 : -1;
}

/* A second view of src's frames, both write-protected until the first write to the copy splits them. */
VMLAB_EXPORT void *ref_uffd_copy_lazy(void *src, size_t size)
{
    void *p = mremap(src, 0, size, MREMAP_MAYMOVE);
    if (p == MAP_FAILED)
        return NULL;
    pthread_mutex_lock(&lock);
    int ok = npairs < MAX_PAIRS && protect((uintptr_t)src, size, 1) == 0 && protect((uintptr_t)p, size, 1) == 0;
    if (ok)
        pairs[npairs++] = (struct pair){ (uintptr_t)p, (uintptr_t)src, size };
    pthread_mutex_unlock(&lock);
    if (!ok) {
        munmap(p, size);
        return NULL;
    }
    return p;
}
