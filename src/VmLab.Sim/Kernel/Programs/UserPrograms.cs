using System.Collections.Concurrent;
using VmLab.Sim.Asm;
using VmLab.Sim.Programs;

namespace VmLab.Sim.Kernel;

/// <summary>
/// The programs the kernel can start by name (spawn, scenarios), in the project's assembly language. Each is
/// assembled once with the syscall prelude and <see cref="UserLib"/>. At start rdi holds the spawn argument.
/// </summary>
public static partial class UserPrograms
{
    private static readonly ConcurrentDictionary<string, ProgramImage> s_images = new();

    /// <summary>Program names, for help texts.</summary>
    public static IReadOnlyCollection<string> Names => Sources.Keys;

    /// <summary>The full source of a program (prelude and library included), or null.</summary>
    public static string? Source(string name) =>
        Sources.TryGetValue(name, out string? s) ? SyscallAbi.Prelude + s + UserLib.Source : null;

    /// <summary>The assembled program, or null for an unknown name.</summary>
    public static ProgramImage? Image(string name) =>
        Source(name) is { } src ? s_images.GetOrAdd(name, n => Assembler.Assemble(src, n + ".s")) : null;

    private static readonly Dictionary<string, string> Sources = new()
    {
        ["hello"] = Hello,
        ["allocator"] = Allocator,
        ["bigdata"] = BigData,
        ["forker"] = Forker,
        ["forkexit"] = ForkExit,
        ["alice"] = Alice,
        ["spawner"] = Spawner,
        ["hostile"] = Hostile,
        ["eve"] = Eve,
        ["pipewriter"] = PipeWriter,
        ["pipereader"] = PipeReader,
    };

    /// <summary>hello: one line with its pid, then exit(0).</summary>
    private const string Hello = """
        .text
        _start:
            call lb_init
            mov rdi, msg
            call lb_str
            mov rax, SYS_GETPID
            syscall
            mov rdi, rax
            call lb_u64
            mov rdi, nl
            call lb_str
            call lb_flush
            mov rdi, 0
            call exit
        .data
        msg: .asciz "Hello, world! I am pid "
        nl:  .asciz "\n"
        """;

    /// <summary>allocator: page_alloc a heap page after page (touching each) from 0x110000 until the kernel
    /// says -1 or the heap meets the stack; reports the count, yields a while (so the others fill up too), exits.</summary>
    private const string Allocator = """
        .equ HEAP_START, 0x110000
        .equ HEAP_END, 0x2ff000
        .text
        _start:
            call lb_init
            mov rbx, HEAP_START
            mov r14, 0
        alloc:
            cmp rbx, HEAP_END
            jae full
            mov rdi, rbx
            mov rax, SYS_PAGE_ALLOC
            syscall
            cmp rax, 0
            jne full
            st8 [rbx], rbx          # touch the new page
            add rbx, 4096
            add r14, 1
            mov rax, SYS_YIELD
            syscall
            jmp alloc
        full:
            mov rdi, msg1
            call lb_str
            mov rax, SYS_GETPID
            syscall
            mov rdi, rax
            call lb_u64
            mov rdi, msg2
            call lb_str
            mov rdi, r14
            call lb_u64
            mov rdi, msg3
            call lb_str
            call lb_flush
            mov r14, 40
        linger:
            mov rax, SYS_YIELD
            syscall
            sub r14, 1
            cmp r14, 0
            jne linger
            mov rdi, 0
            call exit
        .data
        msg1: .asciz "allocator pid "
        msg2: .asciz ": "
        msg3: .asciz " pages, then page_alloc said no\n"
        """;

    /// <summary>bigdata (C1): prints the string at `message`. The program's data is 8 pages; `message` opens
    /// the first and `amazing` the last, both at page offset 0, so one mapping change redirects the first.</summary>
    private const string BigData = """
        .text
        _start:
            call lb_init
            mov rdi, message
            call lb_str
            call lb_flush
            mov rdi, 0
            call exit
        .data
        message: .asciz "Boo! This big data is boring.\n"
            .align 4096
        bigdata: .zero 4096 * 6
            .align 4096
        amazing: .asciz "CS 61 Is Amazing\n"
        """;
}
