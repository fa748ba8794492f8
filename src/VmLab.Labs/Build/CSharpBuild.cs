using System.Text.Json;
using System.Text.RegularExpressions;
using VmLab.Sim.Kernel;

namespace VmLab.Labs.Build;

/// <summary>One grader-owned C# project: the student's stub files (by exercise) and nothing else of theirs.</summary>
internal sealed record CsUnit(string Dir, IReadOnlyList<(Exercise Exercise, string Source)> Files);

/// <summary>What one unit's build gave: its assembly (null when nothing built), and each failing exercise's errors.</summary>
internal sealed record CsResult(string? Assembly, IReadOnlyDictionary<string, string> Errors);

/// <summary>
/// Builds student C# the way a course grader does: the grader writes the project (its references: VmLab.Sim and
/// VmLab.Linux only; unsafe off; BannedApiAnalyzers with <see cref="StudentApi"/>'s bans; no Directory.Build.*,
/// .editorconfig or NuGet.config from anywhere above it), copies in the stub files and runs dotnet build on it,
/// bounded. Many units build in one dotnet build (a solution of them). A unit whose build fails in some files is
/// built once more without them, so one exercise's compile error costs that exercise only.
/// </summary>
internal static partial class CSharpBuild
{
    public static IReadOnlyList<CsResult> Build(IReadOnlyList<CsUnit> units, string root, BuildLimits limits)
    {
        var errors = units.Select(_ => new Dictionary<string, string>()).ToList();
        string bans = StudentApi.BannedSymbols();
        // Each pass builds what has no error yet; a file with a compile error or a banned use in the compiled code
        // is left out of the next, so one exercise's error costs that exercise only (and code the others call from
        // a left-out file no longer builds). Three passes: the first, one without the compile errors, one without
        // what the compiled code of the second showed.
        var pending = Enumerable.Range(0, units.Count).ToList();
        for (int pass = 1; pass <= 3 && pending.Count > 0; pass++)
        {
            var building = pending.Select(i => units[i] with { Files = [.. units[i].Files.Where(f => !errors[i].ContainsKey(f.Exercise.Name))] }).ToList();
            var found = Pass(building, root, $"pass{pass}", bans, limits);
            var again = new List<int>();
            for (int j = 0; j < pending.Count; j++)
            {
                int i = pending[j];
                var fresh = found[j].Where(e => !errors[i].ContainsKey(e.Key)).ToList();
                foreach (var (exercise, message) in fresh) errors[i][exercise] = message;
                if (fresh.Count > 0 && units[i].Files.Any(f => !errors[i].ContainsKey(f.Exercise.Name))) again.Add(i);
            }
            pending = again;
        }
        // Graded code comes from an assembly that built, never from anywhere else: when the last pass made none
        // (its errors charged to other files, by #line or by a file that needs one the first pass left out), or
        // made one with a banned use still in it, every exercise of the unit fails with the build.
        for (int i = 0; i < units.Count; i++)
        {
            if (!File.Exists(Output(units[i])))
            {
                string why = errors[i].Values.FirstOrDefault() ?? "dotnet build made no Lab.dll";
                foreach (var f in units[i].Files) errors[i].TryAdd(f.Exercise.Name, $"no assembly was built from the exercise files ({why})");
            }
            else if (Compiled(units[i], bans).Values.FirstOrDefault() is { } banned)
                foreach (var f in units[i].Files) errors[i].TryAdd(f.Exercise.Name, $"the assembly built from the exercise files still {banned}");
        }
        return [.. units.Select((u, i) => new CsResult(
            u.Files.Any(f => !errors[i].ContainsKey(f.Exercise.Name)) && File.Exists(Output(u)) ? Output(u) : null, errors[i]))];
    }

