using System.CommandLine;
using VmLab.Sim.Maze;
using MazeModel = VmLab.Sim.Maze.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary>The maze being asked about, and where it came from.</summary>
internal sealed record MazeInput(MazeModel Maze, string Source, bool IsReconstruction);

/// <summary>A maze verb's run: its parsed values, the maze and where it came from, and k (when the verb takes --k).</summary>
internal sealed record MazeRun(Ctx Ctx, MazeInput Input, int K)
{
    public MazeModel Maze => Input.Maze;
}

/// <summary>What a maze verb found: its --json object, whether it holds (an answer always does), and its report: a
/// title, what it computes, then <paramref name="Body"/> after the maze's source.</summary>
internal sealed record MazeResult(object Json, bool Holds, string Title, string Explanation, Action<Report> Body);

/// <summary>Options and wording shared by the <c>vmlab maze</c> sub-commands.</summary>
internal static class MazeCli
{
    /// <summary>Every maze verb: --file (and --k when <paramref name="steps"/>) before its own
    /// <paramref name="options"/>, the maze loaded, then <paramref name="solve"/>'s result emitted; a null result
    /// means the verb printed what was asked itself (exit 0).</summary>
    public static Verb Solves(this Verb verb, bool steps, Func<MazeRun, MazeResult?> solve, params Symbol[] options)
    {
        var file = File();
        var k = K();
        return verb.Takes([file, .. steps ? [k] : Array.Empty<Symbol>(), .. options]).Does(ctx =>
        {
            var input = Load(ctx.Get(file));
            var result = solve(new MazeRun(ctx, input, steps ? (int)ctx.Get(k) : 0));
            return result is null ? ExitCode.Ok : ctx.Emit(result.Json, result.Holds, report =>
            {
                report.Title(result.Title);
                report.Explain(result.Explanation);
                Source(report, input);
                result.Body(report);
            });
        });
    }

    /// <summary>The page-table reading of the maze, wrapped for --help.</summary>
    public const string AnalogyText = """
        How the walk is a page-table walk: a room is a page-table page and its two exits are its two entries. The
        bitstring is the virtual address: x86-64 takes 9 bits of the address at each of its 4 levels to pick one of
        512 entries; here each step takes 1 bit to pick one of 2 exits, and k steps are k levels. The start room is
        CR3: a different start room is a different page table, a different view of the same dungeon (D1-D4). A death
        pit is a non-present entry: the walk faults. A drone is a process changing page-table entries (D5): it can
        only change a table it can reach, i.e. one mapped in its own address space; a kernel never maps page tables
        where a process can reach them, which is why isolation holds.
        """;

    /// <summary>The same, as one paragraph for reports.</summary>
    public static string Analogy => AnalogyText.ReplaceLineEndings(" ");

    public const string FileFormat = """
        Maze files (--file PATH, at most 32 MiB): one room per line, '#' starts a comment, blank lines are ignored:
            room 1: 0->3 1->6
            room 9: 0->2 1->pit colour=red
        Both exits are required (in either order); 'pit' is a death pit; colour (or color) is any word and defaults
        to plain. Room names: letters, digits, '_', '-', '.' (not 'pit'). A bad line is reported as "FILE:LINE:
        problem" on stderr, exit status 2.
        """;

    /// <summary>Maze files larger than this are refused before they are read.</summary>
    public const long MaxFileBytes = 32L << 20;

    private static Option<string?> File() => Opt.Text("--file", "the maze to use (default: the built-in reconstruction of the seed's maze)", "PATH");

    private static Option<long> K() => Opt.Int("--k", "number of steps", SeedMaze.K, 1, 64);

    /// <summary>Reads --file; a malformed file is a usage error naming FILE:LINE.</summary>
    public static MazeInput Load(string? path)
    {
        if (path is null)
            return new MazeInput(SeedMaze.Load(), "built-in reconstruction (seed 003 Part D)", true);
        string text = InputFile.ReadText(path, MaxFileBytes);
        try
        {
            return new MazeInput(MazeParser.Parse(text), path, false);
        }
        catch (MazeFormatException e)
        {
            throw new UsageException($"{path}:{e.Line}: {e.Problem}");
        }
    }

