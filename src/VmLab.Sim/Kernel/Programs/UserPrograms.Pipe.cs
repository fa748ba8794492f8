namespace VmLab.Sim.Kernel;

public static partial class UserPrograms
{
    /// <summary>pipewriter(rdi = messages): random messages (1-47 random letters and a newline) into the
    /// kernel pipe, looping on short writes; keeps an order-sensitive checksum (h = h * 31 + byte) of every byte
    /// sent and prints it with the count at the end.</summary>
    private const string PipeWriter = """
        .text
        _start:
            call lb_init
            mov r14, rdi
            mov r15, 0x9E3779B97F4A7C15
            mov rbp, 0
            mov rbx, 0
        next:
            cmp rbx, r14
            jae done
            call rand
            urem rax, 47
            add rax, 1
            mov r8, rax
            mov r9, msgbuf
        fill:
            call rand
            urem rax, 26
            add rax, 'a'
            st1 [r9], rax
            mul rbp, 31
            add rbp, rax
            add r9, 1
            sub r8, 1
            cmp r8, 0
            jne fill
            mov rax, 10
            st1 [r9], rax
            mul rbp, 31
            add rbp, rax
            add r9, 1
            mov r10, msgbuf
        send:
            cmp r10, r9
            jae sent
            mov rdi, r10
            mov rsi, r9
            sub rsi, r10
            mov rax, SYS_PIPEWRITE
            syscall
            cmp rax, 0
            jl fail
            add r10, rax
            jmp send
        sent:
            add rbx, 1
            jmp next
        done:
            mov rdi, wmsg
            call lb_str
            mov rdi, rbx
            call lb_u64
            mov rdi, wmsg2
            call lb_str
            mov rdi, rbp
            call lb_u64
            mov rdi, nl
            call lb_str
            call lb_flush
            mov rdi, 0
            call exit
        fail:
            mov rdi, 1
            call exit

        .data
        wmsg:  .asciz "pipewriter: "
        wmsg2: .asciz " messages sent, checksum "
        nl:    .asciz "\n"
        .bss
        msgbuf: .zero 64
        """;

    /// <summary>pipereader(rdi = messages): reads the pipe 256 bytes at a time until it has seen that many
    /// newlines, with the same checksum as the writer over every byte received; prints count and checksum.</summary>
    private const string PipeReader = """
        .text
        _start:
            call lb_init
            mov r14, rdi
            mov rbp, 0
            mov rbx, 0
        more:
            cmp rbx, r14
            jae done
            mov rdi, rbuf
            mov rsi, 256
            mov rax, SYS_PIPEREAD
            syscall
            cmp rax, 0
            jl fail
            mov r8, rbuf
            mov r9, rbuf
            add r9, rax
        scan:
            cmp r8, r9
            jae more
            ld1 rax, [r8]
            mul rbp, 31
            add rbp, rax
            cmp rax, 10
            jne byte_done
            add rbx, 1
        byte_done:
            add r8, 1
            jmp scan
        done:
            mov rdi, rmsg
            call lb_str
            mov rdi, rbx
            call lb_u64
            mov rdi, rmsg2
            call lb_str
            mov rdi, rbp
            call lb_u64
            mov rdi, nl
            call lb_str
            call lb_flush
            mov rdi, 0
            call exit
        fail:
            mov rdi, 1
            call exit
        .data
        rmsg:  .asciz "pipereader: "
        rmsg2: .asciz " messages received, checksum "
        nl:    .asciz "\n"
        .bss
        rbuf: .zero 256
        """;
}
