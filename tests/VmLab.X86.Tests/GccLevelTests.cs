using System.Diagnostics;
using VmLab.Sim.Elf;

namespace VmLab.X86.Tests;

/// <summary>
/// One C source, two CPUs, every gcc level: programs of the differential corpus (native/user/corpus) and each case
/// of native/user/traps/traps.c are built with the user programs' flags at -O0, -O1, -O2, -O3 and -Os for VmLab and
/// for Linux (host-shim.c), run on VmLab's teaching kernel and on the host CPU, and must print the same, then exit
/// with the same status or die of the same fault (the signal Linux sends, against the one VmLab's fault record
/// names). -Os is where gcc turns a sequentially consistent fence into mfence (elsewhere `lock orq $0,(%rsp)`).
/// </summary>
public class GccLevelTests
{
    private static readonly string[] AllLevels = ["-O0", "-O1", "-O2", "-O3", "-Os"];

    // What gcc's levels change most: atomics and fences, 128-bit arithmetic, bit builtins, jump tables and
    // recursion, struct copies, varargs, page-straddling accesses.
    private static readonly string[] Corpus = ["atomics", "int128", "bits", "jumps", "structs", "varargs", "straddle"];

    /// <summary>The cases of traps.c (see its switch): #DE at every width, #PF, #GP, #UD, a stack overflow.</summary>
    private const int TrapCases = 20;

    public static TheoryData<string> Programs() => new(Corpus);

    public static TheoryData<int> Traps() => new(Enumerable.Range(1, TrapCases));

    [Theory]
    [MemberData(nameof(Programs))]
    public void A_corpus_program_runs_as_on_the_host_cpu_at_every_level(string name)
    {
        var runs = AtLevels(Path.Combine(CBuilds.RepoRoot, "native/user/corpus", name + ".c"), AllLevels, []);
        foreach (var (level, host, vmlab) in runs)
        {
            Assert.True(host == vmlab, $"{name} {level}: the host printed\n{host}\nVmLab printed\n{vmlab}");
            Assert.Contains("[exit ", host);
        }
    }

    // Every case unoptimized and at one of the other levels in turn: the fault and the output before it.
    [Theory]
    [MemberData(nameof(Traps))]
    public void A_deliberate_fault_is_the_host_cpus_fault(int trapCase)
    {
        var runs = AtLevels(Path.Combine(CBuilds.RepoRoot, "native/user/traps/traps.c"), ["-O0", AllLevels[1 + trapCase % 4]], [$"-DCASE={trapCase}"]);
        foreach (var (level, host, vmlab) in runs)
        {
            Assert.True(host == vmlab, $"case {trapCase} {level}: the host printed\n{host}\nVmLab printed\n{vmlab}");
            Assert.StartsWith($"case {trapCase}\n", host);
        }
    }

    // The builds and runs of one source at several levels, side by side (gcc is most of the time).
    private static List<(string Level, string Host, string VmLab)> AtLevels(string source, string[] levels, string[] extra)
    {
        var results = new (string, string, string)[levels.Length];
        Parallel.For(0, levels.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var (host, vmlab) = CBuilds.Both(source, [levels[i], .. extra]);
            results[i] = (levels[i], host, vmlab);
        });
        return [.. results];
    }

    [Fact]
    public void At_Os_a_seq_cst_fence_is_mfence()
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-gcc-level-").FullName;
        try
        {
            var image = ElfLoader.Load(File.ReadAllBytes(CBuilds.BuildVmLab(Path.Combine(CBuilds.RepoRoot, "native/user/corpus/atomics.c"), ["-Os"], dir)));
            Assert.Contains(image.Segments, s => s.Bytes.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x0F, 0xAE, 0xF0]) >= 0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
