namespace VmLab.Sim.Maze;

/// <summary>One room as written in a maze file: its name, where its 0-exit and 1-exit lead ("pit" for a death
/// pit), and its colour ("plain", "blue", "red", or any other word).</summary>
public sealed record MazeRoom(string Name, string Exit0, string Exit1, string Colour = "plain");

/// <summary>
/// The maze of seed 003 Part D, generalised: any number of named rooms, each with a 0-exit and a 1-exit leading
/// to a room or to a death pit. Rooms are addressed by index (file order); <see cref="Pit"/> is the target of a
/// pit exit. Immutable: a drone's re-routing yields a new maze (<see cref="WithExit"/>).
/// A room is a page-table page, its two exits are its two entries, a bitstring is a virtual address.
/// </summary>
public sealed class Maze
{
    /// <summary>The target of an exit that leads into a death pit (a non-present entry).</summary>
    public const int Pit = -1;

    /// <summary>The word used for a pit, in files, output and JSON.</summary>
    public const string PitName = "pit";

    private readonly string[] _names;
    private readonly string[] _colours;
    private readonly int[] _exits;          // _exits[2 * room + bit]
    private readonly Dictionary<string, int> _index;

    /// <summary>Builds a maze; every exit must name a room of the list or "pit", names must be unique.</summary>
    public Maze(IReadOnlyList<MazeRoom> rooms)
    {
        if (rooms.Count == 0)
            throw new ArgumentException("maze: no rooms", nameof(rooms));
        _names = rooms.Select(r => r.Name).ToArray();
        _colours = rooms.Select(r => r.Colour.ToLowerInvariant()).ToArray();
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _names.Length; i++)
        {
            if (_names[i] == PitName || !_index.TryAdd(_names[i], i))
                throw new ArgumentException($"maze: bad or duplicate room name '{_names[i]}'", nameof(rooms));
        }
        _exits = new int[2 * rooms.Count];
        for (int i = 0; i < rooms.Count; i++)
        {
            _exits[2 * i] = Resolve(rooms[i].Exit0);
            _exits[2 * i + 1] = Resolve(rooms[i].Exit1);
        }
    }

    private Maze(string[] names, string[] colours, int[] exits, Dictionary<string, int> index)
    {
        _names = names;
        _colours = colours;
        _exits = exits;
        _index = index;
    }

    private int Resolve(string target) =>
        target == PitName ? Pit
        : _index.TryGetValue(target, out int i) ? i
        : throw new ArgumentException($"maze: exit to unknown room '{target}'");

    // --- queries ---

    /// <summary>Number of rooms.</summary>
    public int Count => _names.Length;

    /// <summary>The room's name as written in the file.</summary>
    public string Name(int room) => _names[room];

    /// <summary>The name of an exit's target: a room name, or "pit".</summary>
    public string TargetName(int target) => target == Pit ? PitName : _names[target];

    /// <summary>The room's colour, lower case ("plain" unless the file says otherwise).</summary>
    public string Colour(int room) => _colours[room];

    /// <summary>Where the room's exit for <paramref name="bit"/> (0 or 1) leads: a room index or <see cref="Pit"/>.</summary>
    public int Exit(int room, int bit) => _exits[2 * room + bit];

    /// <summary>The index of the room called <paramref name="name"/>, or -1 when there is none.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out int i) ? i : -1;

    /// <summary>The rooms as they would be written in a maze file.</summary>
    public IReadOnlyList<MazeRoom> Rooms =>
        Enumerable.Range(0, Count).Select(i => new MazeRoom(_names[i], TargetName(Exit(i, 0)), TargetName(Exit(i, 1)), _colours[i])).ToList();

    /// <summary>The rooms whose colour is one of <paramref name="colours"/>, in room order.</summary>
    public IReadOnlyList<int> RoomsColoured(IEnumerable<string> colours)
    {
        var wanted = colours.Select(c => c.ToLowerInvariant()).ToHashSet();
        return Enumerable.Range(0, Count).Where(i => wanted.Contains(_colours[i])).ToList();
    }

    /// <summary>The maze in file syntax (parses back to an equal maze).</summary>
    public string ToText() => string.Concat(Rooms.Select(r =>
        $"room {r.Name}: 0->{r.Exit0} 1->{r.Exit1}{(r.Colour == "plain" ? "" : " colour=" + r.Colour)}\n"));

    // --- traversal ---

    /// <summary>Walks <paramref name="bits"/> (a string of '0'/'1') from <paramref name="start"/>; a pit ends the walk.</summary>
    public MazeWalk Walk(int start, string bits)
    {
        var visited = new List<int> { start };
        int at = start;
        for (int i = 0; i < bits.Length; i++)
        {
            if (bits[i] is not ('0' or '1'))
                throw new ArgumentException($"walk: '{bits[i]}' is not a bit", nameof(bits));
            at = Exit(at, bits[i] - '0');
            visited.Add(at);
            if (at == Pit)
                return new MazeWalk(start, bits, visited, i + 1);
        }
        return new MazeWalk(start, bits, visited, null);
    }

    /// <summary>The outcomes of all 2^k walks of exactly k steps from <paramref name="start"/>: the rooms where a walk
    /// ends (ascending), and whether some walk falls into a pit on the way. Computed frontier by frontier, so the
    /// cost is the rooms actually reached: at most k * min(2^k, rooms), and only a few for a small k.</summary>
    public MazeReach Reach(int start, int k)
    {
        var frontier = new List<int> { start };
        var seen = new HashSet<int>();
        bool pit = false;
        for (int j = 0; j < k && frontier.Count > 0; j++)
        {
            seen.Clear();
            var next = new List<int>();
            foreach (int r in frontier)
            {
                for (int bit = 0; bit < 2; bit++)
                {
                    int t = Exit(r, bit);
                    if (t == Pit) pit = true;
                    else if (seen.Add(t)) next.Add(t);
                }
            }
            frontier = next;
        }
        frontier.Sort();
        return new MazeReach(start, k, frontier, pit);
    }

    /// <summary>An upper bound on the room-steps of <see cref="Reach"/> from every room: what the exercises cost.</summary>
    public long ReachWorkFromEveryRoom(int k)
    {
        long perStart = 0;
        for (int j = 1; j <= k; j++)
            perStart += Math.Min(1L << Math.Min(j, 40), Count);
        return perStart > long.MaxValue / Math.Max(Count, 1) ? long.MaxValue : perStart * Count;
    }

    /// <summary>D_0..D_k: layer j holds the rooms where some walk of exactly j steps from <paramref name="start"/> is.</summary>
    public bool[][] Layers(int start, int k, out bool pit)
    {
        var layers = new bool[k + 1][];
        layers[0] = new bool[Count];
        layers[0][start] = true;
        pit = false;
        for (int j = 1; j <= k; j++)
        {
            layers[j] = Step(layers[j - 1], out bool fell);
            pit |= fell;
        }
        return layers;
    }

    /// <summary>The rooms one step from any room of <paramref name="from"/>; <paramref name="pit"/> when an exit is a pit.</summary>
    public bool[] Step(bool[] from, out bool pit)
    {
        var next = new bool[Count];
        pit = false;
        for (int r = 0; r < Count; r++)
        {
            if (!from[r]) continue;
            for (int bit = 0; bit < 2; bit++)
            {
                int t = Exit(r, bit);
                if (t == Pit) pit = true;
                else next[t] = true;
            }
        }
        return next;
    }

    /// <summary>A bitstring of exactly k bits that walks from <paramref name="start"/> to <paramref name="room"/>,
    /// or null when there is none. Prefers 0-exits (the smallest such bitstring).</summary>
    public string? PathTo(int start, int k, int room)
    {
        // can[j][r]: room r can reach `room` in exactly k - j more steps.
        var can = new bool[k + 1][];
        can[k] = new bool[Count];
        can[k][room] = true;
        for (int j = k - 1; j >= 0; j--)
        {
            can[j] = new bool[Count];
            for (int r = 0; r < Count; r++)
                can[j][r] = (Exit(r, 0) != Pit && can[j + 1][Exit(r, 0)]) || (Exit(r, 1) != Pit && can[j + 1][Exit(r, 1)]);
        }
        if (!can[0][start]) return null;
        var bits = new char[k];
        int at = start;
        for (int j = 0; j < k; j++)
        {
            int bit = Exit(at, 0) != Pit && can[j + 1][Exit(at, 0)] ? 0 : 1;
            bits[j] = (char)('0' + bit);
            at = Exit(at, bit);
        }
        return new string(bits);
    }

    /// <summary>The indices set in <paramref name="set"/>, ascending.</summary>
    public static IReadOnlyList<int> Members(bool[] set) =>
        Enumerable.Range(0, set.Length).Where(i => set[i]).ToList();

    // --- modification ---

    /// <summary>A copy of this maze with one exit re-routed (what a drone does).</summary>
    public Maze WithExit(int room, int bit, int target)
    {
        if (target != Pit && (uint)target >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(target), "maze: re-route to a room that does not exist");
        var exits = (int[])_exits.Clone();
        exits[2 * room + bit] = target;
        return new Maze(_names, _colours, exits, _index);
    }
}

/// <summary>A walk: the rooms visited (start first; the last entry is <see cref="Maze.Pit"/> when it fell), and the
/// 1-based step at which it fell into a pit, or null when it ended in a room.</summary>
public sealed record MazeWalk(int Start, string Bits, IReadOnlyList<int> Visited, int? PitStep)
{
    /// <summary>True when the walk fell into a death pit (a page fault).</summary>
    public bool FellIntoPit => PitStep is not null;

    /// <summary>The room where the walk ended, or <see cref="Maze.Pit"/>.</summary>
    public int End => Visited[^1];
}

/// <summary>What walks of exactly K steps from Start reach: the rooms (ascending index) and whether a pit is possible.</summary>
public sealed record MazeReach(int Start, int K, IReadOnlyList<int> Rooms, bool Pit);
