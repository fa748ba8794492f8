using VmLab.Sim.Kernel;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Labs.Tests.Wrong;

// Mistakes in spawn, page_alloc and the pipe kernel.

/// <summary>Reads the name at the pointer as if it were a physical address (identity-mapped thinking).</summary>
public sealed class TrustingSpawn : ISpawn
{
    public ulong Spawn(Kernel k, Process p, ulong name)
    {
        var text = new System.Text.StringBuilder();
        for (ulong a = name; k.Memory.ReadByte(a) != 0 && text.Length < MaxName; a++) text.Append((char)k.Memory.ReadByte(a));
        return k.StartProgram(text.ToString(), p) is int pid and > 0 ? (ulong)pid : Kernel.Fail;
    }
}

/// <summary>Translates through the page table but never asks whether the caller may read the bytes.</summary>
public sealed class UncheckedSpawn : ISpawn
{
    public ulong Spawn(Kernel k, Process p, ulong name)
    {
        var text = new System.Text.StringBuilder();
        for (ulong a = name; ; a++)
        {
            var it = p.PageTable.Iter(a);
            if (!it.Present) return Kernel.Fail;
            byte b = k.Memory.ReadByte(it.Pa);
            if (b == 0) break;
            text.Append((char)b);
        }
        return k.StartProgram(text.ToString(), p) is int pid and > 0 ? (ulong)pid : Kernel.Fail;
    }
}

/// <summary>The handout's page_alloc: zeroes whatever page it is given.</summary>
public sealed class DeputyPageAlloc : IPageAlloc
{
    public ulong PageAlloc(Kernel k, Process p, ulong va) => HandoutPageAlloc.Instance.PageAlloc(k, p, va);
}

/// <summary>Checks the range but not whether the page is already mapped: the old frame leaks.</summary>
public sealed class OverwritingPageAlloc : IPageAlloc
{
    public ulong PageAlloc(Kernel k, Process p, ulong va) =>
        !IsUserPage(va) ? Kernel.Fail : k.MapFresh(p.PageTable, va, PTE_P | PTE_W | PTE_U | PTE_NX, []) ? 0 : Kernel.Fail;
}

/// <summary>Forgets the upper bound: maps pages at and above MEMSIZE_VIRTUAL.</summary>
public sealed class UnboundedPageAlloc : IPageAlloc
{
    public ulong PageAlloc(Kernel k, Process p, ulong va) =>
        va % PageSize != 0 || va < ProcStartAddr || p.PageTable.Iter(va).Present ? Kernel.Fail
        : k.MapFresh(p.PageTable, va, PTE_P | PTE_W | PTE_U | PTE_NX, []) ? 0 : Kernel.Fail;
}

/// <summary>The handout's pipe: one byte per call, 0 for "try again": the programs busy-poll.</summary>
public sealed class PollingPipe : IPipeKernel
{
    public ulong Write(Kernel k, Process p, ulong buf, ulong len) => TeachingPipe.Naive.Write(k, p, buf, len);
    public ulong Read(Kernel k, Process p, ulong buf, ulong len) => TeachingPipe.Naive.Read(k, p, buf, len);
}

/// <summary>The best pipe, except that a full pipe makes pipewrite sleep before it looks at the buffer.</summary>
public sealed class LateCheckPipe : IPipeKernel
{
    public ulong Write(Kernel k, Process p, ulong buf, ulong len)
    {
        if (k.Pipe.Space == 0) return k.Block(p);
        return TeachingPipe.Best.Write(k, p, buf, len);
    }

    public ulong Read(Kernel k, Process p, ulong buf, ulong len) => TeachingPipe.Best.Read(k, p, buf, len);
}

/// <summary>Blocks, but never wakes anyone: the two programs end up asleep for good.</summary>
public sealed class SleepyPipe : IPipeKernel
{
    public ulong Write(Kernel k, Process p, ulong buf, ulong len)
    {
        if (len > MaxWrite || !k.UserReadable(p, buf, len)) return Kernel.Fail;
        int n = (int)Math.Min(len, (ulong)k.Pipe.Space);
        if (n == 0) return k.Block(p);
        Span<byte> bytes = stackalloc byte[n];
        k.TryCopyFromUser(p, buf, bytes);
        k.Pipe.Push(bytes);
        return (ulong)n;
    }

    public ulong Read(Kernel k, Process p, ulong buf, ulong len)
    {
        if (len > MaxWrite || !k.UserWritable(p, buf, len)) return Kernel.Fail;
        int n = (int)Math.Min(len, (ulong)k.Pipe.Count);
        if (n == 0) return k.Block(p);
        Span<byte> bytes = stackalloc byte[n];
        k.Pipe.Pop(bytes);
        k.TryCopyToUser(p, buf, bytes);
        return (ulong)n;
    }
}
