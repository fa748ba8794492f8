using System.Reflection;
using VmLab.Linux.LazyCopy;
using Xunit.Sdk;

namespace VmLab.Linux.Tests;

/// <summary>One theory row per lazy-copy strategy; a strategy this process cannot use (userfaultfd without the
/// privilege, say) is skipped with the reason instead of failing.</summary>
public sealed class StrategyDataAttribute : DataAttribute
{
    public StrategyDataAttribute(string strategy)
    {
        Strategy = strategy;
        if (!LazyCopyStrategies.TryParse(strategy, out var s))
            Skip = $"unknown strategy {strategy}";
        else if (!s.IsAvailable(out string reason))
            Skip = reason;
    }

    public string Strategy { get; }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[Strategy]];
}