    // The banned uses in a unit's built assembly, by exercise ("*" for a use no exercise file could be named for).
    private static Dictionary<string, string> Compiled(CsUnit u, string bans)
    {
        var result = new Dictionary<string, string>();
        if (!File.Exists(Output(u))) return result;
        Dictionary<string, string> uses;
        try
        {
            uses = CompiledReferences.Check(Output(u), bans);
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException or IOException)
        {
            result["*"] = $"the assembly built from the exercise files could not be read ({e.Message})";
            return result;
        }
        foreach (var (file, use) in uses)
        {
            string key = u.Files.FirstOrDefault(f => f.Exercise.StubFile == file).Exercise?.Name ?? "*";
            result.TryAdd(key, $"{(key == "*" ? "" : file + ": ")}{use}: graded code may not use it, named or not (the built code is checked too: a type inferred by var or by a generic method counts)");
        }
        return result;
    }

    private static string Output(CsUnit u) => Path.Combine(u.Dir, "out", "Lab.dll");

    // A solution names its projects by file name, so each unit's has its own (the assembly is Lab.dll in all).
    private static string ProjectFile(CsUnit u) => Path.Combine(u.Dir, $"Lab-{Path.GetFileName(Path.GetDirectoryName(u.Dir))}.csproj");

    // One dotnet build of every unit; each unit's errors by exercise ("*" for errors that name no student file).
    private static List<Dictionary<string, string>> Pass(IReadOnlyList<CsUnit> units, string root, string name, string bans, BuildLimits limits)
    {
        foreach (var u in units) Write(u, bans);
        string solution = Path.Combine(root, $"{name}.slnx");
        File.WriteAllText(solution, "<Solution>\n" + string.Concat(units.Select(u => $"  <Project Path=\"{Path.GetRelativePath(root, ProjectFile(u))}\" />\n")) + "</Solution>\n");
        // One compiler server for this build alone (its own pipe name), started inside the build's process group,
        // so it warms up once for all units and dies with the group: no server of anyone else's compiles this code.
        string server = $"vmlab-grader-{Guid.NewGuid():N}";
        try
        {
            var (exit, output) = Tools.Run(Tools.Dotnet(), ["build", solution, "-nologo", "-v:q", "-clp:NoSummary", "-nodeReuse:false",
                "-p:UseRazorBuildServer=false", "-p:UseSharedCompilation=true", $"-p:SharedCompilationId={server}",
                "-p:ImportDirectoryBuildProps=false", "-p:ImportDirectoryBuildTargets=false", "-p:ImportDirectoryPackagesProps=false",
                "-p:ImportDirectorySolutionProps=false", "-p:ImportDirectorySolutionTargets=false"], root, limits);
            return [.. units.Select(u => Errors(u, output, exit, bans))];
        }
        finally
        {
            File.Delete(ServerSocket(server));
        }
    }

    /// <summary>Where the compiler server named server listens: a Unix domain socket in /tmp itself, whatever the
    /// build's TMPDIR (Roslyn's choice: a socket's path is at most 107 bytes). The server dies with the build's
    /// process group without removing it, so the build removes it: one file left in /tmp per grading otherwise.</summary>
    private static string ServerSocket(string server) => Path.Combine("/tmp", server);

