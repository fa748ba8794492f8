// The host side of a differential test program: the same source as its VmLab build, linked with this shim
// instead of crt0.S + u-syscall.c, runs as an ordinary static Linux executable. Only write and exit exist:
// test programs print and end, nothing else.
#include "../lib/u-lib.h"
#include "../lib/syscall-asm.h"

uint64_t process_arg;

ssize_t sys_write(const void* buf, size_t len) {
    return syscall3(1, 1, (long)buf, (long)len);      // write(1, buf, len)
}

void sys_exit(int status) {
    for (;;) syscall3(231, status, 0, 0);          // exit_group(status)
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
