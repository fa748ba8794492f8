namespace VmLab.Sim.Kernel;

public static partial class UserPrograms
{
    /// <summary>
    /// hostile(rdi = seed): a random attacker for the fuzz test. A xorshift64 generator in r15 picks, each
    /// round, a syscall (any number, pipes included, with addresses aimed at the kernel half, the console, the user range, or
    /// anywhere, aligned or not, and lengths small or huge) or a load or store at such an address.
    /// </summary>
    private const string Hostile = """
        .text
        _start:
            mov r15, rdi
            cmp r15, 0
            jne round
            mov r15, 88172645463325252
        round:
            call rand
            and rax, 63
            cmp rax, 0
            je do_load
            cmp rax, 1
            je do_store
            cmp rax, 2
            je do_stack
        # a syscall: rdi = an address, rsi = a length, rdx = anything
            call pick
            mov r8, rax
            call rand
            test rax, 1
            je keep
            and r8, -4096
        keep:
            call rand
            mov r9, rax
            test rax, 2
            jne len_done
            and r9, 0x1fff
        len_done:
            call rand
            mov r10, rax
            call rand
            and rax, 31
            cmp rax, 9
            jbe sys_write
            cmp rax, 15
            jbe sys_page_alloc
            cmp rax, 19
            jbe sys_getpid
            cmp rax, 23
            jbe sys_yield
            cmp rax, 25
            jbe sys_unknown
            cmp rax, 26
            je sys_pipewrite
            cmp rax, 27
            je sys_piperead
            cmp rax, 28
            je sys_fork
            cmp rax, 29
            je sys_spawn
            cmp rax, 30
            je sys_exit
            mov r8, own_name          # spawn a real program now and then
        sys_spawn:
            mov rax, SYS_SPAWN
            jmp call
        sys_write:
            mov rax, SYS_WRITE
            jmp call
        sys_page_alloc:
            mov rax, SYS_PAGE_ALLOC
            jmp call
        sys_getpid:
            mov rax, SYS_GETPID
            jmp call
        sys_yield:
            mov rax, SYS_YIELD
            jmp call
        sys_unknown:
            mov rax, r10
            jmp call
        sys_fork:
            mov rax, SYS_FORK
            jmp call
        sys_pipewrite:
            mov rax, SYS_PIPEWRITE
            jmp call
        sys_piperead:
            mov rax, SYS_PIPEREAD
            jmp call
        sys_exit:
            mov rax, SYS_EXIT
        call:
            mov rdi, r8
            mov rsi, r9
            mov rdx, r10
            syscall
            jmp round

        do_load:
            call pick
            ld1 rbx, [rax]
            jmp round
        do_store:
            call pick
            st1 [rax], rax
            jmp round
        do_stack:
            call rand
            and rax, 0xff8
            add rax, 0x2ff000
            st8 [rax], r15
            jmp round

        # pick() -> rax: an address worth trying
        pick:
            call rand
            mov rdx, rax
            shr rdx, 60
            cmp rdx, 3
            jbe pick_any
            cmp rdx, 7
            jbe pick_kernel
            and rax, 0x1fffff
            add rax, 0x100000
        pick_any:
            ret
        pick_kernel:
            and rax, 0xfffff
            ret

        .data
        own_name: .asciz "hostile"
        """;

    /// <summary>eve(rdi = target): asks page_alloc for a heap page, or, when given a target, for that
    /// address instead: the one changed argument of the confused-deputy attack (seed 003 G1). Reports what
    /// the kernel answered, then yields a while and exits.</summary>
    private const string Eve = """
        .text
        _start:
            call lb_init
            mov rbx, rdi
            cmp rbx, 0
            jne attack
            mov rbx, 0x110000         # the honest argument: a page of eve's own heap
        attack:
            mov rdi, rbx
            mov rax, SYS_PAGE_ALLOC
            syscall
            mov r14, rax
            mov rdi, msg
            call lb_str
            mov rdi, rbx
            call lb_u64
            mov rdi, msg2
            call lb_str
            mov rdi, r14
            add rdi, 1                # prints 0 for -1, 1 for success
            call lb_u64
            mov rdi, nl
            call lb_str
            call lb_flush
            mov rbx, 200
        linger:
            mov rax, SYS_YIELD
            syscall
            sub rbx, 1
            cmp rbx, 0
            jne linger
            mov rdi, 0
            call exit
        .data
        msg:  .asciz "eve: page_alloc("
        msg2: .asciz ") succeeded? "
        nl:   .asciz "\n"
        """;
}
