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
    /// <summary>
    /// Makes <paramref name="dst"/> map every user-half va that <paramref name="src"/> maps, to the same frame with the
    /// same P, W, U, NX bits (the contract above).
    /// </summary>
    void CopyMappings(PageTable dst, PageTable src);
}

/// <summary>E3 free_everything: gives back (Frames.Free) every frame mapped user-accessible in
/// [PROC_START_ADDR, MEMSIZE_VIRTUAL) (a shared frame just loses one reference), then every page-table page
/// of pt, the root last. Frames of the kernel half, the console among them, are not the process's.</summary>
public interface IFreeEverything
{
    /// <summary>
    /// Frees every user frame of <paramref name="pt"/> (one reference each), then its table pages, the root last (the
    /// contract above).
    /// </summary>
    void FreeEverything(Kernel k, PageTable pt);
}

/// <summary>fork's memory half: a new page table for childPid (start from k.NewPageTable) whose user half
/// matches the parent's: writable pages copied onto fresh frames, read-only pages shared with one more
/// reference each. Null when memory runs out, with everything the attempt took given back.</summary>
public interface IFork
{
    /// <summary>
    /// Builds <paramref name="childPid"/>'s page table from <paramref name="parent"/>'s; null when memory ran out, with
    /// nothing left allocated (the contract above).
    /// </summary>
    PageTable? ForkMemory(Kernel k, Process parent, int childPid);
}

/// <summary>exit's memory half: gives back every frame p owns, its page-table pages included, so that
/// after the last process exits the free-frame count is what it was at boot. The kernel then retires p.</summary>
public interface IExit
{
    /// <summary>Gives back every frame <paramref name="p"/> owns, page-table pages included (the contract above).</summary>
    void FreeProcess(Kernel k, Process p);
}

/// <summary>F1 spawn(name): name is an untrusted user pointer to a NUL-terminated program name of at most
/// MaxName bytes, every byte user-readable in p's page table. Starts the program (k.StartProgram) and returns
/// its pid; -1 (ulong.MaxValue) for a bad pointer, an unknown name, no free slot or no memory.</summary>
public interface ISpawn
{
    /// <summary>
    /// Starts the program named at user address <paramref name="name"/>; its pid, or -1 as ulong for any bad argument
    /// (the contract above).
    /// </summary>
    ulong Spawn(Kernel k, Process p, ulong name);
}

/// <summary>G1 page_alloc(va): maps a fresh zeroed page P|W|U|NX at va for p. va must be page-aligned, in
/// [PROC_START_ADDR, MEMSIZE_VIRTUAL) and not yet mapped; anything else returns -1 and changes nothing (the
/// kernel is a deputy: it must never touch memory that is not the caller's). 0 on success, -1 out of memory.</summary>
public interface IPageAlloc
{
    /// <summary>
    /// Maps a fresh zeroed page at <paramref name="va"/> for <paramref name="p"/>: 0 on success, -1 as ulong for a bad
    /// va or no memory (the contract above).
    /// </summary>
    ulong PageAlloc(Kernel k, Process p, ulong va);
}

/// <summary>H2 the pipe kernel: pipewrite(buf, len) and piperead(buf, len) on k.Pipe. A buffer that is not
/// wholly user-readable (write) or user-writable (read) returns -1, whatever the pipe holds. Otherwise they
/// return the bytes moved; how many per call, and whether a caller that cannot progress sleeps
/// (k.Block) or gets 0, is the design question of H2.</summary>
public interface IPipeKernel
{
    /// <summary>
    /// pipewrite: copies up to <paramref name="len"/> bytes from user address <paramref name="buf"/> into k.Pipe; the
    /// bytes moved, or -1 as ulong for a bad buffer.
    /// </summary>
    ulong Write(Kernel k, Process p, ulong buf, ulong len);

    /// <summary>
    /// piperead: copies up to <paramref name="len"/> bytes from k.Pipe to user address <paramref name="buf"/>; the
    /// bytes moved, or -1 as ulong for a bad buffer.
    /// </summary>
    ulong Read(Kernel k, Process p, ulong buf, ulong len);
}

/// <summary>C1 the one mapping change: afterwards va's page maps the frame behind targetVa, P|U (read-only),
/// and no byte of memory was written. The frame gains a reference; the one va used to map loses its own.</summary>
public interface IRemap
{
    /// <summary>
    /// Makes <paramref name="va"/>'s page map the frame behind <paramref name="targetVa"/> read-only, fixing both
    /// reference counts (the contract above).
    /// </summary>
    void Remap(Kernel k, Process p, ulong va, ulong targetVa);
}

/// <summary>The seams a kernel is built with. <see cref="Reference"/> is the working kernel.</summary>
public sealed record KernelSeams
{
    /// <summary>E1 copy_mappings.</summary>
    public ICopyMappings CopyMappings { get; init; } = ReferenceMemory.Instance;
    /// <summary>E3 free_everything (exit and a failed fork use it).</summary>
    public IFreeEverything FreeEverything { get; init; } = ReferenceMemory.Instance;
    /// <summary>
    /// fork's memory half: <see cref="CopyFork"/> by default, <see cref="CowFork"/> or <see cref="NaiveFork"/> for the
    /// E2 variants.
    /// </summary>
    public IFork Fork { get; init; } = CopyFork.Instance;
    /// <summary>exit's memory half.</summary>
    public IExit Exit { get; init; } = ReferenceMemory.Instance;
    /// <summary>F1 spawn(name).</summary>
    public ISpawn Spawn { get; init; } = ReferenceSyscalls.Instance;
    /// <summary>
    /// G1 page_alloc(va): the reference checks its argument; <see cref="HandoutPageAlloc"/> is the confused deputy.
    /// </summary>
    public IPageAlloc PageAlloc { get; init; } = ReferenceSyscalls.Instance;
    /// <summary>
    /// H2 pipewrite/piperead: one of the <see cref="TeachingPipe"/> variants, <see cref="TeachingPipe.Best"/> by
    /// default.
    /// </summary>
    public IPipeKernel Pipe { get; init; } = TeachingPipe.Best;
    /// <summary>C1 remap.</summary>
    public IRemap Remap { get; init; } = ReferenceMemory.Instance;

    /// <summary>The working kernel: every seam its reference implementation.</summary>
    public static KernelSeams Reference { get; } = new();
}

/// <summary>What a lab stub throws until the student writes the function.</summary>
public sealed class NotImplementedYetException(string what) : Exception($"{what}: not implemented yet");
