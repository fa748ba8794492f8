namespace VmLab.Sim.Kernel;

public static partial class UserPrograms
{
    /// <summary>forker: x = 1 in .data; fork; the child sets x = 2 and reports; the parent yields while the
    /// child runs, then reports the x it sees. With a correct fork the parent still sees 1.</summary>
    private const string Forker = """
        .text
        _start:
            call lb_init
            mov rax, SYS_FORK
            syscall
            cmp rax, 0
            je child
            jl failed
            mov rbx, 20             # parent: let the child run first
        wait:
            mov rax, SYS_YIELD
            syscall
            sub rbx, 1
            cmp rbx, 0
            jne wait
            mov rdi, parent_msg
            call lb_str
            mov rbx, x
            ld8 rdi, [rbx]
            call lb_u64
            mov rdi, nl
            call lb_str
            call lb_flush
            mov rdi, 0
            call exit
        child:
            mov rbx, x
            mov rax, 2
            st8 [rbx], rax
            mov rdi, child_msg
            call lb_str
            call lb_flush
            mov rdi, 0
            call exit
        failed:
            mov rdi, 1
            call exit
        .data
        x:          .quad 1
        parent_msg: .asciz "parent: x = "
        child_msg:  .asciz "child: set x = 2\n"
        nl:         .asciz "\n"
        """;

    /// <summary>forkexit(rdi = cycles): fork; the child exits at once; the parent counts and yields. A fork
    /// that fails (no slot, no memory) is retried after a yield. Prints the count at the end.</summary>
    private const string ForkExit = """
        .text
        _start:
            call lb_init
            mov r14, rdi
            cmp r14, 0
            jne go
            mov r14, 100
        go:
            mov rbx, 0
        again:
            mov rax, SYS_FORK
            syscall
            cmp rax, 0
            je child
            jl retry
            add rbx, 1
        retry:
            mov rax, SYS_YIELD
            syscall
            cmp rbx, r14
            jb again
            mov rdi, done_msg
            call lb_str
            mov rdi, rbx
            call lb_u64
            mov rdi, done_msg2
            call lb_str
            call lb_flush
            mov rdi, 0
            call exit
        child:
            mov rdi, 7
            call exit
        .data
        done_msg:  .asciz "forkexit: "
        done_msg2: .asciz " children forked and exited\n"
        """;

    /// <summary>alice(rdi = rounds, default 5): prints "alice (pid N): round i" and spins ~3000 instructions
    /// between lines, so the timer preempts her; then exits.</summary>
    private const string Alice = """
        .text
        _start:
            call lb_init
            mov r14, rdi
            cmp r14, 0
            jne go
            mov r14, 5
        go:
            mov rbx, 1
        round:
            mov rdi, msg
            call lb_str
            mov rax, SYS_GETPID
            syscall
            mov rdi, rax
            call lb_u64
            mov rdi, msg2
            call lb_str
            mov rdi, rbx
            call lb_u64
            mov rdi, nl
            call lb_str
            call lb_flush
            mov rcx, 1000
        spin:
            sub rcx, 1
            cmp rcx, 0
            jne spin
            add rbx, 1
            cmp rbx, r14
            jbe round
            mov rdi, 0
            call exit
        .data
        msg:  .asciz "alice (pid "
        msg2: .asciz "): round "
        nl:   .asciz "\n"
        """;

    /// <summary>spawner: spawn("alice") twice, reports both pids, exits.</summary>
    private const string Spawner = """
        .text
        _start:
            call lb_init
            mov r14, 2
        one:
            mov rdi, name
            mov rax, SYS_SPAWN
            syscall
            mov rbx, rax
            mov rdi, msg
            call lb_str
            mov rdi, rbx
            call lb_u64
            mov rdi, nl
            call lb_str
            call lb_flush
            sub r14, 1
            cmp r14, 0
            jne one
            mov rdi, 0
            call exit
        .data
        name: .asciz "alice"
        msg:  .asciz "spawner: spawn(\"alice\") = "
        nl:   .asciz "\n"
        """;
}
