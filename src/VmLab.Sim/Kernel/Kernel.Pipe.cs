using VmLab.Sim.Cpu;

namespace VmLab.Sim.Kernel;

/// <summary>The kernel's pipe: a ring of <see cref="Kernel.PipeSize"/> bytes in kernel memory.</summary>
public sealed class KernelPipe
{
    private readonly byte[] _ring = new byte[Kernel.PipeSize];
    private int _head;

    /// <summary>Bytes waiting to be read.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes that can still be written.</summary>
    public int Space => _ring.Length - Count;

    /// <summary>Appends all of bytes; throws if they do not fit (check <see cref="Space"/> first).</summary>
    public void Push(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > Space) throw new InvalidOperationException($"pipe: {bytes.Length} bytes do not fit in {Space}");
        for (int i = 0; i < bytes.Length; i++) _ring[(_head + Count + i) % _ring.Length] = bytes[i];
        Count += bytes.Length;
    }

    /// <summary>Removes dst.Length bytes into dst; throws if fewer are waiting (check <see cref="Count"/>).</summary>
    public void Pop(Span<byte> dst)
    {
        if (dst.Length > Count) throw new InvalidOperationException($"pipe: {dst.Length} bytes asked, {Count} waiting");
        for (int i = 0; i < dst.Length; i++) dst[i] = _ring[(_head + i) % _ring.Length];
        _head = (_head + dst.Length) % _ring.Length;
        Count -= dst.Length;
    }
}

public sealed partial class Kernel
{
    /// <summary>Bytes the kernel pipe holds.</summary>
    public const int PipeSize = 256;

    /// <summary>The one pipe pipewrite and piperead share.</summary>
    // The x86-64 syscall instruction (0f 05): how far back a blocked call's rip goes to run it again.
    private const ulong SyscallLength = 2;

    /// <summary>
    /// The one pipe pipewrite and piperead share (<see cref="PipeSize"/> bytes), as the kernel's code sees it.
    /// </summary>
    public KernelPipe Pipe { get; } = new();

    /// <summary>pipewrite/piperead calls made (a call restarted after blocking counts once).</summary>
    public long PipeSyscalls { get; private set; }

    /// <summary>Puts p to sleep inside its syscall: rip is rewound so the same call runs again once
    /// <see cref="WakeAll"/> makes p runnable. Return its result from the syscall.</summary>
    public ulong Block(Process p)
    {
        p.Registers.Rip -= SyscallLength;
        p.Restarting = true;
        p.State = ProcessState.Blocked;
        _resume = false;
        Log($"pid {p.Pid} blocks on the pipe");
        return p.Registers[Reg.Rax];        // rax keeps the syscall number for the restart
    }

    /// <summary>Makes every blocked process runnable; true if there was one.</summary>
    public bool WakeAll()
    {
        bool any = false;
        foreach (var q in LiveProcesses)
            if (q.State == ProcessState.Blocked)
            {
                q.State = ProcessState.Runnable;
                any = true;
            }
        return any;
    }

    /// <summary>Ends the caller's turn when this syscall returns: the scheduler picks the next process.</summary>
    public void Yield() => _resume = false;

    private ulong PipeCall(Process p, bool write, ulong buf, ulong len)
    {
        if (!p.Restarting) PipeSyscalls++;
        else SyscallCount--;     // the same call again after a sleep: not a new one
        p.Restarting = false;
        return write ? Seams.Pipe.Write(this, p, buf, len) : Seams.Pipe.Read(this, p, buf, len);
    }
}
