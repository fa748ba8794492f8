/* libetsbefriends: a SIGSEGV handler, installed by a library constructor, that ends a crashing program with
 * encouragement instead of "Segmentation fault".
 *
 * Split in two on purpose. The constructor runs before main with the whole C library available: it seeds the
 * generator, reads FRIENDLY_SEGV_MESSAGES, gives the main thread an alternate signal stack (altstack.c does
 * the same for every later thread) and installs the handler. The handler runs in a broken program, possibly
 * on an exhausted stack: it only reads what the constructor prepared and calls write(2), gettid, pause and
 * _exit, all async-signal-safe. No printf, no malloc.
 *
 * Ordering rules:
 *  - We only replace the default action (SIG_DFL, or SIG_IGN, which the kernel overrides for a real fault
 *    anyway). A handler installed before our constructor ran is left alone: it keeps winning.
 *  - A handler the program installs later replaces ours, so the program keeps its own behaviour. The .NET
 *    runtime is such a program: see docs/friendly-segfaults.md for what happens there.
 */
#define _GNU_SOURCE
#include "etsbefriends.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define NULL_REGION     65536UL       /* vm.mmap_min_addr's default: nothing is ever mapped below it */
#define STACK_NEAR      65536UL       /* a fault this far below the stack pointer is the stack running out */
#define MAX_MESSAGES    256
#define MAX_FILE_BYTES  (64 * 1024)   /* longer files are cut at the last whole line within this size */
#define STATUS_TEXT(n)  STATUS_TEXT_(n)
#define STATUS_TEXT_(n) #n

static const char *const builtin_messages[] = {
    "Deep breath. Every programmer you admire has met this exact crash, and so will you get past it.",
    "Segfaults are just the computer asking you to look a little closer. You've got this.",
    "That pointer wandered off, but you know how to find it. Go get it.",
    "Crashes are how programs teach. Class is in session, and you're doing great.",
    "Not a failure: a very precise hint about where to look next.",
    "The Linux kernel itself was debugged one fault at a time. Keep going!",
    "Your program tripped, not you. Pick it up, dust it off, run it again.",
    "A segfault today is a good story tomorrow. You're going to fix this.",
    "Memory said no, but it said it clearly. That's progress.",
    "Take a sip of water, open the debugger, and show this bug who's in charge.",
};

/* Everything below is written by the constructor before main and only read by the handler. */
static const char *messages[MAX_MESSAGES];
static int message_count;
static char file_text[MAX_FILE_BYTES + 1];
static char notice[640];                 /* set when the message file was unusable; printed with the fault */
static const char *program = "this program";
static char program_name[256];           /* the program's name, scrubbed of control characters */
static volatile uint64_t rng_state;
static volatile pid_t reporting_tid;     /* the thread that is writing the report, 0 before any fault */

/* splitmix64: spreads a weak seed (time, pid) over all 64 bits. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* xorshift64*: one draw, async-signal-safe (no locks, no libc). */
static uint64_t next_random(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static void seed(void)
{
    const char *fixed = getenv("FRIENDLY_SEGV_SEED");
    char *end;
    uint64_t s;
    if (fixed != NULL && *fixed != '\0' && (s = strtoull(fixed, &end, 0), *end == '\0')) {
        rng_state = mix(s);
    } else {
        /* Two runs differ in pid and in the clock; the stack address adds ASLR's bits. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
        rng_state = mix(s ^ mix((uint64_t)(uintptr_t)&ts));
    }
    if (rng_state == 0)                  /* xorshift's one fixed point */
        rng_state = 0x2545f4914f6cdd1dULL;
}

static void use_builtin_messages(void)
{
    message_count = (int)(sizeof builtin_messages / sizeof builtin_messages[0]);
    for (int i = 0; i < message_count; i++)
        messages[i] = builtin_messages[i];
}

/* The length of the well-formed UTF-8 sequence at s (at most left bytes) and its code point, or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t left, unsigned *cp)
{
    unsigned char c = s[0];
    size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n == 0 || n > left)
        return 0;
    unsigned v = n == 2 ? c & 0x1fu : n == 3 ? c & 0x0fu : c & 0x07u;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[k] & 0x3fu);
    }
    if ((n == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) || (n == 4 && (v < 0x10000 || v > 0x10ffff)))
        return 0;
    *cp = v;
    return n;
}

/* C1 controls, and the invisible formatting characters that reorder or hide text: bidi marks, embeddings,
 * overrides and isolates, zero-width characters, line and paragraph separators, the soft hyphen, the BOM. */
static int invisible(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0xad || cp == 0x61c || (cp >= 0x200b && cp <= 0x200f)
        || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

/* Text from outside (the message file, its name, the program's name) reaches a terminal: a control character
 * (C0, DEL, C1), a byte that is not part of well-formed UTF-8 (a lone 0x9b is the 8-bit CSI to some terminals)
 * or an invisible formatting character (a right-to-left override reorders the line) could move the cursor,
 * retitle the window, clear the screen or disguise the text. Each of its bytes becomes '?' in place; line ends
 * (\n, \r\n) are kept when keep_newlines. */
static void scrub(char *s, size_t len, int keep_newlines)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            unsigned cp = 0;
            size_t n = utf8_sequence((const unsigned char *)s + i, len - i, &cp);
            if (n == 0)
                s[i] = '?';
            else {
                if (invisible(cp))
                    memset(s + i, '?', n);
                i += n - 1;
            }
        } else if ((c < 0x20 && !(keep_newlines && (c == '\n' || (c == '\r' && i + 1 < len && s[i + 1] == '\n'))))
                   || c == 0x7f)
            s[i] = '?';
    }
}

