using VmLab.Sim.Asm;

namespace VmLab.Sim.Programs;

/// <summary>Small user programs in the project's ISA, ready to assemble (each starts with the syscall prelude).</summary>
public static class SamplePrograms
{
    /// <summary>hello: prints one line through the write syscall and exits with status 0.</summary>
    public const string Hello = """
        .text
        _start:
            mov rdi, msg            # buffer
            mov rsi, msg_len        # length
            mov rax, SYS_WRITE
            syscall
            mov rdi, 0
            mov rax, SYS_EXIT
            syscall

        .data
        msg:    .ascii "Hello from user space!\n"
        msg_end:
        .equ msg_len, msg_end - msg
        """;

    /// <summary>loop: sums 1..1000 in a counted loop, prints the sum, exits with sum % 256.</summary>
    public const string Loop = """
        .text
        _start:
            mov rax, 0              # sum
            mov rcx, 1              # i
        again:
            add rax, rcx
            add rcx, 1
            cmp rcx, 1000
            jbe again
            mov rbx, rax
            mov rdi, rax
            call print_u64          # prints 500500
            mov rdi, rbx
            and rdi, 255
            mov rax, SYS_EXIT
            syscall

        """ + PrintU64;

    /// <summary>fib: the recursive Fibonacci function fib(20) = 6765, with a real stack of call frames.</summary>
    public const string Fib = """
        .text
        _start:
            mov rdi, 20
            call fib
            mov rdi, rax
            call print_u64          # prints 6765
            mov rdi, 0
            mov rax, SYS_EXIT
            syscall

        # fib(n = rdi) -> rax; saves what it uses on the stack
        fib:
            cmp rdi, 2
            jb fib_small
            push rbx
            push rdi
            sub rdi, 1
            call fib
            mov rbx, rax            # fib(n-1)
            pop rdi
            push rdi
            sub rdi, 2
            call fib
            add rax, rbx            # fib(n-1) + fib(n-2)
            pop rdi
            pop rbx
            ret
        fib_small:
            mov rax, rdi
            ret

        """ + PrintU64;

    /// <summary>memcpy: copies a message with rep movsb into .bss, prints the copy, exits 0.</summary>
    public const string Memcpy = """
        .text
        _start:
            mov rsi, src
            mov rdi, dst
            mov rcx, src_len
            rep movsb               # restartable: rsi/rdi/rcx record the progress
            mov rdi, dst
            mov rsi, src_len
            mov rax, SYS_WRITE
            syscall
            mov rdi, 0
            mov rax, SYS_EXIT
            syscall

        .data
        src:    .ascii "copied by rep movsb, restartable after a fault\n"
        src_end:
        .equ src_len, src_end - src
        .bss
        dst:    .zero 4096
        """;

    /// <summary>spin: 10 million rounds of a load, an add, a store and the loop test (60 M instructions), for speed.</summary>
    public const string Spin = """
        .text
        _start:
            mov rbx, counter
            mov rcx, 0
        round:
            ld8 rax, [rbx]
            add rax, 3
            st8 [rbx], rax
            add rcx, 1
            cmp rcx, 10000000
            jb round
            ld8 rdi, [rbx]
            call print_u64          # prints 30000000
            mov rdi, 0
            mov rax, SYS_EXIT
            syscall

        .data
        counter: .quad 0

        """ + PrintU64;

    /// <summary>print_u64(rdi): prints rdi in decimal and a newline. Shared by the samples.</summary>
    public const string PrintU64 = """
        .text
        print_u64:
            push rbx
            sub rsp, 32             # digits are built backwards in a stack buffer
            mov rbx, rsp
            add rbx, 31
            mov rax, 10             # '\n'
            st1 [rbx], rax
            mov rax, rdi
        print_u64_digit:
            sub rbx, 1
            mov rdx, rax
            urem rdx, 10
            add rdx, '0'
            st1 [rbx], rdx
            udiv rax, 10
            cmp rax, 0
            jne print_u64_digit
            mov rdi, rbx
            mov rsi, rsp
            add rsi, 32
            sub rsi, rbx            # length = end - first digit
            mov rax, SYS_WRITE
            syscall
            add rsp, 32
            pop rbx
            ret
        """;

    /// <summary>The samples by name.</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>
    {
        ["hello"] = Hello,
        ["loop"] = Loop,
        ["fib"] = Fib,
        ["memcpy"] = Memcpy,
        ["spin"] = Spin,
    };

    /// <summary>The full source of a sample (prelude included), or null for an unknown name.</summary>
    public static string? Source(string name) => All.TryGetValue(name, out string? s) ? SyscallAbi.Prelude + s : null;

    /// <summary>Assembles a sample at the default base address.</summary>
    public static ProgramImage Assemble(string name) =>
        Assembler.Assemble(Source(name) ?? throw new ArgumentException($"no sample program '{name}'", nameof(name)), name + ".s");
}
