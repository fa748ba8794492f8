// The one `syscall` instruction of every user-side C file: VmLab's user library (u-syscall.c) and the host
// builds of the same programs (host/host-shim.c, host/host-kernel.c), which only differ in the numbers they pass.
// Number in rax, arguments in rdi, rsi, rdx, result in rax; rcx and r11 are clobbered as on real x86-64 (the
// CPU saves rip and rflags there), and "memory" because the kernel reads and writes user buffers.
#ifndef SYSCALL_ASM_H
#define SYSCALL_ASM_H

static inline long syscall3(long number, long a0, long a1, long a2) {
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a0), "S"(a1), "d"(a2)
                     : "rcx", "r11", "memory");
    return result;
}

#endif
