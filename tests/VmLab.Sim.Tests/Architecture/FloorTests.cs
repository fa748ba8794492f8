using System.Text.RegularExpressions;

namespace VmLab.Sim.Tests.Architecture;

/// <summary>
/// The simulator's rooms stand on floors (docs/architecture.md): a room names only rooms below it, so there is no
/// namespace loop and each room can be read with only what is under it in mind.
/// </summary>
public sealed partial class FloorTests
{
    // Rooms on one floor do not see each other; Maze and the paging exercises stand on their own.
    private static readonly Dictionary<string, int> s_floor = new()
    {
        ["Machine"] = 0, ["Maze"] = 0, ["Text"] = 0,
        ["Memory"] = 1,
        ["Paging"] = 2,
        ["Cpu"] = 3, ["Exercises"] = 3,
        ["X86"] = 4,
        ["Elf"] = 5,
        ["Kernel"] = 6,
        ["Scenarios"] = 7,
        ["Viewer"] = 8,
    };

    [Fact]
    public void Every_room_names_only_rooms_below_it()
    {
        string sim = Path.Combine(RepoRoot(), "src", "VmLab.Sim");
        var wrong = new List<string>();
        int files = 0;
        foreach (string file in Directory.EnumerateFiles(sim, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")) continue;
            string text = File.ReadAllText(file);
            string room = Namespace().Match(text) is { Success: true } m ? m.Groups[1].Value : "";
            Assert.True(s_floor.ContainsKey(room), $"{Path.GetRelativePath(sim, file)}: room '{room}' has no floor");
            files++;
            foreach (string other in Mentions(text))
                if (other != room && (!s_floor.TryGetValue(other, out int floor) || floor >= s_floor[room]))
                    wrong.Add($"{Path.GetRelativePath(sim, file)}: {room} names {other}");
        }
        Assert.True(files > 50, $"only {files} source files found under {sim}");
        Assert.Empty(wrong.Distinct());
    }

    [Fact]
    public void The_check_sees_a_room_named_from_below()
    {
        Assert.Equal(["Kernel", "Viewer"], Mentions("using VmLab.Sim.Kernel;\nvar v = new VmLab.Sim.Viewer.MemoryViewer();"));
        Assert.Equal(["Scenarios"], Mentions("/// <see cref=\"VmLab.Sim.Scenarios.Scenario\"/> VmLab.Sim.Kernel in prose"));
        Assert.Empty(Mentions("// VmLab.Sim.Kernel\nstring s = \"VmLab.Sim.User.p-\";"));
    }

    // Code and crefs count; prose in comments and resource names in strings do not.
    private static List<string> Mentions(string text)
    {
        var rooms = new List<string>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimStart();
            if (line.StartsWith("///", StringComparison.Ordinal))
                line = string.Concat(Cref().Matches(line).Select(c => c.Value));
            else if (line.StartsWith("//", StringComparison.Ordinal))
                continue;
            else
                line = StringLiteral().Replace(line, "\"\"");
            rooms.AddRange(Named().Matches(line).Select(m => m.Groups[1].Value));
        }
        return rooms;
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VmLab.slnx"))) return dir.FullName;
        throw new InvalidOperationException("VmLab.slnx not found above the test's directory");
    }

    [GeneratedRegex(@"^namespace VmLab\.Sim\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"\bVmLab\.Sim\.(\w+)")]
    private static partial Regex Named();

    [GeneratedRegex(@"cref=""[^""]*""")]
    private static partial Regex Cref();

    [GeneratedRegex(@"""(?:\\.|[^""\\])*""")]
    private static partial Regex StringLiteral();
}
