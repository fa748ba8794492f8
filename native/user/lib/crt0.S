// The entry point of every VmLab user program: keep the spawn argument, run process_main, exit(0).
        .section .text.start, "ax"
        .globl _start
        .type _start, @function
_start:
        movq %rdi, process_arg(%rip)
        xorl %ebp, %ebp                 // the outermost frame, for anyone walking frame pointers
        andq $-16, %rsp                 // the ABI's alignment at a call
        call process_main
        xorl %edi, %edi
        call sys_exit
        .size _start, . - _start
        .section .note.GNU-stack, "", @progbits
