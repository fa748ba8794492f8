// The few C++ runtime symbols a program compiled with -fno-exceptions -fno-rtti can still need, linked only
// into programs with C++ sources. VmLab user programs have no heap allocator and never return to a C runtime.
#include "u-lib.h"

extern "C" {
void* __dso_handle = nullptr;

// Destructors of globals are registered here by their constructors; a process ends by sys_exit, which runs none.
int __cxa_atexit(void (*)(void*), void*, void*) {
    return 0;
}

[[noreturn]] void __cxa_pure_virtual() {
    panic("pure virtual function called");
}
}

// A class with a virtual destructor refers to operator delete even when nothing is ever deleted.
void operator delete(void*) noexcept {
    panic("operator delete: VmLab user programs have no heap allocator");
}
void operator delete(void*, unsigned long) noexcept {
    panic("operator delete: VmLab user programs have no heap allocator");
}
