/* libvmlab: the native half of VmLab.Linux. Everything here is callable from C# through [LibraryImport("vmlab")].
 *
 * The fault path. The .NET runtime installs its own SIGSEGV handler at start-up (it turns faults in managed
 * code into NullReferenceException). vmlab_fault_install() installs ours after it; ours asks each registered
 * resolver in turn whether the faulting address is its own, and chains to the runtime's handler for every
 * address nobody claims. Resolvers run inside the signal handler: they must be async-signal-safe, read only
 * fixed-layout state in unmanaged memory, and never call back into managed code (a fault raised by managed
 * code arrives on a thread in cooperative mode, where entering managed code is fatal).
 */
#ifndef VMLAB_H
#define VMLAB_H

#include <stddef.h>
#include <stdint.h>

#define VMLAB_EXPORT __attribute__((visibility("default")))

/* A resolver returns 1 when it owned the address and made the faulting access able to succeed (the
 * instruction is then restarted), 0 when the address is not its own. is_write is 1 for a write, 0 for a
 * read, -1 when the hardware did not say. */
typedef int (*vmlab_resolver)(void *addr, int is_write);

/* Installs the SIGSEGV/SIGBUS handler once per process; later calls do nothing. 0 on success, -1 with errno. */
VMLAB_EXPORT int vmlab_fault_install(void);

/* Adds a resolver (each at most once; at most VMLAB_MAX_RESOLVERS). 0 on success, -1 with errno. */
#define VMLAB_MAX_RESOLVERS 8
VMLAB_EXPORT int vmlab_fault_add_resolver(vmlab_resolver fn);

/* Faults our handler saw and passed on to the previous handler (faults nobody here owned). */
VMLAB_EXPORT uint64_t vmlab_fault_chained(void);

/* Internal to libvmlab (replace.c): addr..addr+len becomes fresh frames holding len bytes from src (src may be
 * addr itself), shared, read-write, at the same address, in one system call that maps over the old pages: the
 * range is never a hole another thread could fault on, and never half-copied. Async-signal-safe (system calls
 * and memcpy only). 0, or -1 with errno and the old pages left in place. */
int vmlab_replace_with_copy(void *addr, size_t len, const void *src);

/* The same through fresh, an already populated mapping of len bytes (a pre-faulted spare): copy into it, then
 * move it over addr. Unmaps fresh on failure. */
int vmlab_replace_from(void *addr, size_t len, const void *src, void *fresh);

/* Internal to libvmlab: CLOCK_MONOTONIC in nanoseconds. clock_gettime is async-signal-safe, so the fault path
 * and a forked child may call it. */
#include <time.h>
static inline uint64_t vmlab_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
