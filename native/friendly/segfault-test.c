/* segfault-test: faults on purpose, in the way its argument names. Linked with -letsbefriends, so the friendly
 * handler is in place even without LD_PRELOAD.
 *
 *   segfault-test [MODE]
 *     null         read through a null pointer (the default, as in the original exercise)
 *     readonly     write to a page mapped PROT_READ
 *     stack        recurse without end until the stack runs out
 *     wild         read a page that was just unmapped
 *     kill         send itself SIGSEGV with raise(): a signal, not a memory fault
 *     thread-stack overflow the stack of a second thread (the library's pthread_create gave it an
 *                  alternate signal stack)
 *     own-handler  install its own SIGSEGV handler first, then read through a null pointer: exits 42
 *     none         fault nothing: print one line and exit 0
 *     threads      fault nothing: start and join four threads, print one line and exit 0
 *     messages     print the messages the library would choose from, one per line, and exit 0
 */
#define _GNU_SOURCE
#include "etsbefriends.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile int keep_going = 1;
static int *volatile null_pointer;      /* volatile: the compiler may not prove it null and drop the load */

/* Each frame holds a buffer the compiler cannot drop, so the stack runs out after a few thousand calls. */
static int recurse(int depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    if (!keep_going)
        return frame[0];
    return recurse(depth + 1) + frame[0];
}

static void *thread_recurse(void *arg)
{
    (void)arg;
    recurse(0);
    return NULL;
}

static void *quiet_thread(void *arg)
{
    return arg;
}

static int threads(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        if (pthread_create(&t[i], NULL, quiet_thread, NULL) != 0) {
            perror("segfault-test: pthread_create");
            return 1;
        }
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("segfault-test: 4 threads came and went\n");
    return 0;
}

static void own_handler(int sig)
{
    (void)sig;
    static const char text[] = "segfault-test: my own SIGSEGV handler ran\n";
    write(STDERR_FILENO, text, sizeof text - 1);
    _exit(42);
}

static int fault(const char *mode)
{
    if (strcmp(mode, "null") == 0)
        return *null_pointer;
    if (strcmp(mode, "readonly") == 0) {
        volatile char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED) {
            perror("segfault-test: mmap");
            return 1;
        }
        page[8] = 1;
        return 0;
    }
    if (strcmp(mode, "stack") == 0)
        return recurse(0);
    if (strcmp(mode, "wild") == 0) {
        volatile char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED || munmap((void *)page, 4096) != 0) {
            perror("segfault-test: mmap/munmap");
            return 1;
        }
        return page[16];
    }
    if (strcmp(mode, "kill") == 0)
        return raise(SIGSEGV);
    if (strcmp(mode, "thread-stack") == 0) {
        pthread_t t;
        if (pthread_create(&t, NULL, thread_recurse, NULL) != 0) {
            perror("segfault-test: pthread_create");
            return 1;
        }
        return pthread_join(t, NULL);
    }
    if (strcmp(mode, "own-handler") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = own_handler;
        if (sigaction(SIGSEGV, &sa, NULL) != 0) {
            perror("segfault-test: sigaction");
            return 1;
        }
        return *null_pointer;
    }
    fprintf(stderr, "segfault-test: unknown mode '%s' (null, readonly, stack, wild, kill, thread-stack, "
            "own-handler, none, threads, messages)\n", mode);
    return 2;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "null";
    if (strcmp(mode, "none") == 0) {
        printf("segfault-test: no fault today\n");
        return 0;
    }
    if (strcmp(mode, "threads") == 0)
        return threads();
    if (strcmp(mode, "messages") == 0) {
        for (int i = 0; i < etsbefriends_message_count(); i++)
            printf("%s\n", etsbefriends_message(i));
        return 0;
    }
    /* Line-buffered or not, nothing printed before a fault may be lost: _exit does not flush stdio. */
    fflush(stdout);
    return fault(mode);
}