/* Reads path into file_text and splits it into lines. Returns the number of messages, or -1 with errno.
 * Only a regular file is read: opened without blocking (a FIFO would wait for a writer before main) and
 * checked with fstat before the first read (a device such as /dev/zero never ends). */
static int read_message_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct stat st;
    int unknown = fstat(fd, &st) != 0;
    if (unknown || !S_ISREG(st.st_mode)) {
        int e = unknown ? errno : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        close(fd);
        errno = e;
        return -1;
    }
    size_t len = 0;
    while (len < MAX_FILE_BYTES) {
        ssize_t n = read(fd, file_text + len, MAX_FILE_BYTES - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    scrub(file_text, len, 1);
    if (len == MAX_FILE_BYTES && memchr(file_text, '\n', len) != NULL)
        while (file_text[len - 1] != '\n')   /* drop a line cut in half by the size limit */
            len--;
    file_text[len] = '\0';

    int count = 0;
    for (char *line = file_text; line < file_text + len && count < MAX_MESSAGES;) {
        char *nl = memchr(line, '\n', (size_t)(file_text + len - line));
        char *stop = nl != NULL ? nl : file_text + len;
        *stop = '\0';
        if (stop > line && stop[-1] == '\r')
            stop[-1] = '\0';
        if (line[0] != '\0')
            messages[count++] = line;
        line = stop + 1;
    }
    return count;
}

static void load_messages(void)
{
    const char *path = getenv("FRIENDLY_SEGV_MESSAGES");
    if (path == NULL || *path == '\0') {
        use_builtin_messages();
        return;
    }
    int n = read_message_file(path);
    int e = errno;
    if (n > 0) {
        message_count = n;
        return;
    }
    char reason[160];
    if (n < 0 && e == EINVAL)
        snprintf(reason, sizeof reason, "is not a regular file");
    else if (n < 0)
        snprintf(reason, sizeof reason, "cannot be read (%s)", strerror(e));
    else
        snprintf(reason, sizeof reason, "has no messages");
    char shown[401];
    snprintf(shown, sizeof shown, "%s", path);
    scrub(shown, strlen(shown), 0);
    snprintf(notice, sizeof notice, "friendly: FRIENDLY_SEGV_MESSAGES=%s %s; using the built-in messages\n",
             shown, reason);
    use_builtin_messages();
}

/* ---- The handler: async-signal-safe from here on. ---- */

enum access { ACCESS_UNKNOWN, ACCESS_READ, ACCESS_WRITE, ACCESS_EXECUTE };

static enum access fault_access(const ucontext_t *uc)
{
#if defined(__x86_64__)
    /* The x86 page-fault error code: bit 1 set for a write, bit 4 for an instruction fetch. */
    long err = uc->uc_mcontext.gregs[REG_ERR];
    return (err & 16) ? ACCESS_EXECUTE : (err & 2) ? ACCESS_WRITE : ACCESS_READ;
#else
    (void)uc;
    return ACCESS_UNKNOWN;
#endif
}

static uintptr_t stack_pointer(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.sp;
#else
    (void)uc;
    return 0;
#endif
}

/* Whole-string write(2), retrying short writes; a failing stderr is ignored (there is nobody to tell). */
static void put(const char *s)
{
    size_t len = strlen(s);              /* on POSIX's async-signal-safe list since the 2016 edition */
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

static void put_hex(uintptr_t v)
{
    char buf[2 + 2 * sizeof v + 1];
    char *p = buf + sizeof buf - 1;
    *p = '\0';
    do {
        *--p = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v != 0);
    *--p = 'x';
    *--p = '0';
    put(p);
}

/* The classification rules, in order: first match wins. docs/friendly-segfaults.md explains each. */
static void report(const siginfo_t *info, const ucontext_t *uc)
{
    uintptr_t addr = (uintptr_t)info->si_addr;
    uintptr_t sp = stack_pointer(uc);
    enum access access = fault_access(uc);
    int real_fault = info->si_code == SEGV_MAPERR || info->si_code == SEGV_ACCERR;

    put("\nfriendly: ");
    put(messages[(next_random() >> 11) % (uint64_t)message_count]);
    put("\nfriendly: ");
    put(program);
    if (info->si_code <= 0) {            /* SI_USER, SI_QUEUE, SI_TKILL: kill() or raise(), not the MMU */
        put(": SIGSEGV sent as a signal (kill, raise), not a memory fault, no faulting address");
    } else if (!real_fault) {            /* SI_KERNEL: a general-protection fault, e.g. a non-canonical pointer */
        put(": invalid memory access, address not reported (general-protection fault)");
    } else {
        if (addr < NULL_REGION)
            put(": null-pointer dereference, ");
        else if (sp != 0 && addr + STACK_NEAR >= sp && addr < sp + 4096)
            put(": stack overflow, ");
        else if (info->si_code == SEGV_ACCERR && access == ACCESS_WRITE)
            put(": write to read-only memory, ");
        else
            put(": invalid memory access, ");
        put(access == ACCESS_READ ? "reading address " : access == ACCESS_WRITE ? "writing address "
            : access == ACCESS_EXECUTE ? "executing address " : "touching address ");
        put_hex(addr);
    }
    put("; exiting with status ");
    put(STATUS_TEXT(ETSBEFRIENDS_EXIT_STATUS));
    put("\n");
}

static void on_segv(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    pid_t self = (pid_t)syscall(SYS_gettid);
    pid_t none = 0;
    if (!__atomic_compare_exchange_n(&reporting_tid, &none, self, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        /* Another thread is already reporting and will end the process: wait for it, quietly. */
        for (;;)
            pause();
    }
    if (notice[0] != '\0')
        put(notice);
    report(info, (const ucontext_t *)context);
    _exit(ETSBEFRIENDS_EXIT_STATUS);
}

/* ---- Setup, before main. ---- */

static void install_handler(void)
{
    struct sigaction old;
    if (sigaction(SIGSEGV, NULL, &old) != 0)
        return;
    if ((old.sa_flags & SA_SIGINFO) || (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN))
        return;                          /* a handler is already there: it wins, we stay out of the way */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigfillset(&sa.sa_mask);             /* nothing else interrupts the report */
    sigaction(SIGSEGV, &sa, NULL);
}

__attribute__((constructor)) static void etsbefriends_init(void)
{
    int saved_errno = errno;             /* invisible to the program: it may inspect errno before any call */
    if (program_invocation_short_name != NULL && program_invocation_short_name[0] != '\0') {
        snprintf(program_name, sizeof program_name, "%s", program_invocation_short_name);
        scrub(program_name, strlen(program_name), 0);
        program = program_name;
    }
    seed();
    load_messages();
    etsbefriends_alt_stack_acquire();    /* the main thread's; threads get theirs in pthread_create */
    install_handler();
    errno = saved_errno;
}

int etsbefriends_message_count(void)
{
    return message_count;
}

const char *etsbefriends_message(int i)
{
    return i >= 0 && i < message_count ? messages[i] : NULL;
}
