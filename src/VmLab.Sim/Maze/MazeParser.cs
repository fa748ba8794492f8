using System.Text.RegularExpressions;

namespace VmLab.Sim.Maze;

/// <summary>A maze file that cannot be read; <see cref="Line"/> is 1-based.</summary>
public sealed class MazeFormatException(int line, string problem) : Exception($"line {line}: {problem}")
{
    /// <summary>The 1-based line of the file where the problem is.</summary>
    public int Line { get; } = line;

    /// <summary>What is wrong with that line, without the "line N:" prefix.</summary>
    public string Problem { get; } = problem;
}

/// <summary>
/// Reads the maze file format, one room per line:
/// <code>
/// # a comment (also after a room)
/// room 1: 0->3 1->5
/// room 9: 0->2 1->pit colour=red
/// </code>
/// The two exits may come in either order but both are required; "pit" is a death pit; colour (or color)
/// defaults to plain. Room names are letters, digits, '_', '-' or '.', never "pit". Every problem is reported with
/// the line it is on; an exit naming a room that is never defined is reported on the line of that exit.
/// </summary>
public static partial class MazeParser
{
    [GeneratedRegex(@"^[A-Za-z0-9_.\-]+$")]
    private static partial Regex NamePattern();

    /// <summary>Parses a whole maze file. Throws <see cref="MazeFormatException"/> naming the first bad line.</summary>
    public static Maze Parse(string text)
    {
        var rooms = new List<MazeRoom>();
        var definedAt = new Dictionary<string, int>(StringComparer.Ordinal);
        var exitLines = new List<(int Line, string Room, int Bit, string Target)>();
        string[] lines = text.Split('\n');
        for (int n = 1; n <= lines.Length; n++)
        {
            string line = lines[n - 1];
            int hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            line = line.Trim();
            if (line.Length == 0) continue;
            var room = ParseRoom(line, n);
            if (definedAt.TryGetValue(room.Name, out int first))
                throw new MazeFormatException(n, $"room {room.Name} is defined twice (first on line {first})");
            definedAt[room.Name] = n;
            rooms.Add(room);
            exitLines.Add((n, room.Name, 0, room.Exit0));
            exitLines.Add((n, room.Name, 1, room.Exit1));
        }
        if (rooms.Count == 0)
            throw new MazeFormatException(Math.Max(1, lines.Length - (text.EndsWith('\n') ? 1 : 0)), "no rooms: a maze needs at least one 'room NAME: 0->X 1->Y' line");
        foreach (var (line, name, bit, target) in exitLines)
        {
            if (target != Maze.PitName && !definedAt.ContainsKey(target))
                throw new MazeFormatException(line, $"room {name}: {bit}-exit leads to room '{target}', which is not defined in this file");
        }
        return new Maze(rooms);
    }

    /// <summary>Reads and parses a maze file from disk (I/O errors propagate as IOException).</summary>
    public static Maze ParseFile(string path) => Parse(File.ReadAllText(path));

    private static MazeRoom ParseRoom(string line, int n)
    {
        int colon = line.IndexOf(':');
        string head = colon < 0 ? line : line[..colon];
        string[] words = head.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || !words[0].Equals("room", StringComparison.OrdinalIgnoreCase))
            throw new MazeFormatException(n, $"expected 'room NAME: 0->X 1->Y', got '{Shorten(line)}'");
        if (colon < 0 || words.Length != 2)
            throw new MazeFormatException(n, "expected 'room NAME:' (one name, then a colon)");
        string name = words[1];
        CheckName(name, n, "room name");

        string? exit0 = null, exit1 = null, colour = null;
        foreach (string token in line[(colon + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.StartsWith("0->", StringComparison.Ordinal) || token.StartsWith("1->", StringComparison.Ordinal))
            {
                string target = token[3..];
                CheckName(target, n, $"room {name}: {token[0]}-exit target");
                if (token[0] == '0') exit0 = exit0 is null ? target : throw Twice(n, name, "0-exit");
                else exit1 = exit1 is null ? target : throw Twice(n, name, "1-exit");
            }
            else if (token.StartsWith("colour=", StringComparison.OrdinalIgnoreCase) || token.StartsWith("color=", StringComparison.OrdinalIgnoreCase))
            {
                string value = token[(token.IndexOf('=') + 1)..];
                if (value.Length == 0 || !value.All(char.IsAsciiLetter))
                    throw new MazeFormatException(n, $"room {name}: colour must be a word (plain, blue, red, …), got '{value}'");
                colour = colour is null ? value.ToLowerInvariant() : throw Twice(n, name, "colour");
            }
            else
            {
                throw new MazeFormatException(n, $"room {name}: unexpected '{Shorten(token)}' (expected 0->X, 1->Y or colour=C)");
            }
        }
        if (exit0 is null || exit1 is null)
            throw new MazeFormatException(n, $"room {name}: missing its {(exit0 is null ? "0" : "1")}-exit (every room needs 0->X and 1->Y)");
        return new MazeRoom(name, exit0, exit1, colour ?? "plain");
    }

    private static void CheckName(string name, int n, string what)
    {
        if (name.Length == 0)
            throw new MazeFormatException(n, $"{what} is empty");
        if (!NamePattern().IsMatch(name))
            throw new MazeFormatException(n, $"{what} '{Shorten(name)}' has characters other than letters, digits, '_', '-', '.'");
        if (what == "room name" && name == Maze.PitName)
            throw new MazeFormatException(n, "'pit' is the word for a death pit, not a room name");
    }

    private static MazeFormatException Twice(int n, string room, string what) =>
        new(n, $"room {room}: {what} given twice");

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
