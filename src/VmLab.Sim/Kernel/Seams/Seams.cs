using VmLab.Sim.Paging;

namespace VmLab.Sim.Kernel;

// The student-replaceable pieces of the teaching kernel (seed 003 parts C, E, F, G, H). Each is one short
// function with its contract written here; the kernel calls it through KernelSeams, so a lab can plug a
// student's version in place of the reference without the kernel knowing. The teaching variants (naive and
// copy-on-write fork, the handout's page_alloc, the four pipe kernels) are implementations of these too.

/// <summary>E1 copy_mappings: after the call, every va in [0, MEMSIZE_VIRTUAL) that src maps, dst maps to the
/// same pa with the same permissions (P, W, U, NX). dst starts empty. Frames are shared, not copied, and their
/// reference counts are not touched: that is the caller's business.</summary>
public interface ICopyMappings
{
    void CopyMappings(PageTable dst, PageTable src);
}

/// <summary>E3 free_everything: gives back (Frames.Free) every frame mapped user-accessible in
/// [PROC_START_ADDR, MEMSIZE_VIRTUAL) (a shared frame just loses one reference), then every page-table page
/// of pt, the root last. Frames of the kernel half, the console among them, are not the process's.</summary>
public interface IFreeEverything
{
    void FreeEverything(Kernel k, PageTable pt);
}

/// <summary>fork's memory half: a new page table for childPid (start from k.NewPageTable) whose user half
/// matches the parent's: writable pages copied onto fresh frames, read-only pages shared with one more
/// reference each. Null when memory runs out, with everything the attempt took given back.</summary>
public interface IFork
{
    PageTable? ForkMemory(Kernel k, Process parent, int childPid);
}

/// <summary>exit's memory half: gives back every frame p owns, its page-table pages included, so that
/// after the last process exits the free-frame count is what it was at boot. The kernel then retires p.</summary>
public interface IExit
{
    void FreeProcess(Kernel k, Process p);
}

/// <summary>F1 spawn(name): name is an untrusted user pointer to a NUL-terminated program name of at most
/// MaxName bytes, every byte user-readable in p's page table. Starts the program (k.StartProgram) and returns
/// its pid; -1 (ulong.MaxValue) for a bad pointer, an unknown name, no free slot or no memory.</summary>
public interface ISpawn
{
    ulong Spawn(Kernel k, Process p, ulong name);
}

/// <summary>G1 page_alloc(va): maps a fresh zeroed page P|W|U|NX at va for p. va must be page-aligned, in
/// [PROC_START_ADDR, MEMSIZE_VIRTUAL) and not yet mapped; anything else returns -1 and changes nothing (the
/// kernel is a deputy: it must never touch memory that is not the caller's). 0 on success, -1 out of memory.</summary>
public interface IPageAlloc
{
    ulong PageAlloc(Kernel k, Process p, ulong va);
}

/// <summary>H2 the pipe kernel: pipewrite(buf, len) and piperead(buf, len) on k.Pipe. A buffer that is not
/// wholly user-readable (write) or user-writable (read) returns -1, whatever the pipe holds. Otherwise they
/// return the bytes moved; how many per call, and whether a caller that cannot progress sleeps
/// (k.Block) or gets 0, is the design question of H2.</summary>
public interface IPipeKernel
{
    ulong Write(Kernel k, Process p, ulong buf, ulong len);

    ulong Read(Kernel k, Process p, ulong buf, ulong len);
}

/// <summary>C1 the one mapping change: afterwards va's page maps the frame behind targetVa, P|U (read-only),
/// and no byte of memory was written. The frame gains a reference; the one va used to map loses its own.</summary>
public interface IRemap
{
    void Remap(Kernel k, Process p, ulong va, ulong targetVa);
}

/// <summary>The seams a kernel is built with. <see cref="Reference"/> is the working kernel.</summary>
public sealed record KernelSeams
{
    public ICopyMappings CopyMappings { get; init; } = ReferenceMemory.Instance;
    public IFreeEverything FreeEverything { get; init; } = ReferenceMemory.Instance;
    public IFork Fork { get; init; } = CopyFork.Instance;
    public IExit Exit { get; init; } = ReferenceMemory.Instance;
    public ISpawn Spawn { get; init; } = ReferenceSyscalls.Instance;
    public IPageAlloc PageAlloc { get; init; } = ReferenceSyscalls.Instance;
    public IPipeKernel Pipe { get; init; } = TeachingPipe.Best;
    public IRemap Remap { get; init; } = ReferenceMemory.Instance;

    public static KernelSeams Reference { get; } = new();

    /// <summary>The seams the older switches name (ForkMode, PipeKernel, Vulnerable).</summary>
    public static KernelSeams From(KernelOptions o) => new()
    {
        Fork = o.Fork switch { ForkMode.CopyOnWrite => CowFork.Instance, ForkMode.Naive => NaiveFork.Instance, _ => CopyFork.Instance },
        Pipe = TeachingPipe.For(o.Pipe),
        PageAlloc = o.Vulnerable ? HandoutPageAlloc.Instance : ReferenceSyscalls.Instance,
    };
}

/// <summary>What a lab stub throws until the student writes the function.</summary>
public sealed class NotImplementedYetException(string what) : Exception($"{what}: not implemented yet");
