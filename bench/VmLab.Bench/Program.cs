using BenchmarkDotNet.Running;

namespace VmLab.Bench;

/// <summary>
/// BenchmarkDotNet entry point: `dotnet run -c Release --project bench/VmLab.Bench -- --filter '*'`.
/// Benchmarks compare ratios inside one run (baselines are marked); absolute times drift between runs.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
}
