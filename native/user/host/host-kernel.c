// Runs a kernel program (p-*.c) as a Linux process, to check a C port against its assembly original before
// VmLab's CPU runs x86-64: the console is stderr, the kernel pipe is stdout (pipewrite) and stdin (piperead),
// getpid is 1 (the first VmLab process), yield is sched_yield, and the spawn argument is argv[1] (decimal).
// Page allocation, fork and spawn are not emulated: they answer -1.
#include "../lib/u-lib.h"
#include "../lib/syscall-asm.h"

uint64_t process_arg;

static long answer(long linux_result) {
    return linux_result < 0 ? -1 : linux_result;
}

long sys_call(long number, uint64_t a0, uint64_t a1, uint64_t a2) {
    (void)a2;
    switch (number) {
    case SYSCALL_WRITE: return answer(syscall3(1, 2, (long)a0, (long)a1));
    case SYSCALL_EXIT: for (;;) syscall3(231, (long)a0, 0, 0);
    case SYSCALL_GETPID: return 1;
    case SYSCALL_YIELD: return answer(syscall3(24, 0, 0, 0));
    case SYSCALL_PIPEWRITE: return answer(syscall3(1, 1, (long)a0, (long)a1));
    case SYSCALL_PIPEREAD: return answer(syscall3(0, 0, (long)a0, (long)a1));
    default: return -1;
    }
}

ssize_t sys_write(const void* buf, size_t len) { return sys_call(SYSCALL_WRITE, (uint64_t)buf, len, 0); }
void sys_exit(int status) { for (;;) sys_call(SYSCALL_EXIT, (uint64_t)(int64_t)status, 0, 0); }
pid_t sys_getpid(void) { return (pid_t)sys_call(SYSCALL_GETPID, 0, 0, 0); }
void sys_yield(void) { sys_call(SYSCALL_YIELD, 0, 0, 0); }
int sys_page_alloc(void* addr) { return (int)sys_call(SYSCALL_PAGE_ALLOC, (uint64_t)addr, 0, 0); }
pid_t sys_fork(void) { return (pid_t)sys_call(SYSCALL_FORK, 0, 0, 0); }
pid_t sys_spawn(const char* name) { return (pid_t)sys_call(SYSCALL_SPAWN, (uint64_t)name, 0, 0); }
ssize_t sys_pipewrite(const void* buf, size_t len) { return sys_call(SYSCALL_PIPEWRITE, (uint64_t)buf, len, 0); }
ssize_t sys_piperead(void* buf, size_t len) { return sys_call(SYSCALL_PIPEREAD, (uint64_t)buf, len, 0); }

// Linux enters with argc at (%rsp) and argv after it.
void host_start(uint64_t* sp) {
    if (sp[0] > 1)
        for (const char* s = (const char*)sp[2]; *s >= '0' && *s <= '9'; s++) process_arg = process_arg * 10 + (uint64_t)(*s - '0');
    process_main();
    sys_exit(0);
}

__asm__(".globl _start\n"
        "_start:\n"
        "    xorl %ebp, %ebp\n"
        "    movq %rsp, %rdi\n"
        "    andq $-16, %rsp\n"
        "    call host_start\n");
