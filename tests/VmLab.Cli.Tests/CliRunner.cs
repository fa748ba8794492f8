using System.Text.Json.Nodes;

namespace VmLab.Cli.Tests;

/// <summary>Runs vmlab in-process and captures what a user would see.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Err);

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs vmlab and asserts exit 0 (the failure message quotes stderr).</summary>
    public static Result Ok(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Err}");
        return r;
    }

    /// <summary>Runs vmlab with --json and parses the one object it prints; nothing may reach stderr.</summary>
    public static JsonNode Json(params string[] args)
    {
        var r = Run([.. args, "--json"]);
        Assert.True(r.Err == "", r.Err);
        return JsonNode.Parse(r.Out)!;
    }

    /// <summary>Runs vmlab on bad input: exit 2, one line on stderr, no stack trace.</summary>
    public static Result BadInput(params string[] args)
    {
        var r = Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", r.Err);
        return r;
    }
}

/// <summary>A temporary directory for a test's input files, deleted afterwards.</summary>
public sealed class TempDir(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>Compiles C <paramref name="source"/> with `vmlab sim cc` into NAME.elf in the directory; returns its path.</summary>
    public string Elf(string name, string source)
    {
        string elf = System.IO.Path.Combine(Path, name + ".elf");
        CliRunner.Ok("sim", "cc", Write(name + ".c", source), "-o", elf);
        return elf;
    }

    /// <summary>Writes <paramref name="text"/> to a file of that name in the directory; returns its path.</summary>
    public string Write(string name, string text)
    {
        string path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);

    /// <summary>A temporary directory deleted when the test process ends (for files that theories' cases name).</summary>
    public static string ForProcess(string prefix)
    {
        var dir = new TempDir(prefix);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => dir.Dispose();
        return dir.Path;
    }
}
