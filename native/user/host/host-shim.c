// The host side of a differential test program: the same source as its VmLab build, linked with this shim
// instead of crt0.S + u-syscall.c, runs as an ordinary static Linux executable. Only write and exit exist:
// test programs print and end, nothing else.
#include "../lib/u-lib.h"

uint64_t process_arg;

static long linux_syscall(long number, long a0, long a1, long a2) {
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a0), "S"(a1), "d"(a2)
                     : "rcx", "r11", "memory");
    return result;
}

ssize_t sys_write(const void* buf, size_t len) {
    return linux_syscall(1, 1, (long)buf, (long)len);      // write(1, buf, len)
}

void sys_exit(int status) {
    for (;;) linux_syscall(231, status, 0, 0);          // exit_group(status)
}

// Linux enters with rsp 16-byte aligned and no argument for us: process_arg stays 0, as for a VmLab
// process started without one.
__asm__(".globl _start\n"
        "_start:\n"
        "    xorl %ebp, %ebp\n"
        "    andq $-16, %rsp\n"
        "    call process_main\n"
        "    xorl %edi, %edi\n"
        "    call sys_exit\n");
