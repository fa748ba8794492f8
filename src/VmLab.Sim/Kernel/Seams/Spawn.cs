using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Sim.Kernel;

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

public sealed partial class ReferenceSyscalls : ISpawn
{
    /// <inheritdoc/>
    public ulong Spawn(Kernel k, Process p, ulong name)
    {
        Span<byte> one = stackalloc byte[1];
        var chars = new char[MaxName];
        for (int i = 0; i < MaxName; i++)
        {
            if (!k.TryCopyFromUser(p, name + (ulong)i, one)) return Kernel.Fail;
            if (one[0] == 0) return k.StartProgram(new string(chars, 0, i), p) is int pid and > 0 ? (ulong)pid : Kernel.Fail;
            chars[i] = (char)one[0];
        }
        return Kernel.Fail;     // no NUL within MaxName bytes
    }
}

public sealed partial record KernelSeams
{
    /// <summary>F1 spawn(name).</summary>
    public ISpawn Spawn { get; init; } = ReferenceSyscalls.Instance;
}
