using System.Reflection;
using System.Text.RegularExpressions;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Tests.Architecture;

/// <summary>
/// The kernel's public surface is what a seam may call (Kernel.Api.cs), on purpose: a lab stub compiles against
/// exactly this, and everything else (the run loop, the process table, the counters) is the kernel's own.
/// </summary>
public sealed partial class KernelApiTests
{
    private static readonly string[] s_seamApi =
    [
        "Abandon", "Block", "Fail", "Frames", "MapFresh", "MappingPerm", "Memory", "NewPageTable", "Pipe", "PipeSize",
        "PTE_COW", "StartProgram", "Tlb", "TryCopyFromUser", "TryCopyToUser", "UserReadable", "UserWritable", "WakeAll", "Yield",
    ];

    [Fact]
    public void The_public_members_of_Kernel_are_the_seams_api()
    {
        var members = typeof(SimKernel).GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m is not MethodInfo { IsSpecialName: true })
            .Select(m => m.Name).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(s_seamApi.Order(StringComparer.Ordinal), members);
        Assert.Empty(typeof(SimKernel).GetConstructors());
    }

    [Fact]
    public void Every_kernel_member_a_lab_stub_names_is_public()
    {
        string templates = Path.Combine(FloorTests.RepoRoot(), "src", "VmLab.Labs", "Templates");
        var named = Directory.EnumerateFiles(templates, "*.cs.txt")
            .SelectMany(f => KernelMember().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .Where(name => typeof(SimKernel).Assembly.GetType("VmLab.Sim.Kernel." + name) is null)   // VmLab.Sim.Kernel.KernelLayout
            .ToHashSet();
        Assert.Contains("MapFresh", named);
        Assert.Subset(s_seamApi.ToHashSet(), named);      // what the stubs name is all public
    }

    // k.Member and Kernel.Member, as the stubs' code and comments write them.
    [GeneratedRegex(@"\b(?:k|Kernel)\.([A-Z][A-Za-z_]+)")]
    private static partial Regex KernelMember();
}