    /// <summary>The room called <paramref name="name"/>, or a usage error listing the rooms.</summary>
    public static int Room(MazeModel maze, string? name, string what)
    {
        if (name is null)
            throw new UsageException($"{what} is required (a room name)");
        int r = maze.IndexOf(name);
        return r >= 0 ? r : throw new UsageException($"{what}: no room '{name}' in this maze (rooms: {RoomList(maze)})");
    }

    /// <summary>--rooms A,B or --colours C,D (not both); <paramref name="defaultColours"/> when neither is given.</summary>
    public static Option<string?> Rooms() => Opt.Text("--rooms", "the set, by room name", "A,B");

    public static Option<string?> Colours(string fallback) => Opt.Text("--colours", $"the set, by colour (default: {fallback})", "C,D", "--colors");

    public static IReadOnlyList<int> Set(MazeModel maze, string? rooms, string? colours, params string[] defaultColours)
    {
        if (rooms is not null && colours is not null)
            throw new UsageException("give --rooms or --colours, not both");
        if (rooms is not null)
            return Split(rooms).Select(n => Room(maze, n, "--rooms")).Distinct().Order().ToList();
        var wanted = colours is null ? defaultColours : Split(colours);
        var set = maze.RoomsColoured(wanted);
        return set.Count > 0 ? set : throw new UsageException($"no room is coloured {string.Join(" or ", wanted)}");
    }

    private static string[] Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static List<string> Names(MazeModel maze, IEnumerable<int> rooms) => rooms.Select(maze.TargetName).ToList();

    public static string List(MazeModel maze, IEnumerable<int> rooms)
    {
        var list = rooms.ToList();
        var names = list.Take(24).Select(maze.TargetName).ToList();
        return names.Count == 0 ? "none"
            : string.Join(", ", names) + (list.Count > names.Count ? $", … ({list.Count} in all)" : "");
    }

    private static string RoomList(MazeModel maze) =>
        maze.Count <= 20 ? List(maze, Enumerable.Range(0, maze.Count)) : $"{maze.Count} rooms";

    /// <summary>"5 (plain)" style label.</summary>
    public static string Label(MazeModel maze, int room) =>
        room == MazeModel.Pit ? "pit" : maze.Colour(room) == "plain" ? maze.Name(room) : $"{maze.Name(room)} ({maze.Colour(room)})";

    /// <summary>Every k-bit walk and where it ends, when there are at most <paramref name="limit"/> of them.</summary>
    public static List<PathEnd>? Paths(MazeModel maze, int start, int k, int limit = 1024)
    {
        if (k > 20 || 1 << k > limit) return null;
        return Enumerable.Range(0, 1 << k)
            .Select(v => Convert.ToString(v, 2).PadLeft(k, '0'))
            .Select(bits => new PathEnd(bits, maze.TargetName(maze.Walk(start, bits).End)))
            .ToList();
    }

    /// <summary>"00->8 01->6 10->7 11->9", or a summary when 2^k is large.</summary>
    public static string PathsLine(MazeModel maze, int start, int k)
    {
        var paths = Paths(maze, start, k, 16);
        if (paths is not null)
            return string.Join("  ", paths.Select(p => $"{p.Path}->{p.End}"));
        var reach = maze.Reach(start, k);
        return $"rooms {List(maze, reach.Rooms)}{(reach.Pit ? " and pits" : "")}";
    }

    /// <summary>The source line every report starts with.</summary>
    private static void Source(Report report, MazeInput input)
    {
        report.Fact("maze", input.IsReconstruction
            ? "built-in reconstruction (the seed's picture is not available; see 'vmlab maze show')"
            : $"{input.Source} ({input.Maze.Count} rooms)");
    }
}

/// <summary>One k-bit walk and where it ends (a room name or "pit").</summary>
internal sealed record PathEnd(string Path, string End);