    private static Dictionary<string, string> Errors(CsUnit u, string output, VmLab.Linux.ChildExit exit, string bans)
    {
        var found = new Dictionary<string, List<string>>();
        void Add(string file, string message)
        {
            var exercise = u.Files.FirstOrDefault(f => f.Exercise.StubFile == file).Exercise;
            string key = exercise?.Name ?? "*";
            if (!found.TryGetValue(key, out var list)) found[key] = list = [];
            if (!list.Contains(message)) list.Add(message);
        }
        string project = ProjectFile(u);
        foreach (string line in output.Split('\n').Where(l => l.Contains(project, StringComparison.Ordinal) && l.Contains(": error ", StringComparison.Ordinal)))
        {
            var m = ErrorLine().Match(line.Trim());
            if (m.Success) Add(Path.GetFileName(m.Groups["file"].Value), Explain($"{Path.GetFileName(m.Groups["file"].Value)}{m.Groups["at"].Value}: error {m.Groups["code"].Value}: {m.Groups["text"].Value}"));
            else Add("", line.Trim().Replace($" [{project}]", ""));
        }
        foreach (var (file, message) in SuppressedBans(Path.Combine(u.Dir, "build.sarif"))) Add(file, message);
        var result = found.ToDictionary(kv => kv.Key, kv => string.Join("; ", kv.Value.Take(3)));
        if (result.Count == 0)
            foreach (var (exercise, use) in Compiled(u, bans)) result.TryAdd(exercise, use);
        if (exit.TimedOut) result["*"] = "dotnet build did not finish in time";
        else if (exit.ExitCode != 0 && result.Count == 0 && !File.Exists(Output(u)))
            result["*"] = $"dotnet build failed ({exit}): {output.Split('\n').FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))?.Trim() ?? output.Trim()}";
        if (result.Remove("*", out string? whole))
            foreach (var f in u.Files) result.TryAdd(f.Exercise.Name, whole);
        return result;
    }

    // Pragmas and [SuppressMessage] hide a ban from the build's result but not from its SARIF log.
    private static IEnumerable<(string File, string Message)> SuppressedBans(string sarif)
    {
        if (!File.Exists(sarif)) yield break;
        using var doc = JsonDocument.Parse(File.ReadAllText(sarif));
        foreach (var run in doc.RootElement.GetProperty("runs").EnumerateArray())
            foreach (var r in run.TryGetProperty("results", out var results) ? results.EnumerateArray() : default)
            {
                if (r.GetProperty("ruleId").GetString() != "RS0030" || !r.TryGetProperty("suppressions", out _)) continue;
                var loc = r.GetProperty("locations")[0].GetProperty("physicalLocation");
                string file = Path.GetFileName(new Uri(loc.GetProperty("artifactLocation").GetProperty("uri").GetString()!).LocalPath);
                int line = loc.GetProperty("region").GetProperty("startLine").GetInt32();
                yield return (file, $"{file}({line}): error RS0030: {r.GetProperty("message").GetProperty("text").GetString()} (suppressing this does not unban it)");
            }
    }

    // Compiler messages, made about the student's code: the banned-API link goes, dynamic is named.
    private static string Explain(string message)
    {
        message = HelpLink().Replace(message, "");
        if (message.Contains("Microsoft.CSharp.RuntimeBinder", StringComparison.Ordinal))
            message += " (dynamic binds by reflection at run time: graded code may not use it)";
        if (message.Contains("error CS0227", StringComparison.Ordinal))
            message += " (graded code is compiled without unsafe)";
        // The kernel's internals are not in the assemblies graded code sees: say why, not only that.
        bool hidden = message.Contains("error CS0122", StringComparison.Ordinal)
                      || (message.Contains("error CS1061", StringComparison.Ordinal) && (message.Contains("'Kernel'", StringComparison.Ordinal) || message.Contains("'Process'", StringComparison.Ordinal)));
        if (hidden)
            message += message.Contains("'Seams'", StringComparison.Ordinal) || message.Contains("Kernel.Seams", StringComparison.Ordinal)
                ? " (k.Seams holds the kernel's own seams, the reference answers to every kernel exercise: graded code may not use it)"
                : " (that is not part of the kernel API graded code may use; README.md lists it)";
        return message;
    }

    private static void Write(CsUnit u, string bans)
    {
        if (Directory.Exists(u.Dir)) Directory.Delete(u.Dir, recursive: true);
        Directory.CreateDirectory(Path.Combine(u.Dir, "src"));
        foreach (var (exercise, source) in u.Files) File.Copy(source, Path.Combine(u.Dir, "src", exercise.StubFile));
        File.WriteAllText(ProjectFile(u), Project());
        File.WriteAllText(Path.Combine(u.Dir, "BannedSymbols.txt"), bans);
        File.WriteAllText(Path.Combine(u.Dir, ".editorconfig"), "root = true\n");
        File.WriteAllText(Path.Combine(u.Dir, "NuGet.config"), "<configuration><packageSources><clear /></packageSources></configuration>\n");
    }

