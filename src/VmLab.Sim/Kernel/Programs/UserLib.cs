namespace VmLab.Sim.Kernel;

/// <summary>
/// The user library every kernel program links: a line buffer so a whole line reaches the console in one
/// write (processes are preempted between instructions, so separate writes would interleave).
/// r12 = start of the line buffer, r13 = where the next byte goes; both survive fork. r15 is the state of
/// <c>rand</c> for programs that call it (they seed it, non-zero, before the first call).
/// </summary>
internal static class UserLib
{
    public const string Source = """

        .text
        # lb_init(): empty line buffer
        lb_init:
            mov r12, linebuf
            mov r13, r12
            ret

        # lb_str(rdi = NUL-terminated string): append it
        lb_str:
            ld1 rax, [rdi]
            cmp rax, 0
            je lb_str_done
            st1 [r13], rax
            add r13, 1
            add rdi, 1
            jmp lb_str
        lb_str_done:
            ret

        # lb_u64(rdi): append rdi in decimal
        lb_u64:
            sub rsp, 32
            mov rcx, rsp
            add rcx, 32
            mov rax, rdi
        lb_u64_digit:
            sub rcx, 1
            mov rdx, rax
            urem rdx, 10
            add rdx, '0'
            st1 [rcx], rdx
            udiv rax, 10
            cmp rax, 0
            jne lb_u64_digit
            mov rdx, rsp
            add rdx, 32
        lb_u64_copy:
            ld1 rax, [rcx]
            st1 [r13], rax
            add r13, 1
            add rcx, 1
            cmp rcx, rdx
            jb lb_u64_copy
            add rsp, 32
            ret

        # lb_flush(): write the line, empty the buffer
        lb_flush:
            mov rdi, r12
            mov rsi, r13
            sub rsi, r12
            mov rax, SYS_WRITE
            syscall
            mov r13, r12
            ret

        # rand() -> rax: xorshift64 step of the state in r15
        rand:
            mov rax, r15
            shl rax, 13
            xor r15, rax
            mov rax, r15
            shr rax, 7
            xor r15, rax
            mov rax, r15
            shl rax, 17
            xor r15, rax
            mov rax, r15
            ret

        # exit(rdi)
        exit:
            mov rax, SYS_EXIT
            syscall
            jmp exit

        .bss
        linebuf: .zero 256
        """;
}
