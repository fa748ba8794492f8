using System.Text;
using Iced.Intel;

namespace VmLab.X86.Tests.Diff;

/// <summary>
/// VmLab's CPU against the real one: the same random sequences from the same state must end with the same
/// signal at the same rip, the same sixteen registers, the same defined flags (CF PF AF ZF SF OF DF, minus the
/// ones the sequence leaves undefined) and the same data bytes. Fixed seed, so a failure reproduces.
/// The count is set by VMLAB_X86_FUZZ_COUNT (default 100,000).
/// </summary>
public class DifferentialTests
{
    private static int Count => int.TryParse(Environment.GetEnvironmentVariable("VMLAB_X86_FUZZ_COUNT"), out int n) && n > 0 ? n : 100_000;

    [HostX86Fact]
    public void Random_sequences_end_identically_on_the_host_cpu_and_on_vmlab()
    {
        var gen = new SequenceGenerator(seed: 16_2026);
        var vm = new VmLabCpu();
        var failures = new List<string>();
        int total = Count, done = 0, signals = 0;
        const int batch = 5000;
        while (done < total && failures.Count < 5)
        {
            var cases = new List<X86Case>();
            for (int i = 0; i < Math.Min(batch, total - done); i++) cases.Add(gen.Next());
            var host = HostCpu.Run(cases);
            for (int i = 0; i < cases.Count && failures.Count < 5; i++)
            {
                X86Outcome mine = vm.Run(cases[i]);
                if (host[i].Signal != X86Outcome.SigIll) signals++;
                string? diff = Compare(cases[i], host[i], mine);
                if (diff is not null) failures.Add($"case {done + i}:\n{Describe(cases[i])}{diff}");
            }
            done += cases.Count;
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.Equal(total, done);
        Assert.True(signals < total / 2, $"{signals} of {total} sequences ended in a fault: the generator is off");
    }

    private static string? Compare(X86Case c, X86Outcome host, X86Outcome mine)
    {
        var sb = new StringBuilder();
        if (host.Signal != mine.Signal) sb.AppendLine($"  signal: host {host.Signal}, vmlab {mine.Signal}");
        if (host.Rip != mine.Rip) sb.AppendLine($"  rip: host 0x{host.Rip:x}, vmlab 0x{mine.Rip:x}");
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
        return sb.Length == 0 ? null : sb.ToString();
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
