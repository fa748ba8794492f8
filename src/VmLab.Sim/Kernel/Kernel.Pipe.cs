using VmLab.Sim.Cpu;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

/// <summary>How the kernel pipe behaves (seed 003 H1/H2): each variant switches on one more technique.</summary>
public enum PipeKernel : byte
{
    /// <summary>The handout: one byte per call, 0 = "try again" (busy polling), the caller keeps the CPU.</summary>
    Naive,
    /// <summary>One byte per call, but a reader of an empty pipe (a writer of a full one) sleeps until it changes.</summary>
    Blocking,
    /// <summary>As many bytes as fit per call; still polling.</summary>
    Batching,
    /// <summary>Batching and blocking, and a write hands the CPU to the reader it woke (scheduling).</summary>
    Best,
}

public sealed partial class Kernel
{
    /// <summary>Bytes the kernel pipe holds.</summary>
    public const int PipeSize = 256;

    private readonly byte[] _pipe = new byte[PipeSize];
    private int _pipeHead, _pipeCount;

    /// <summary>pipewrite/piperead calls made (a call restarted after blocking counts once).</summary>
    public long PipeSyscalls { get; private set; }

    private bool PipeBlocks => Options.Pipe is PipeKernel.Blocking or PipeKernel.Best;

    private bool PipeBatches => Options.Pipe is PipeKernel.Batching or PipeKernel.Best;

    /// <summary>pipewrite(buf, len): appends up to len bytes (1 unbatched) of user-readable memory at buf to the
    /// pipe. Returns the count; 0 when the pipe is full (a blocking kernel sleeps instead); -1 for a bad buffer.</summary>
    private ulong SysPipeWrite(Process p, ulong buf, ulong len)
    {
        CountPipeCall(p);
        if (len > MaxWrite) return Fail;
        int n = (int)Math.Min(len, (ulong)(PipeSize - _pipeCount));
        if (!PipeBatches) n = Math.Min(n, 1);
        Span<byte> bytes = stackalloc byte[n];
        if (!TryCopyFromUser(p, buf, bytes)) return Fail;
        if (n == 0 && len > 0 && PipeBlocks) return Sleep(p);
        for (int i = 0; i < n; i++) _pipe[(_pipeHead + _pipeCount + i) % PipeSize] = bytes[i];
        _pipeCount += n;
        if (n > 0 && WakeAll() && Options.Pipe == PipeKernel.Best) _resume = false;   // let the reader run now
        return (ulong)n;
    }

    /// <summary>piperead(buf, len): moves up to len bytes (1 unbatched) from the pipe to user memory at buf,
    /// which must be user-writable in the caller's table. Returns the count; 0 when the pipe is empty (a
    /// blocking kernel sleeps instead); -1 for a bad buffer.</summary>
    private ulong SysPipeRead(Process p, ulong buf, ulong len)
    {
        CountPipeCall(p);
        if (len > MaxWrite || buf >= MemSizeVirtual || len > MemSizeVirtual - buf) return Fail;
        if (!BreakCopyOnWrite(p, buf, len)) return Fail;
        if (len > 0 && !p.PageTable.Iter(buf).RangePerm(len, PTE_P | PTE_W | PTE_U)) return Fail;
        int n = (int)Math.Min(len, (ulong)_pipeCount);
        if (!PipeBatches) n = Math.Min(n, 1);
        if (n == 0 && len > 0 && PipeBlocks) return Sleep(p);
        var it = p.PageTable.Iter(buf);
        for (int i = 0; i < n; i++)
            Memory.WriteByte(it.Find(buf + (ulong)i).Pa, _pipe[(_pipeHead + i) % PipeSize]);
        _pipeHead = (_pipeHead + n) % PipeSize;
        _pipeCount -= n;
        if (n > 0) WakeAll();
        return (ulong)n;
    }

    // The kernel is about to write user memory for p: copy-on-write pages in the range get their private copy
    // first, exactly as if p had written them itself. False when a copy cannot be had.
    private bool BreakCopyOnWrite(Process p, ulong buf, ulong len)
    {
        for (ulong va = buf & ~(PageSize - 1); va < buf + len; va += PageSize)
        {
            var it = p.PageTable.Iter(va);
            if (it.User && (it.Entry & PTE_COW) != 0 && !CopyOnWriteFault(p, va)) return false;
        }
        return true;
    }

    // Blocking: rewind rip to the syscall so it runs again when woken, with rax still the syscall number.
    private ulong Sleep(Process p)
    {
        p.Registers.Rip -= 8;
        p.Restarting = true;
        p.State = ProcessState.Blocked;
        _resume = false;
        Log($"pid {p.Pid} blocks on the pipe");
        return (ulong)(long)(p.Registers[Reg.Rax]);
    }

    private bool WakeAll()
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

    private void CountPipeCall(Process p)
    {
        if (!p.Restarting) PipeSyscalls++;
        else SyscallCount--;     // the same call again after a sleep: not a new one
        p.Restarting = false;
    }
}
