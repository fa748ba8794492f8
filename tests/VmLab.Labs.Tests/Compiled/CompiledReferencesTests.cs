using VmLab.Labs.Build;

namespace VmLab.Labs.Tests.Compiled;

/// <summary>The compiled-code check on an assembly built by the ordinary compiler (this test assembly).</summary>
public sealed class CompiledReferencesTests
{
    private static readonly string Self = typeof(CompiledReferencesTests).Assembly.Location;

    [Fact]
    public void A_banned_type_after_a_switch_is_found_and_charged_to_its_file()
    {
        var found = CompiledReferences.Check(Self, "T:System.Type;reflection could rewrite the graded tests: graded code runs inside the grader's test process\n");
        Assert.True(found.TryGetValue("SwitchThenType.cs", out string? use), string.Join("; ", found.Keys.Order()));
        Assert.Equal("SwitchThenType.Pick: uses System.Type (reflection could rewrite the graded tests)", use);
    }

    [Fact]
    public void A_file_without_a_banned_use_is_not_charged()
    {
        var found = CompiledReferences.Check(Self, "N:System.IO;files\n");
        Assert.DoesNotContain("SwitchThenType.cs", found.Keys);
        Assert.Contains("StudentFiles.cs", found.Keys);      // File.ReadAllText: System.IO
    }
}
