/* The userfaultfd strategy's fault path: the same views as lazycopy.c, write-protected with userfaultfd, and a
 * server loop that splits them when a write stops on the protection.
 *
 * Why the server is native although it runs on a thread C# starts: a thread stopped on a userfaultfd fault in
 * managed code cannot be suspended by the garbage collector (it is in cooperative mode and never reaches a safe
 * point: each suspension signal interrupts the wait, and the write faults again). A managed server thread
 * returning from poll() during a collection would block until the collection ends, and the collection waits
 * for the stopped writer: a deadlock, observed within a second with one thread writing lazy copies and another
 * calling GC.Collect(). This loop never returns to managed code while it serves, so it never waits for the GC.
 *
 * Ordering: the server takes the same lock as everything in lazycopy.c and follows its rules; it updates the
 * bookkeeping before it wakes the writer (the writer's retry must find the view writable).
 */
#define _GNU_SOURCE
#include "vmlab.h"
#include "lazycopy.h"

#include <errno.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int lc_uffd_protect(struct lc_view *v, int protect)
{
    if (!protect && !v->registered)
        return 0;   /* an unregistered mapping is not write-protected */
    if (!v->registered) {
        struct uffdio_register r = {
            .range = { .start = v->addr, .len = v->size },
            .mode = UFFDIO_REGISTER_MODE_WP,
        };
        if (ioctl(v->uffd, UFFDIO_REGISTER, &r) != 0)
            return -1;
        v->registered = 1;
    }
    /* Clearing the protection also wakes the threads waiting on the range. */
    struct uffdio_writeprotect wp = {
        .range = { .start = v->addr, .len = v->size },
        .mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
    };
    return ioctl(v->uffd, UFFDIO_WRITEPROTECT, &wp);
}

int lc_uffd_wake(int uffd, uintptr_t addr, size_t len)
{
    struct uffdio_range r = { .start = addr, .len = len };
    return ioctl(uffd, UFFDIO_WAKE, &r);
}

/* A write that cannot be let through (it would change the other copies) and cannot be split: say so, stop. */
static void die(const char *what)
{
    static const char prefix[] = "vmlab lazy copy (uffd): cannot split a chunk for a write: ";
    const char *why = strerror(errno);
    ssize_t ignored = write(2, prefix, sizeof prefix - 1);
    ignored = write(2, what, strlen(what));
    ignored = write(2, ": ", 2);
    ignored = write(2, why, strlen(why));
    ignored = write(2, "\n", 1);
    (void)ignored;
    abort();
}

/* One write-protect fault at addr: make the write possible, then wake the writer. */
static void serve_fault(int uffd, uintptr_t addr)
{
    lc_lock();
    struct lc_view *v = lc_find(addr);
    if (!v || v->uffd != uffd || v->writable) {
        lc_stats.spurious++;   /* split by an earlier message, or not ours: let the writer retry */
        long page = sysconf(_SC_PAGESIZE);
        lc_uffd_wake(uffd, addr & ~(uintptr_t)(page - 1), (size_t)page);
    } else if (v->ring_next == v) {
        if (lc_unprotect_if_alone(v) != 0)
            die("UFFDIO_WRITEPROTECT");
    } else {
        if (lc_split(v) != 0)
            die("mmap/mremap");
        if (lc_uffd_wake(uffd, v->addr, v->size) != 0)
            die("UFFDIO_WAKE");
    }
    lc_unlock();
}

/* Serves write-protect faults on uffd (opened O_NONBLOCK, UFFDIO_API done) until stopfd becomes readable.
 * Returns 0 then, or -1 with errno if polling or reading fails. */
VMLAB_EXPORT int vmlab_lc_uffd_serve(int uffd, int stopfd)
{
    struct pollfd fds[2] = { { .fd = uffd, .events = POLLIN }, { .fd = stopfd, .events = POLLIN } };
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (fds[1].revents)
            return 0;
        struct uffd_msg msg;
        ssize_t n;
        while ((n = read(uffd, &msg, sizeof msg)) == (ssize_t)sizeof msg)
            if (msg.event == UFFD_EVENT_PAGEFAULT)
                serve_fault(uffd, (uintptr_t)msg.arg.pagefault.address);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
    }
}
