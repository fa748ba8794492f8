namespace VmLab.Sim.Maze;

/// <summary>Where a fact about the maze comes from: the seed's text, what its exercises presuppose, or a design
/// choice of the reconstruction (so that the exercises have interesting answers).</summary>
public enum MazeFactKind
{
    /// <summary>Stated by the seed's text.</summary>
    Seed,
    /// <summary>Not stated, but presupposed by one of the seed's exercises.</summary>
    Exercise,
    /// <summary>A choice of this reconstruction, made so that the exercises have interesting answers.</summary>
    Design,
}

/// <summary>One checkable statement about a maze.</summary>
public sealed record MazeFact(MazeFactKind Kind, string Text, Func<Maze, bool> Check);

/// <summary>A fact and whether it holds in a given maze.</summary>
public sealed record MazeFactCheck(MazeFactKind Kind, string Text, bool Holds);

/// <summary>
/// The default maze. The seed's picture is not available, so this is a reconstruction: a maze chosen to satisfy
/// every fact the seed's text states (and what its exercises presuppose), and whose exercises have clear answers.
/// The facts are data, checked against any maze (<see cref="Check"/>), so a hand-drawn file can be tested too.
/// </summary>
public static class SeedMaze
{
    /// <summary>The reconstruction, in maze-file syntax; no line is wider than 80 columns, as
    /// <c>vmlab maze show --text</c> prints it.</summary>
    public const string Text = """
        # Seed 003 Part D: a reconstruction of the maze (the seed's picture is not
        # available). It satisfies every fact the seed's text gives: 1's 0-exit -> 3,
        # 3's 0-exit -> 8, death pits hang off 3 and 9 (and nowhere else), 6 and 8
        # are blue, 7 and 9 are red, 1-5 are plain.
        room 1: 0->3 1->6
        room 2: 0->7 1->9
        room 3: 0->8 1->pit
        room 4: 0->9 1->5
        room 5: 0->8 1->2
        room 6: 0->7 1->4 colour=blue
        room 7: 0->7 1->7 colour=red
        room 8: 0->8 1->6 colour=blue
        room 9: 0->2 1->pit colour=red
        """;

    /// <summary>The exercises' step count.</summary>
    public const int K = 2;

    /// <summary>D5's start room and target.</summary>
    public const string DroneStart = "9", DroneTarget = "1";

    /// <summary>Parses <see cref="Text"/>.</summary>
    public static Maze Load() => MazeParser.Parse(Text);

    /// <summary>Everything the seed says or presupposes about the maze, then the reconstruction's design goals.</summary>
    public static IReadOnlyList<MazeFact> Facts { get; } =
    [
        new(MazeFactKind.Seed, "the rooms are numbered 1 to 9",
            m => m.Count == 9 && Enumerable.Range(1, 9).All(i => m.IndexOf(i.ToString()) >= 0)),
        new(MazeFactKind.Seed, "room 1's 0-exit leads to room 3", m => ExitIs(m, "1", 0, "3")),
        new(MazeFactKind.Seed, "room 3's 0-exit leads to room 8", m => ExitIs(m, "3", 0, "8")),
        new(MazeFactKind.Seed, "from room 1 the bitstring 00 ends in room 8",
            m => m.IndexOf("1") is >= 0 and int s && m.IndexOf("8") is >= 0 and int e && m.Walk(s, "00").End == e),
        new(MazeFactKind.Seed, "a death pit hangs off room 3", m => HasPit(m, "3")),
        new(MazeFactKind.Seed, "a death pit hangs off room 9", m => HasPit(m, "9")),
        new(MazeFactKind.Seed, "no other room has a pit exit (the text names only #3 and #9)",
            m => Enumerable.Range(0, m.Count).All(r => m.Name(r) is "3" or "9" || (m.Exit(r, 0) != Maze.Pit && m.Exit(r, 1) != Maze.Pit))),
        new(MazeFactKind.Seed, "rooms 6 and 8 are blue", m => ColourIs(m, "blue", "6", "8")),
        new(MazeFactKind.Seed, "rooms 7 and 9 are red (6-9 are the blue and red rooms)", m => ColourIs(m, "red", "7", "9")),
        new(MazeFactKind.Seed, "rooms 1-5 are neither blue nor red",
            m => Enumerable.Range(1, 5).All(i => m.IndexOf(i.ToString()) is >= 0 and int r && m.Colour(r) is not ("blue" or "red"))),
        new(MazeFactKind.Exercise, "D1 has an answer: some room reaches all of 6-9 in exactly two steps",
            m => Seedlike(m) && MazeExercises.ReachAll(m, K, Named(m, "6", "7", "8", "9")).StartRooms.Count > 0),
        new(MazeFactKind.Exercise, "D2 has an answer: some room reaches only 6, 8 and pits in exactly two steps",
            m => Seedlike(m) && MazeExercises.ReachOnly(m, K, Named(m, "6", "8")).StartRooms.Count > 0),
        new(MazeFactKind.Exercise, "D5 has an answer: drones can make room 1 reachable from room 9 in two steps",
            m => Seedlike(m) && DroneSearch.Solve(m, m.IndexOf(DroneStart), m.IndexOf(DroneTarget), K).Possible),
        new(MazeFactKind.Design, "D1 and D2 each have exactly one answer, and they differ",
            m => Seedlike(m) && MazeExercises.ReachAll(m, K, Named(m, "6", "7", "8", "9")).StartRooms is [var a]
                 && MazeExercises.ReachOnly(m, K, Named(m, "6", "8")).StartRooms is [var b] && a != b),
        new(MazeFactKind.Design, "D3 has one most boring room, whether or not reaching the start room counts",
            m => MazeExercises.MostBoring(m, K) is { StartRooms: [var a], StartRoomsIncludingStart: [var b] } && a == b),
        new(MazeFactKind.Design, "D4 includes a room that is reachable, just never in exactly two steps",
            m => MazeExercises.Unreachable(m, K).Any(r => Enumerable.Range(0, m.Count).Any(q => m.Exit(q, 0) == r || m.Exit(q, 1) == r))),
        new(MazeFactKind.Design, "D5 needs more than one drone",
            m => Seedlike(m) && DroneSearch.Solve(m, m.IndexOf(DroneStart), m.IndexOf(DroneTarget), K).Drones.Count > 1),
    ];

    /// <summary>Checks every fact against <paramref name="maze"/>; never throws for a maze lacking rooms 1-9.</summary>
    public static IReadOnlyList<MazeFactCheck> Check(Maze maze) =>
        Facts.Select(f => new MazeFactCheck(f.Kind, f.Text, f.Check(maze))).ToList();

    private static bool Seedlike(Maze m) => Enumerable.Range(1, 9).All(i => m.IndexOf(i.ToString()) >= 0);

    private static IReadOnlyList<int> Named(Maze m, params string[] names) => names.Select(m.IndexOf).ToList();

    private static bool ExitIs(Maze m, string room, int bit, string target) =>
        m.IndexOf(room) is >= 0 and int r && m.IndexOf(target) is >= 0 and int t && m.Exit(r, bit) == t;

    private static bool HasPit(Maze m, string room) =>
        m.IndexOf(room) is >= 0 and int r && (m.Exit(r, 0) == Maze.Pit || m.Exit(r, 1) == Maze.Pit);

    private static bool ColourIs(Maze m, string colour, params string[] rooms) =>
        rooms.All(n => m.IndexOf(n) is >= 0 and int r && m.Colour(r) == colour);
}
