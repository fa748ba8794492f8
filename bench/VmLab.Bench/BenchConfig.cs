using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace VmLab.Bench;

/// <summary>In-process runs: the benchmarks need the native library next to this assembly, and the
/// toolchain does not need to know the .NET 10 moniker.</summary>
internal static class BenchConfig
{
    /// <summary>The default job, in process; with --job on the command line, only that job (made in-process by
    /// the --inProcess switch Program adds), so a short run is not followed by a full one.</summary>
    public static IConfig Create(bool jobGiven) =>
        jobGiven
            ? DefaultConfig.Instance.WithOptions(ConfigOptions.DisableOptimizationsValidator)
            : DefaultConfig.Instance
                .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance))
                .WithOptions(ConfigOptions.DisableOptimizationsValidator);
}
