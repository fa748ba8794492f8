using System.Diagnostics;
using System.Text.RegularExpressions;
using VmLab.Sim.Elf;

namespace VmLab.X86.Tests;

/// <summary>The host's <c>objdump -d</c> on a built-in program's ELF file, to compare listings with.</summary>
internal static class HostObjdump
{
    /// <summary>objdump on the PATH, or null where binutils are not installed.</summary>
    public static string? Path { get; } = Environment.GetEnvironmentVariable("PATH")?.Split(':')
        .Select(d => System.IO.Path.Combine(d, "objdump")).FirstOrDefault(File.Exists);

    /// <summary>
    /// Each instruction line of <c>objdump -d --no-show-raw-insn</c> (plus args) on the program: its address and
    /// its text with runs of blanks squeezed to one ("  100000:\tmov    %rdi,..." is (0x100000, "mov %rdi,...")).
    /// </summary>
    public static List<(ulong At, string Text)> Disassemble(string program, params string[] args)
    {
        byte[]? elf = ElfPrograms.Bytes(program);
        Assert.NotNull(elf);   // where binutils are, so is the C compiler that built the programs
        string file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"vmlab-objdump-{program}-{Guid.NewGuid():n}.elf");
        File.WriteAllBytes(file, elf);
        try
        {
            var psi = new ProcessStartInfo(Path!, ["-d", "--no-show-raw-insn", .. args, file]) { RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            return [.. output.Split('\n').Select(l => l.Split('\t')).Where(f => f.Length >= 2 && f[0].TrimEnd().EndsWith(':'))
                .Select(f => (Convert.ToUInt64(f[0].Trim().TrimEnd(':'), 16), Squeeze(string.Join(' ', f[1..]))))];
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Runs of blanks squeezed to one, as the two listings align columns differently.</summary>
    public static string Squeeze(string s) => Regex.Replace(s.Trim(), @"\s+", " ");

    /// <summary>Up to 15 bytes of the program at virtual address at, found through the ELF program headers.</summary>
    public static byte[] Bytes(string program, ulong at)
    {
        var seg = ElfPrograms.Image(program)!.Segments.Single(s => at >= s.Address && at < s.Address + (ulong)s.Bytes.Length);
        int start = (int)(at - seg.Address);
        return seg.Bytes[start..Math.Min(seg.Bytes.Length, start + 15)];
    }
}
