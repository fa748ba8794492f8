using VmLab.Labs.Grading;

namespace VmLab.Labs.Tests;

/// <summary>The bundle from an installed tool's layout: vmlab.dll without a launcher beside it.</summary>
public sealed class GradescopeBundleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-bundle-unit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string InstalledTool()
    {
        // as `dotnet tool install` lays it out: .store/vmlab/VERSION/vmlab/VERSION/tools/net10.0/any/vmlab.dll
        string any = Directory.CreateDirectory(Path.Combine(_dir, "tool", ".store", "vmlab", "1.0", "tools", "any")).FullName;
        File.WriteAllText(Path.Combine(any, "vmlab.dll"), "not really an assembly");
        return any;
    }

    [Fact]
    public void A_tool_without_a_launcher_gets_one_in_the_bundle()
    {
        string bundle = Path.Combine(_dir, "bundle");
        GradescopeBundle.Write(bundle, [Catalog.Find("bigdata")!], InstalledTool());
        string launcher = Path.Combine(bundle, "vmlab", "vmlab");
        Assert.Contains("exec dotnet \"$(dirname \"$0\")/vmlab.dll\"", File.ReadAllText(launcher));
        if (!OperatingSystem.IsWindows()) Assert.True(File.GetUnixFileMode(launcher).HasFlag(UnixFileMode.UserExecute));
        Assert.True(File.Exists(Path.Combine(bundle, "vmlab", "vmlab.dll")));
    }

    [Fact]
    public void A_bundle_inside_the_tool_it_carries_is_refused_before_anything_is_copied()
    {
        string tool = InstalledTool();
        var e = Assert.Throws<ArgumentException>(() => GradescopeBundle.Write(Path.Combine(tool, "gs"), [Catalog.Find("bigdata")!], tool));
        Assert.Contains("inside", e.Message);
        Assert.False(Directory.Exists(Path.Combine(tool, "gs")));
    }
}
