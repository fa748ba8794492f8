namespace VmLab.Sim.Machine;

/// <summary>
/// How user programs ask for service: the number in rax, arguments in rdi, rsi, rdx, then <c>syscall</c>;
/// the result comes back in rax (-1 for a refused request). The same numbers as the user library's
/// <c>SYSCALL_*</c> (native/user/lib); docs/isa.md lists them with their registers and results.
/// </summary>
public static class SyscallAbi
{
    /// <summary>write(buf = rdi, len = rsi): print len bytes to the console; returns len, or -1.</summary>
    public const int Write = 1;

    /// <summary>exit(status = rdi): end the process; does not return.</summary>
    public const int Exit = 2;

    /// <summary>getpid(): the caller's process id.</summary>
    public const int GetPid = 3;

    /// <summary>yield(): let another process run.</summary>
    public const int Yield = 4;

    /// <summary>page_alloc(va = rdi): map a fresh zeroed page at va; 0 or -1.</summary>
    public const int PageAlloc = 5;

    /// <summary>fork(): 0 in the child, the child's pid in the parent, -1 on failure.</summary>
    public const int Fork = 6;

    /// <summary>spawn(name = rdi, a NUL-terminated string): start a program by name; its pid, or -1.</summary>
    public const int Spawn = 7;

    /// <summary>pipewrite(buf = rdi, len = rsi): put bytes into the kernel pipe; how many, 0 if full, -1.</summary>
    public const int PipeWrite = 8;

    /// <summary>piperead(buf = rdi, len = rsi): take bytes from the kernel pipe; how many, 0 if empty, -1.</summary>
    public const int PipeRead = 9;

    /// <summary>The call's name as traces and the web's events show it ("page_alloc"), or "#N" for an unknown one.</summary>
    public static string Name(long number) => number switch
    {
        Write => "write",
        Exit => "exit",
        GetPid => "getpid",
        Yield => "yield",
        PageAlloc => "page_alloc",
        Fork => "fork",
        Spawn => "spawn",
        PipeWrite => "pipewrite",
        PipeRead => "piperead",
        _ => $"#{number}",
    };
}
