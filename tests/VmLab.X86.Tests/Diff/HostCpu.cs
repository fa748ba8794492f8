using System.Diagnostics;

namespace VmLab.X86.Tests.Diff;

/// <summary>The host CPU, through native/x86diff/x86diff-host: cases are streamed to it on stdin (from a
/// writer task, so neither pipe can fill up and stall) and outcomes read back in order.</summary>
internal static class HostCpu
{
    public static string HarnessPath => Path.Combine(AppContext.BaseDirectory, "x86diff-host");

    public static List<X86Outcome> Run(IReadOnlyList<X86Case> cases)
    {
        var psi = new ProcessStartInfo(HarnessPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start x86diff-host");
        var writer = Task.Run(() =>
        {
            using var w = new BinaryWriter(new BufferedStream(p.StandardInput.BaseStream, 1 << 16));
            foreach (var c in cases)
            {
                w.Write((uint)c.Code.Length);
                w.Write(c.Code);
                foreach (ulong r in c.Regs) w.Write(r);
                w.Write(c.Rflags);
                w.Write(c.Data);
                w.Write(c.Tail);
            }
        });
        var results = new List<X86Outcome>(cases.Count);
        var stderr = p.StandardError.ReadToEndAsync();
        using (var r = new BinaryReader(new BufferedStream(p.StandardOutput.BaseStream, 1 << 16)))
        {
            try
            {
                ReadAll(r, cases.Count, results);
            }
            catch (EndOfStreamException)
            {
                throw new InvalidOperationException($"x86diff-host stopped early: {stderr.Result.Trim()}");
            }
        }
        writer.Wait();
        p.WaitForExit();
        return results;
    }

    private static void ReadAll(BinaryReader r, int count, List<X86Outcome> results)
    {
        for (int i = 0; i < count; i++)
        {
            var o = new X86Outcome { Signal = (int)r.ReadUInt32(), Rip = r.ReadUInt64() };
            for (int k = 0; k < 16; k++) o.Regs[k] = r.ReadUInt64();
            o.Rflags = r.ReadUInt64();
            o.FaultAddress = r.ReadUInt64();
            o.ErrorCode = r.ReadUInt64();
            o.Vector = r.ReadUInt64();
            o.Data = r.ReadBytes(X86Case.DataSize);
            o.Tail = r.ReadBytes(X86Case.TailSize);
            results.Add(o);
        }
    }
}
