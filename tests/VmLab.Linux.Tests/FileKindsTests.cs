namespace VmLab.Linux.Tests;

/// <summary>What stat(2) says a path is: each kind of file, the missing ones, and a failure that is not "missing"
/// reported with its own errno (the failed call is asked again keeping errno).</summary>
public sealed class FileKindsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-filekinds-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [LinuxFact]
    public void Each_kind_of_file_is_told_apart()
    {
        string file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "x");
        Assert.Equal(FileKind.Regular, FileKinds.Of(file));
        Assert.Equal(FileKind.Directory, FileKinds.Of(_dir));
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/null"));
        string link = Path.Combine(_dir, "link");
        File.CreateSymbolicLink(link, file);
        Assert.Equal(FileKind.Regular, FileKinds.Of(link));
    }

    [LinuxFact]
    public void A_missing_file_or_one_under_a_file_is_missing()
    {
        string file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "x");
        Assert.Equal(FileKind.Missing, FileKinds.Of(Path.Combine(_dir, "none")));
        Assert.Equal(FileKind.Missing, FileKinds.Of(Path.Combine(file, "under")));   // ENOTDIR
    }

    [LinuxFact]
    public void A_symbolic_link_loop_is_an_error_naming_eloop()
    {
        string a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");
        File.CreateSymbolicLink(a, b);
        File.CreateSymbolicLink(b, a);
        var e = Assert.Throws<LinuxException>(() => FileKinds.Of(a));
        Assert.Equal("stat", e.Call);
        Assert.Equal(40, e.ErrorNumber);   // ELOOP
    }
}
