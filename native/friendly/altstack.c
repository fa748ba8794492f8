/* Alternate signal stacks for libetsbefriends: the main thread's, made by the constructor, and one for every
 * thread started through pthread_create, which this library interposes (it is found before libc's, whether
 * the library is preloaded or linked). sigaltstack is per thread, so without the wrapper a stack overflow on
 * any thread but the main one could not run the handler and would kill the process with a plain SIGSEGV.
 *
 * Threads made some other way (a raw clone(), threads libc starts for itself) get no alternate stack from us;
 * a stack overflow there ends as it would without the library.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define ALT_STACK_SIZE (64 * 1024)       /* far more than the handler needs; untouched pages cost nothing */

static size_t guard_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t stack_size(void)
{
    return (size_t)SIGSTKSZ > ALT_STACK_SIZE ? (size_t)SIGSTKSZ : ALT_STACK_SIZE;
}

ETSBEFRIENDS_HIDDEN void *etsbefriends_alt_stack_acquire(void)
{
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE))
        return NULL;
    size_t guard = guard_size(), size = stack_size();
    char *base = mmap(NULL, guard + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    /* A PROT_NONE page below: a handler overflowing its stack faults instead of scribbling on other memory. */
    stack_t ss = { .ss_sp = base + guard, .ss_size = size, .ss_flags = 0 };
    if (mprotect(base, guard, PROT_NONE) != 0 || sigaltstack(&ss, NULL) != 0) {
        munmap(base, guard + size);
        return NULL;
    }
    return base;
}

ETSBEFRIENDS_HIDDEN void etsbefriends_alt_stack_release(void *mapping)
{
    if (mapping == NULL)
        return;
    size_t guard = guard_size(), size = stack_size();
    stack_t current;
    if (sigaltstack(NULL, &current) != 0)
        return;                          /* cannot tell whether it is in use: leak rather than unmap it live */
    if (current.ss_sp == (char *)mapping + guard && !(current.ss_flags & SS_DISABLE)) {
        stack_t off = { .ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE };
        if (sigaltstack(&off, NULL) != 0)
            return;                      /* EPERM: we are running on it */
    }
    munmap(mapping, guard + size);
}

/* ---- The pthread_create wrapper. ---- */

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

struct start {
    void *(*routine)(void *);
    void *arg;
};

static void release(void *mapping)
{
    etsbefriends_alt_stack_release(mapping);
}

static void *start_with_alt_stack(void *p)
{
    struct start s = *(struct start *)p;
    free(p);
    void *mapping = etsbefriends_alt_stack_acquire();
    void *result;
    /* Runs on return, pthread_exit and cancellation alike. */
    pthread_cleanup_push(release, mapping);
    result = s.routine(s.arg);
    pthread_cleanup_pop(1);
    return result;
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*routine)(void *), void *arg)
{
    static create_fn next;               /* libc's; racing first calls store the same value */
    create_fn real = __atomic_load_n(&next, __ATOMIC_RELAXED);
    if (real == NULL) {
        *(void **)&real = dlsym(RTLD_NEXT, "pthread_create");
        if (real == NULL)
            return EAGAIN;
        __atomic_store_n(&next, real, __ATOMIC_RELAXED);
    }
    struct start *s = malloc(sizeof *s);
    if (s == NULL)                       /* the thread still starts, only without an alternate stack */
        return real(thread, attr, routine, arg);
    s->routine = routine;
    s->arg = arg;
    int rc = real(thread, attr, start_with_alt_stack, s);
    if (rc != 0)
        free(s);
    return rc;
}
