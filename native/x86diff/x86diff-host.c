/* x86diff-host: runs instruction sequences on this (x86-64) CPU for VmLab's differential tests.
 * stdin, per case:  u32 code_len, code[code_len], u64 regs[16] (rax..r15 in encoding order), u64 rflags,
 *                   data[DATA_SIZE], tail[TAIL_SIZE]
 * stdout, per case: u32 signal (SIGILL = reached the closing ud2), u64 rip, u64 regs[16], u64 rflags,
 *                   u64 fault address (si_addr), u64 error code (REG_ERR), u64 trap number (REG_TRAPNO),
 *                   data[DATA_SIZE], tail[TAIL_SIZE]
 * The code runs at CODE_VA (read, write, execute), the data page at DATA_VA (read, write) with data at its
 * start and tail at its end; above it one read-only page filled with RO_BYTE(i) and one PROT_NONE page, for
 * the page faults the sequences may take. Every register (rsp included) comes from the input; the first
 * signal (ud2, or a fault such as #DE or #PF) ends the case and its siginfo and ucontext are the answer. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_VA 0x10000000UL
#define DATA_VA 0x10001000UL
#define PAGE 4096
#define DATA_SIZE 1024
#define TAIL_SIZE 64
#define RO_VA (DATA_VA + PAGE)
#define NONE_VA (DATA_VA + 2 * PAGE)
#define RO_BYTE(i) ((unsigned char)((i) * 37 + 11))

struct state { uint64_t r[16]; uint64_t rflags; };

void x86diff_enter(const struct state *s);
/* Loads rflags and all sixteen registers from *s (rdi last) and jumps to CODE_VA. */
__asm__(
    ".data\n"
    "x86diff_target: .quad 0x10000000\n"
    ".text\n"
    ".globl x86diff_enter\n"
    "x86diff_enter:\n"
    "  pushq 128(%rdi)\n"
    "  popfq\n"
    "  mov 0(%rdi), %rax\n  mov 8(%rdi), %rcx\n  mov 16(%rdi), %rdx\n  mov 24(%rdi), %rbx\n"
    "  mov 40(%rdi), %rbp\n  mov 48(%rdi), %rsi\n  mov 64(%rdi), %r8\n  mov 72(%rdi), %r9\n"
    "  mov 80(%rdi), %r10\n  mov 88(%rdi), %r11\n  mov 96(%rdi), %r12\n  mov 104(%rdi), %r13\n"
    "  mov 112(%rdi), %r14\n  mov 120(%rdi), %r15\n  mov 32(%rdi), %rsp\n  mov 56(%rdi), %rdi\n"
    "  jmp *x86diff_target(%rip)\n");

static sigjmp_buf back;
static struct state out;
static uint64_t out_rip, out_addr, out_err, out_trapno;
static volatile sig_atomic_t out_sig;

/* ucontext order (REG_R8 ... REG_RSP) mapped to the encoding order rax..r15 */
static const int greg_of[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                 REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15 };

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    out_addr = (uint64_t)info->si_addr;
    out_err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
    out_trapno = (uint64_t)uc->uc_mcontext.gregs[REG_TRAPNO];
    for (int i = 0; i < 16; i++) out.r[i] = (uint64_t)uc->uc_mcontext.gregs[greg_of[i]];
    out.rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
    out_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    out_sig = sig;
    siglongjmp(back, 1);
}

static int read_all(void *p, size_t n)
{
    return fread(p, 1, n, stdin) == n;
}

int main(void)
{
    unsigned char *code = mmap((void *)CODE_VA, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    unsigned char *data = mmap((void *)DATA_VA, PAGE, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    unsigned char *ro = mmap((void *)RO_VA, PAGE, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    void *none = mmap((void *)NONE_VA, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (code != (void *)CODE_VA || data != (void *)DATA_VA || ro != (void *)RO_VA || none != (void *)NONE_VA) {
        fprintf(stderr, "x86diff-host: cannot map the code and data pages at 0x%lx\n", CODE_VA);
        return 1;
    }
    for (int i = 0; i < PAGE; i++) ro[i] = RO_BYTE(i);
    if (mprotect(ro, PAGE, PROT_READ) != 0) return 1;
    static char altstack[1 << 16];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
    struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER };
    sigemptyset(&sa.sa_mask);
    if (sigaltstack(&ss, NULL) != 0) return 1;
    int sigs[] = { SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);

    uint32_t len;
    static struct state in;
    while (read_all(&len, sizeof len)) {
        unsigned char *tail = data + PAGE - TAIL_SIZE;
        if (len > PAGE || !read_all(code, len) || !read_all(&in, sizeof in) || !read_all(data, DATA_SIZE)
            || !read_all(tail, TAIL_SIZE))
            return 1;
        if (sigsetjmp(back, 1) == 0) x86diff_enter(&in);
        uint32_t sig = (uint32_t)out_sig;
        if (fwrite(&sig, sizeof sig, 1, stdout) != 1 || fwrite(&out_rip, sizeof out_rip, 1, stdout) != 1
            || fwrite(&out, sizeof out, 1, stdout) != 1 || fwrite(&out_addr, sizeof out_addr, 1, stdout) != 1
            || fwrite(&out_err, sizeof out_err, 1, stdout) != 1 || fwrite(&out_trapno, sizeof out_trapno, 1, stdout) != 1
            || fwrite(data, 1, DATA_SIZE, stdout) != DATA_SIZE || fwrite(tail, 1, TAIL_SIZE, stdout) != TAIL_SIZE
            || fflush(stdout) != 0)
            return 1;
    }
    return 0;
}
