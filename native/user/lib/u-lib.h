// The VmLab user library: what a user program on VmLab's teaching kernel may call (WeensyOS's u-lib.hh, in C).
//
// Program contract: a program defines `void process_main(void)`. Returning from it ends the process with
// status 0; sys_exit(status) ends it with that status. The kernel starts a process with an argument in rdi
// (spawn's argument: a seed, a count); crt0 keeps it in `process_arg`, so process_main takes no parameters.
//
// Memory (VmLab.Sim KernelLayout): code and read-only data from 0x100000 (read/execute), data and bss on the
// next page boundary (read/write, no execute), a heap of pages the program asks for with sys_page_alloc
// (from HEAP_START), a stack below MEMSIZE_VIRTUAL that starts as one page and grows on demand down to
// STACK_LIMIT (1 MiB), with a guard page under it.
#ifndef VMLAB_U_LIB_H
#define VMLAB_U_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PAGESIZE        4096UL
#define PROC_START_ADDR 0x100000UL
#define HEAP_START      0x110000UL
#define STACK_PAGE      0x2FF000UL
#define STACK_LIMIT     0x200000UL
#define MEMSIZE_VIRTUAL 0x300000UL

// Syscall numbers (VmLab.Sim.Kernel.SyscallAbi): number in rax, arguments in rdi, rsi, rdx, result in rax.
#define SYSCALL_WRITE      1
#define SYSCALL_EXIT       2
#define SYSCALL_GETPID     3
#define SYSCALL_YIELD      4
#define SYSCALL_PAGE_ALLOC 5
#define SYSCALL_FORK       6
#define SYSCALL_SPAWN      7
#define SYSCALL_PIPEWRITE  8
#define SYSCALL_PIPEREAD   9

typedef long ssize_t;
typedef int pid_t;

void process_main(void);

// The spawn argument the kernel put in rdi at process start (0 when there was none).
extern uint64_t process_arg;

// write(buf, len): prints len bytes (at most 4096) to the console; returns len, or -1.
ssize_t sys_write(const void* buf, size_t len);
// exit(status): ends the process; never returns.
__attribute__((noreturn)) void sys_exit(int status);
pid_t sys_getpid(void);
void sys_yield(void);
// page_alloc(addr): a fresh zeroed page at the page-aligned user address addr; 0, or -1.
int sys_page_alloc(void* addr);
// fork(): 0 in the child, the child's pid in the parent, -1 on failure.
pid_t sys_fork(void);
// spawn(name): starts the kernel's program `name`; its pid, or -1.
pid_t sys_spawn(const char* name);
// pipewrite/piperead(buf, len): bytes moved through the kernel pipe; 0 when full/empty, -1 on a bad request.
ssize_t sys_pipewrite(const void* buf, size_t len);
ssize_t sys_piperead(void* buf, size_t len);
// Any syscall with any arguments (for programs that test the kernel's checks).
long sys_call(long number, uint64_t a0, uint64_t a1, uint64_t a2);

// The CGA console page (WeensyOS's `console`): 25 rows of 80 cells, each a character in the low byte and its
// colour in the high byte, mapped user-writable at 0xB8000 in every process (one page shared by all). The
// kernel's console log (what `vmlab sim run` prints) is a separate stream: sys_write and console_printf go there.
#define CONSOLE_COLUMNS 80
#define CONSOLE_ROWS    25
#define CPOS(row, col)  ((row) * CONSOLE_COLUMNS + (col))
#define CROW(cpos)      ((cpos) / CONSOLE_COLUMNS)
#define CCOL(cpos)      ((cpos) % CONSOLE_COLUMNS)
#define END_CPOS        (CONSOLE_ROWS * CONSOLE_COLUMNS)
extern volatile uint16_t console[CONSOLE_ROWS * CONSOLE_COLUMNS];
extern volatile int cursorpos;      // the console page's last word, as in WeensyOS

// Formatted console output: C's printf without floating point (flags - + space # 0, width and precision, also
// as *, lengths hh h l ll j z t, conversions d i u o x X c s p n %), printing what glibc prints.
// Each call is one write, so a line is never interleaved with another process's output. Returns bytes
// written (lines longer than 255 bytes are cut).
int console_printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char* buf, size_t size, const char* format, va_list ap);
int snprintf(char* buf, size_t size, const char* format, ...) __attribute__((format(printf, 3, 4)));

// Console output at a position (WeensyOS's console_puts/console_vprintf): the text goes to the kernel's console
// log in one write, and into the CGA cells from cpos on in `color`; '\n' blanks the rest of its row. Returns the
// position after the text (wrapping to 0 at END_CPOS). console_clear blanks every cell and sets cursorpos to 0.
int console_puts(int cpos, int color, const char* s, size_t len);
int console_vprintf(int cpos, int color, const char* format, va_list ap);
void console_clear(void);

// panic(format, ...): prints "PANIC: " and the message, then exits with status 1. assert(x) panics with the
// file, line and expression when x is false.
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char* format, ...);
__attribute__((noreturn)) void assert_fail(const char* file, int line, const char* expression);
#define assert(x) ((x) ? (void)0 : assert_fail(__FILE__, __LINE__, #x))

// What gcc may call on its own, and their friends.
void* memset(void* dst, int c, size_t n);
void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
int strcmp(const char* a, const char* b);
void* memchr(const void* s, int c, size_t n);
size_t strnlen(const char* s, size_t maxlen);
char* strcpy(char* dst, const char* src);
char* strncpy(char* dst, const char* src, size_t n);
int strncmp(const char* a, const char* b, size_t n);
char* strchr(const char* s, int c);

// rand(): 0 .. RAND_MAX from a generator in the process's own memory (a forked child continues the parent's
// sequence); srand(seed) restarts it. The same sequence on every run: no hidden entropy.
#define RAND_MAX 0x7FFFFFFF
int rand(void);
void srand(unsigned seed);

// xorshift64: the generator the kernel's programs use; *state must start non-zero.
static inline uint64_t rand_next(uint64_t* state) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

#ifdef __cplusplus
}
#endif

#endif
