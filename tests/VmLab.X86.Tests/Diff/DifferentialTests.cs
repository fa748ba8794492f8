using System.Text;
using Iced.Intel;
using Xunit.Abstractions;

namespace VmLab.X86.Tests.Diff;

/// <summary>
/// VmLab's CPU against the real one: the same random sequences from the same state must end with the same
/// signal at the same rip, the same sixteen registers, the same defined flags (CF PF AF ZF SF OF DF, minus the
/// ones the sequence leaves undefined) and the same data bytes. Fixed seed, so a failure reproduces.
/// The count is set by VMLAB_X86_FUZZ_COUNT (default 100,000), the seed by VMLAB_X86_FUZZ_SEED (default 162026:
/// another seed sweeps sequences the default run never makes).
/// </summary>
public class DifferentialTests(ITestOutputHelper output)
{
    private static int Count => int.TryParse(Environment.GetEnvironmentVariable("VMLAB_X86_FUZZ_COUNT"), out int n) && n > 0 ? n : 100_000;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("VMLAB_X86_FUZZ_SEED"), out int s) ? s : 16_2026;

    [HostX86Fact]
    public void Random_sequences_end_identically_on_the_host_cpu_and_on_vmlab()
    {
        var gen = new SequenceGenerator(Seed);
        IVmLabRunner flat = new FlatVmLab(), paged = new PagedVmLab(), stepped = new PagedVmLab();
        // translated cases take turns: every access compiled with the slow path, or leaving at its miss
        var translated = new PagedVmLab(translated: true, missLimit: 0);
        var leaving = new PagedVmLab(translated: true);
        var counts = new ClassCounts();
        var failures = new List<string>();
        int total = Count, done = 0, signals = 0, faulting = 0;
        const int batch = 5000;
        while (done < total && failures.Count < 5)
        {
            var cases = new List<X86Case>();
            for (int i = 0; i < Math.Min(batch, total - done); i++) cases.Add(gen.Next());
            var host = HostCpu.Run(cases);
            for (int i = 0; i < cases.Count && failures.Count < 5; i++)
            {
                X86Case c = cases[i];
                if (host[i].Signal != X86Outcome.SigIll) signals++;
                if (c.Faulting) faulting++;
                X86Outcome mine = paged.Run(c);
                string? diff = Compare(c, host[i], mine, paged.Name)
                    ?? (c.Faulting ? null : Compare(c, host[i], flat.Run(c), flat.Name))
                    ?? Compare(c, host[i], stepped.Run(c, rip => counts.Retired(c, rip)), "paged, one step at a time")
                    ?? ((done + i) % TranslatedEvery != 0 ? null
                        : (done + i) / TranslatedEvery % 2 == 0 ? Compare(c, host[i], translated.Run(c), translated.Name, mine)
                        : Compare(c, host[i], leaving.Run(c), leaving.Name, mine));
                if (diff is not null) failures.Add($"case {done + i} of seed {Seed}:\n{Describe(c)}{diff}");
                else counts.Ended(c, mine);
            }
            done += cases.Count;
        }
        output.WriteLine($"{done} sequences ({faulting} reaching past the data page; {translated.Compiled + leaving.Compiled} regions translated): {counts.Table()}");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.Equal(total, done);
        Assert.True(signals < total / 2, $"{signals} of {total} sequences ended in a fault: the generator is off");
        List<string> low = counts.BelowFloor(total);
        Assert.True(low.Count == 0, $"classes under their floor: {string.Join("; ", low)}\nall: {counts.Table()}");
    }

    [Fact]
    public void The_docs_list_exactly_the_classes_the_fuzzer_is_held_to()
    {
        string doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs/x86.md"));
        const string open = "<!-- fuzzer classes -->", close = "<!-- /fuzzer classes -->";
        int a = doc.IndexOf(open, StringComparison.Ordinal), b = doc.IndexOf(close, StringComparison.Ordinal);
        Assert.True(a >= 0 && b > a, "docs/x86.md has no fuzzer class list");
        var listed = doc[(a + open.Length)..b].Split('`').Where((_, k) => k % 2 == 1).ToList();
        Assert.Equal(ClassCounts.Listed.Order(), listed.Order());
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VmLab.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository above " + AppContext.BaseDirectory);
    }

    /// <summary>Every this many cases also run translated (compiling each costs the JIT a millisecond);
    /// VMLAB_X86_FUZZ_TRANSLATED_EVERY=1 runs them all so.</summary>
    private static int TranslatedEvery =>
        int.TryParse(Environment.GetEnvironmentVariable("VMLAB_X86_FUZZ_TRANSLATED_EVERY"), out int n) && n > 0 ? n : 8;

    /// <summary>The differences between the host's outcome and VmLab's, or null; with the interpreter's outcome,
    /// also the retired-instruction count (the host does not count).</summary>
    private static string? Compare(X86Case c, X86Outcome host, X86Outcome mine, string runner, X86Outcome? interpreted = null)
    {
        var sb = new StringBuilder();
        if (interpreted is not null && interpreted.Retired != mine.Retired)
            sb.AppendLine($"  retired: interpreted {interpreted.Retired}, translated {mine.Retired}");
        if (host.Signal != mine.Signal) sb.AppendLine($"  signal: host {host.Signal}, vmlab {mine.Signal}");
        if (host.Rip != mine.Rip) sb.AppendLine($"  rip: host 0x{host.Rip:x}, vmlab 0x{mine.Rip:x}");
        if (host.Signal == X86Outcome.SigSegv
            && (host.FaultAddress != mine.FaultAddress || host.ErrorCode != mine.ErrorCode || host.Vector != mine.Vector))
            sb.AppendLine($"  fault: host vector {host.Vector} at 0x{host.FaultAddress:x} error 0x{host.ErrorCode:x}, " +
                          $"vmlab vector {mine.Vector} at 0x{mine.FaultAddress:x} error 0x{mine.ErrorCode:x}");
        for (int i = 0; i < 16; i++)
            if (host.Regs[i] != mine.Regs[i]) sb.AppendLine($"  {Names[i]}: host 0x{host.Regs[i]:x}, vmlab 0x{mine.Regs[i]:x}");
        ulong mask = (SequenceGenerator.Status | 0x400) & ~c.UndefinedAt.GetValueOrDefault(host.Rip, SequenceGenerator.Status);
        if ((host.Rflags & mask) != (mine.Rflags & mask))
            sb.AppendLine($"  rflags (mask 0x{mask:x}): host 0x{host.Rflags & mask:x}, vmlab 0x{mine.Rflags & mask:x}");
        for (int i = 0; i < X86Case.DataSize; i++)
            if (host.Data[i] != mine.Data[i])
            {
                sb.AppendLine($"  data[{i}]: host 0x{host.Data[i]:x2}, vmlab 0x{mine.Data[i]:x2}");
                break;
            }
        for (int i = 0; i < X86Case.TailSize; i++)
            if (host.Tail[i] != mine.Tail[i])
            {
                sb.AppendLine($"  data[{4096 - X86Case.TailSize + i}]: host 0x{host.Tail[i]:x2}, vmlab 0x{mine.Tail[i]:x2}");
                break;
            }
        return sb.Length == 0 ? null : $"  ({runner})\n" + sb;
    }

    private static readonly string[] Names = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

    private static string Describe(X86Case c)
    {
        var sb = new StringBuilder();
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(c.Code), X86Case.CodeVa);
        var formatter = new GasFormatter();
        var output = new StringOutput();
        while (decoder.IP < X86Case.CodeVa + (ulong)c.Code.Length)
        {
            decoder.Decode(out Instruction ins);
            if (ins.Code == Code.Int3) continue;   // the padding before an instruction cut by the page end
            formatter.Format(ins, output);
            sb.AppendLine($"  {ins.IP:x}: {output.ToStringAndReset()}");
        }
        for (int i = 0; i < 16; i++) sb.Append($"{Names[i]}=0x{c.Regs[i]:x} ");
        sb.AppendLine($"rflags=0x{c.Rflags:x}");
        return sb.ToString();
    }
}

/// <summary>Runs only where the host CPU can run the sequences: Linux on x86-64.</summary>
public sealed class HostX86FactAttribute : FactAttribute
{
    public HostX86FactAttribute()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture
                != System.Runtime.InteropServices.Architecture.X64)
            Skip = "needs Linux on x86-64 (the host CPU is the reference)";
    }
}
