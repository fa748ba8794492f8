// The system calls, VmLab's way: number in rax, arguments in rdi, rsi, rdx, `syscall`, result in rax
// (syscall-asm.h).
#include "u-lib.h"
#include "syscall-asm.h"

uint64_t process_arg;

long sys_call(long number, uint64_t a0, uint64_t a1, uint64_t a2) {
    return syscall3(number, (long)a0, (long)a1, (long)a2);
}

ssize_t sys_write(const void* buf, size_t len) {
    return sys_call(SYSCALL_WRITE, (uint64_t)buf, len, 0);
}

void sys_exit(int status) {
    for (;;) sys_call(SYSCALL_EXIT, (uint64_t)(int64_t)status, 0, 0);
}

pid_t sys_getpid(void) {
    return (pid_t)sys_call(SYSCALL_GETPID, 0, 0, 0);
}

void sys_yield(void) {
    sys_call(SYSCALL_YIELD, 0, 0, 0);
}

int sys_page_alloc(void* addr) {
    return (int)sys_call(SYSCALL_PAGE_ALLOC, (uint64_t)addr, 0, 0);
}

pid_t sys_fork(void) {
    return (pid_t)sys_call(SYSCALL_FORK, 0, 0, 0);
}

pid_t sys_spawn(const char* name) {
    return (pid_t)sys_call(SYSCALL_SPAWN, (uint64_t)name, 0, 0);
}

ssize_t sys_pipewrite(const void* buf, size_t len) {
    return sys_call(SYSCALL_PIPEWRITE, (uint64_t)buf, len, 0);
}

ssize_t sys_piperead(void* buf, size_t len) {
    return sys_call(SYSCALL_PIPEREAD, (uint64_t)buf, len, 0);
}
