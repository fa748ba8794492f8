// WeensyOS's user-program header for C++ programs (CS61's u-lib.hh), on VmLab's user library: the system calls
// as WeensyOS programs call them (sys_exit() with no status, sys_panic, make_syscall), plus lib.hh and
// x86-64.h. `end`, `etext` and `edata` come from the linker script (declare them: extern uint8_t end[];).
#ifndef VMLAB_U_LIB_HH
#define VMLAB_U_LIB_HH
#include "lib.hh"
#include "x86-64.h"

// make_syscall(number, arguments...): VmLab's convention (number in rax, arguments in rdi, rsi, rdx, result in
// rax; the syscall instruction clobbers rcx and r11). The numbers are VmLab's SYSCALL_* (u-lib.h).
inline uintptr_t make_syscall(int number, uintptr_t a0 = 0, uintptr_t a1 = 0, uintptr_t a2 = 0) {
    return (uintptr_t)sys_call(number, a0, a1, a2);
}

// sys_exit(): WeensyOS's exit takes no status; it ends the process with status 0.
[[noreturn]] inline void sys_exit() {
    sys_exit(0);
}

// sys_panic(msg): WeensyOS stops the whole machine; VmLab prints "PANIC: msg" and ends this process (status 1).
[[noreturn]] inline void sys_panic(const char* msg) {
    panic("%s", msg ? msg : "(no message)");
}

// Keep the compiler from assuming what memory holds (or from dropping an access it thinks is dead).
inline void clobber_memory(void* ptr) {
    __asm__ volatile("" : "+m"(*(char*)ptr));
}
inline void access_memory(const void* ptr) {
    __asm__ volatile("" : : "m"(*(const char*)ptr));
}

#endif