    private static string Project()
    {
        string sim = typeof(Kernel).Assembly.Location, linux = typeof(VmLab.Linux.Mapping).Assembly.Location;
        string analyzers = string.Join(";", Analyzers());
        return $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <!-- Written by vmlab's grader: the student's files, the student API, the grader's rules. -->
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <AssemblyName>Lab</AssemblyName>
                <RootNamespace>Lab</RootNamespace>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <AllowUnsafeBlocks>false</AllowUnsafeBlocks>
                <EnableDefaultItems>false</EnableDefaultItems>
                <GenerateAssemblyInfo>false</GenerateAssemblyInfo>
                <GenerateTargetFrameworkAttribute>false</GenerateTargetFrameworkAttribute>
                <GenerateDocumentationFile>false</GenerateDocumentationFile>
                <ProduceReferenceAssembly>false</ProduceReferenceAssembly>
                <EnableNETAnalyzers>false</EnableNETAnalyzers>
                <DebugType>portable</DebugType>
                <OutputPath>out/</OutputPath>
                <AppendTargetFrameworkToOutputPath>false</AppendTargetFrameworkToOutputPath>
                <WarningsAsErrors>$(WarningsAsErrors);RS0030;CS0626</WarningsAsErrors>
                <ErrorLog>build.sarif,version=2.1</ErrorLog>
              </PropertyGroup>
              <ItemGroup>
                <Compile Include="src/*.cs" />
                <Reference Include="VmLab.Sim"><HintPath>{sim}</HintPath><Private>false</Private></Reference>
                <Reference Include="VmLab.Linux"><HintPath>{linux}</HintPath><Private>false</Private></Reference>
                <AdditionalFiles Include="BannedSymbols.txt" />
              </ItemGroup>
              <!-- Only the grader's analyzer runs (no source generators), and without Microsoft.CSharp there is no dynamic. -->
              <Target Name="VmLabGraderRules" BeforeTargets="CoreCompile">
                <ItemGroup>
                  <Analyzer Remove="@(Analyzer)" />
                  <Analyzer Include="{analyzers}" />
                  <ReferencePathWithRefAssemblies Remove="@(ReferencePathWithRefAssemblies)" Condition="'%(Filename)' == 'Microsoft.CSharp'" />
                  <ReferencePath Remove="@(ReferencePath)" Condition="'%(Filename)' == 'Microsoft.CSharp'" />
                </ItemGroup>
              </Target>
            </Project>
            """;
    }

    /// <summary>Microsoft.CodeAnalysis.BannedApiAnalyzers' two assemblies, shipped in grader/ next to this one.</summary>
    public static IReadOnlyList<string> Analyzers()
    {
        foreach (string dir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(CSharpBuild).Assembly.Location)! })
        {
            string[] found = Directory.Exists(Path.Combine(dir, "grader")) ? Directory.GetFiles(Path.Combine(dir, "grader"), "*BannedApiAnalyzers.dll") : [];
            if (found.Length == 2) return [.. found.Order(StringComparer.Ordinal)];
        }
        throw new InvalidOperationException("the grader's analyzer (grader/Microsoft.CodeAnalysis.BannedApiAnalyzers.dll) is missing from this vmlab");
    }

    // "/tmp/x/src/Fork.cs(12,5): error CS1002: ; expected [/tmp/x/Lab.csproj]"
    [GeneratedRegex(@"^(?<file>[^(]+?)(?<at>\(\d+,\d+\)): error (?<code>\w+): (?<text>.*?)( \[[^\]]+\])?$")]
    private static partial Regex ErrorLine();

    [GeneratedRegex(@" \(https://github\.com/dotnet/roslyn[^)]*\)")]
    private static partial Regex HelpLink();
}
