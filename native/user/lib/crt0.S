// The entry point of every VmLab user program: keep the spawn argument, run the constructors (C++ globals),
// run process_main, exit(0).
        .section .text.start, "ax"
        .globl _start
        .type _start, @function
_start:
        movq %rdi, process_arg(%rip)
        xorl %ebp, %ebp                 // the outermost frame, for anyone walking frame pointers
        andq $-16, %rsp                 // the ABI's alignment at a call
        movl $__init_array_start, %ebx  // rbx and r12 survive the calls (callee-saved); the program
        movl $__init_array_end, %r12d   // is below 4 GiB (user.ld), so 32-bit addresses suffice
1:      cmpq %r12, %rbx
        je 2f
        movq (%rbx), %rax
        call *%rax
        addq $8, %rbx
        jmp 1b
2:      call process_main
        xorl %edi, %edi
        call sys_exit
        .size _start, . - _start
        .section .note.GNU-stack, "", @progbits
