// x86-64 facts a user program may want, under WeensyOS's names (C and C++): the page size, the page-table
// entry bits a program might print, and the registers it can read without privilege.
#ifndef VMLAB_X86_64_H
#define VMLAB_X86_64_H
#include <stdint.h>

#ifndef PAGESIZE
#define PAGESIZE        4096UL
#endif
#define PAGEOFFBITS     12
#define PAGEOFFMASK     (PAGESIZE - 1)

#define PTE_P           0x1UL           // present
#define PTE_W           0x2UL           // writable
#define PTE_U           0x4UL           // user-accessible
#define PTE_A           0x20UL          // accessed
#define PTE_D           0x40UL          // dirty
#define PTE_PS          0x80UL          // a large page
#define PTE_XD          0x8000000000000000UL    // no execute

// The stack pointer, frame pointer and flags of the caller (always inlined, so they are the caller's own).
static inline __attribute__((always_inline)) uintptr_t rdrsp(void) {
    uintptr_t rsp;
    __asm__ volatile("movq %%rsp, %0" : "=r"(rsp));
    return rsp;
}

static inline __attribute__((always_inline)) uintptr_t rdrbp(void) {
    uintptr_t rbp;
    __asm__ volatile("movq %%rbp, %0" : "=r"(rbp));
    return rbp;
}

static inline __attribute__((always_inline)) uint64_t rdrflags(void) {
    uint64_t flags;
    __asm__ volatile("pushfq; popq %0" : "=r"(flags));
    return flags;
}

// The older WeensyOS name for rdrsp().
#define read_rsp() rdrsp()

#endif
