/* The SIGSEGV dispatcher: resolvers first, then the handler that was installed before ours (the runtime's). */
#define _GNU_SOURCE
#include "vmlab.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

static struct sigaction previous_segv, previous_bus;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_errno;

/* The handler reads resolvers[0..resolver_count) without a lock: a slot is written before the count that
 * publishes it (release), and read after the count (acquire). Slots are never removed. */
static vmlab_resolver resolvers[VMLAB_MAX_RESOLVERS];
static volatile int resolver_count;
static pthread_mutex_t add_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile uint64_t chained;

static int fault_is_write(void *uc)
{
#if defined(__x86_64__)
    /* Bit 1 of the x86 page-fault error code is W/R. */
    return (((ucontext_t *)uc)->uc_mcontext.gregs[REG_ERR] & 2) ? 1 : 0;
#else
    (void)uc;
    return -1;
#endif
}

static void chain(int sig, siginfo_t *info, void *uc, const struct sigaction *prev)
{
    __atomic_add_fetch(&chained, 1, __ATOMIC_RELAXED);
    if (prev->sa_flags & SA_SIGINFO) {
        prev->sa_sigaction(sig, info, uc);
        return;
    }
    if (prev->sa_handler == SIG_DFL || prev->sa_handler == SIG_IGN) {
        /* Restore the default action and return: the faulting instruction runs again and the kernel
         * delivers the signal with its default effect (a core dump), exactly as if we were never here. */
        signal(sig, SIG_DFL);
        return;
    }
    prev->sa_handler(sig);
}

static void on_fault(int sig, siginfo_t *info, void *uc)
{
    int saved_errno = errno;
    int n = __atomic_load_n(&resolver_count, __ATOMIC_ACQUIRE);
    int is_write = fault_is_write(uc);
    for (int i = 0; i < n; i++) {
        if (resolvers[i](info->si_addr, is_write)) {
            errno = saved_errno;
            return;
        }
    }
    errno = saved_errno;
    chain(sig, info, uc, sig == SIGBUS ? &previous_bus : &previous_segv);
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    /* SA_ONSTACK: use the thread's alternate stack when it has one (the runtime sets one up for its own
     * stack-overflow handling). SA_NODEFER is deliberately absent: a resolver never faults. */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &previous_segv) != 0 || sigaction(SIGBUS, &sa, &previous_bus) != 0)
        install_errno = errno;
}

VMLAB_EXPORT int vmlab_fault_install(void)
{
    pthread_once(&install_once, install);
    if (install_errno != 0) {
        errno = install_errno;
        return -1;
    }
    return 0;
}

VMLAB_EXPORT int vmlab_fault_add_resolver(vmlab_resolver fn)
{
    int rc = 0;
    pthread_mutex_lock(&add_lock);
    int n = resolver_count;
    for (int i = 0; i < n; i++)
        if (resolvers[i] == fn)
            goto out;
    if (n == VMLAB_MAX_RESOLVERS) {
        errno = ENOSPC;
        rc = -1;
        goto out;
    }
    resolvers[n] = fn;
    __atomic_store_n(&resolver_count, n + 1, __ATOMIC_RELEASE);
out:
    pthread_mutex_unlock(&add_lock);
    return rc;
}

VMLAB_EXPORT uint64_t vmlab_fault_chained(void)
{
    return __atomic_load_n(&chained, __ATOMIC_RELAXED);
}
