using System.Diagnostics;
using System.Text.Json;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;

namespace VmLab.Bench;

/// <summary>
/// `-- x86-vs-qemu [rounds]`: compute programs (Programs/*.c), each built from one C source for VmLab (the user
/// flags and library, as `vmlab sim cc` builds) and for the host (static, with native/user/host/host-shim.c), timed
/// as a student runs them: `vmlab sim cpu PROG.elf` (the Release CLI, start-up and the kernel's memory checker
/// included), the same host binary under `qemu-x86_64` (TCG), and natively, in alternation, the order rotated
/// every round. Then the same VmLab programs in this process on a kernel without the memory checker, translated
/// and interpreted, for the CPU's own speed, and where the translated run's time goes. Medians of wall times,
/// ratios as medians of per-round ratios. `-- x86-vs-qemu [rounds] [program ...] [--profile]`: the named programs
/// only; --profile prints only the in-process profile. A path to a .c file (written against native/user/lib's u-lib.h,
/// entry process_main) is a program too, and -O0/-O1/-O2/-O3/-Os builds every program at that level instead of the
/// user flags' -O2: held-out programs and other optimisation levels, timed the same way. Programs/more/*.c are fourteen
/// such programs written like held-out ones (docs/x86.md, "fourth round" and "fifth round").
/// </summary>
internal static partial class X86VsQemu
{
    public static readonly string[] Programs = ["sieve", "hash", "interp", "sort", "matmul", "crc", "life"];

    public static void Run(string[] args)
    {
        int rounds = args.Length > 0 && int.TryParse(args[0], out int r) && r > 0 ? r : 5;
        string[] chosen = args.Where(a => Programs.Contains(a) || a.EndsWith(".c", StringComparison.Ordinal)).ToArray();
        string? level = args.LastOrDefault(a => a is "-O0" or "-O1" or "-O2" or "-O3" or "-Os");
        if (chosen.FirstOrDefault(a => a.EndsWith(".c", StringComparison.Ordinal) && !File.Exists(a)) is { } missing)
        {
            Console.Error.WriteLine($"x86-vs-qemu: no such C file: {missing}");
            Environment.ExitCode = 2;
            return;
        }
        bool profileOnly = args.Contains("--profile");
        string root = RepoRoot();
        string vmlab = Path.Combine(root, "src/VmLab.Cli/bin/Release/net10.0/vmlab");
        if (!File.Exists(vmlab))
        {
            Console.Error.WriteLine($"x86-vs-qemu: no Release CLI at {vmlab}: run 'dotnet build -c Release src/VmLab.Cli' first");
            Environment.ExitCode = 2;
            return;
        }
        string? qemu = OnPath("qemu-x86_64");
        string dir = Directory.CreateTempSubdirectory("vmlab-x86-vs-qemu-").FullName;
        try
        {
            List<Built> builds;
            try
            {
                builds = (chosen.Length > 0 ? chosen : Programs).Select(p => Build(root, dir, p, level)).ToList();
            }
            catch (GccFailed e)
            {
                Console.Error.WriteLine($"x86-vs-qemu: gcc could not build it: {e.Message.ReplaceLineEndings(" ")}");
                Environment.ExitCode = 2;
                return;
            }
            if (profileOnly)
            {
                PrintProfiles(builds.Select(b => new Row(b.Name, 0, 0, 0, 0, 0, 0, 0, InProcess(b.Elf, translation: true),
                    args.Contains("--interpreted") ? InProcess(b.Elf, translation: false) : null!, "")).ToList());
                return;
            }
            Console.WriteLine($"x86-vs-qemu: {builds.Count} programs, {rounds} rounds, load average {LoadAverage()}, " +
                              (qemu is null ? "no qemu-x86_64 on PATH" : qemu));
            var table = builds.Select(b => Measure(b, vmlab, qemu, rounds)).ToList();
            Print(table, qemu is not null);
            PrintProfiles(table);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>One program's two builds: the VmLab ELF and the host executable.</summary>
    private sealed record Built(string Name, string Elf, string Host);

    private sealed record Row(string Name, long Instructions, double Native, double Qemu, double Vmlab, double VmlabPerNative,
        double VmlabPerQemu, double VmlabRate, Profile Core, Profile Interpreted, string Output);

    private static Row Measure(Built b, string vmlab, string? qemu, int rounds)
    {
        string expected = RunProcess(b.Host, []).Output;
        var (vmOut, instructions) = VmlabJson(vmlab, b.Elf);
        if (vmOut != expected) Console.WriteLine($"  {b.Name}: VmLab printed {Quote(vmOut)}, the host {Quote(expected)}");
        var sides = new List<(string Name, Func<double> Time)>
        {
            ("native", () => RunProcess(b.Host, []).Seconds),
            ("vmlab", () => RunProcess(vmlab, ["sim", "cpu", b.Elf, "--steps", "10000000000"]).Seconds),
        };
        if (qemu is not null) sides.Add(("qemu", () => RunProcess(qemu, [b.Host]).Seconds));
        var times = sides.ToDictionary(s => s.Name, _ => new List<double>());
        for (int round = 0; round < rounds; round++)
            for (int k = 0; k < sides.Count; k++)
            {
                var (name, time) = sides[(k + round) % sides.Count];
                times[name].Add(time());
            }
        double Ratio(string a, string over) => Median(times[a].Zip(times[over], (x, y) => x / y));
        Profile core = InProcess(b.Elf, translation: true), interpreted = InProcess(b.Elf, translation: false);
        return new Row(b.Name, instructions, Median(times["native"]), qemu is null ? 0 : Median(times["qemu"]), Median(times["vmlab"]),
            Ratio("vmlab", "native"), qemu is null ? 0 : Ratio("vmlab", "qemu"), instructions / Median(times["vmlab"]),
            core, interpreted, vmOut);
    }

    private static (string Output, long Instructions) VmlabJson(string vmlab, string elf)
    {
        var (output, _, _) = RunProcess(vmlab, ["sim", "cpu", elf, "--steps", "10000000000", "--json"]);
        using var doc = JsonDocument.Parse(output);
        return (doc.RootElement.GetProperty("console").GetString() ?? "", doc.RootElement.GetProperty("instructions").GetInt64());
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? 0 : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static string Quote(string s) => JsonSerializer.Serialize(s);
}
