using BenchmarkDotNet.Running;

namespace VmLab.Bench;

/// <summary>
/// BenchmarkDotNet entry point: `dotnet run -c Release --project bench/VmLab.Bench -- --filter '*'`
/// (add `--job short` for a quick run). Benchmarks compare ratios inside one run (baselines are marked);
/// absolute times drift between runs. `-- paired [rounds]` instead times the lazy-copy categories in alternating
/// C/VmLab pairs (<see cref="PairedRun"/>), then the seed's lazy copy against a separate C process;
/// `-- paired-process [rounds]` runs only that last part. `-- x86` prints the x86 CPU's instructions/s
/// without BenchmarkDotNet (a quick look; the numbers to quote come from X86CpuBench). `-- x86-vs-qemu [rounds]`
/// times C compute programs on `vmlab sim cpu`, qemu-x86_64 and natively (<see cref="X86VsQemu"/>).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "x86-vs-qemu")
        {
            X86VsQemu.Run(args[1..]);
            return;
        }
        if (args.Length > 0 && args[0] == "x86")
        {
            X86CpuBench.Quick();
            return;
        }
        if (args.Length > 0 && args[0] == "paired")
        {
            PairedRun.Run(args[1..]);
            return;
        }
        if (args.Length > 0 && args[0] == "paired-process")
        {
            PairedRun.RunAgainstProcess(PairedRun.Rounds(args[1..]), args.Contains("pinned"));
            return;
        }
        bool jobGiven = args.Any(a => a is "--job" or "-j");
        if (jobGiven && !args.Contains("--inProcess"))
            args = [.. args, "--inProcess"];
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create(jobGiven));
    }
}
