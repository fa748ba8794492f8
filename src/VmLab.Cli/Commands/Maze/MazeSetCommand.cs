using VmLab.Sim.Maze;

namespace VmLab.Cli.Commands.Maze;

/// <summary><c>vmlab maze reach-all</c> (exercise D1) and <c>vmlab maze reach-only</c> (D2): start rooms judged by
/// the set of rooms their walks of exactly k steps end in.</summary>
internal static class MazeSetCommand
{
    public static Verb ReachAll() => Create(all: true);

    public static Verb ReachOnly() => Create(all: false);

    private static Verb Create(bool all)
    {
        string[] defaults = all ? ["blue", "red"] : ["blue"];
        string d = all ? "D1" : "D2";
        var rooms = MazeCli.Rooms();
        var colours = MazeCli.Colours(string.Join(',', defaults));
        return new Verb(all ? "reach-all" : "reach-only", all
                ? "D1: starting rooms from which every room of a set is reachable in exactly k steps"
                : "D2: starting rooms from which only rooms of a set (and pits) are reachable in exactly k steps",
            (all
                ? """
                  Exercise D1: which starting rooms reach every room of the set (default: all blue and red rooms) in
                  exactly k steps? Each start room is a different page table: only some of them map all of the set.
                  """
                : """
                  Exercise D2: which starting rooms reach only rooms of the set (default: the blue rooms) or death pits
                  in exactly k steps? A start room whose walks all fall into pits qualifies vacuously; it is listed
                  under "vacuous" as well. In page-table terms: an address space that maps nothing outside the set.
                  """) + "\n\nExit status 0 when at least one starting room qualifies, 1 when none does.",
            all ? """{"k","set":[…],"start_rooms":[…]}""" : """{"k","set":[…],"start_rooms":[…],"vacuous":[…]}""",
            all ? "vmlab maze reach-all" : "vmlab maze reach-only",
            all ? "vmlab maze reach-all --rooms 6,8 --k 3" : "vmlab maze reach-only --colours blue,red --k 3")
            .Solves(steps: true, run =>
        {
            var maze = run.Maze;
            var set = MazeCli.Set(maze, run.Ctx.Get(rooms), run.Ctx.Get(colours), defaults);
            var answer = all ? MazeExercises.ReachAll(maze, run.K, set) : MazeExercises.ReachOnly(maze, run.K, set);
            bool found = answer.StartRooms.Count > 0;
            string setText = MazeCli.List(maze, answer.Set);
            return new MazeResult(all ? AllJson(maze, answer) : OnlyJson(maze, answer), found, all
                    ? $"D1: which start rooms reach all of {setText} in exactly {answer.K} steps?"
                    : $"D2: which start rooms reach only {setText} and pits in exactly {answer.K} steps?",
                (all
                    ? "A start room qualifies when the set of rooms its walks of exactly k steps end in contains the whole set."
                    : "A start room qualifies when every walk of exactly k steps ends in a room of the set or falls into a death pit.")
                + " The walks of each answer are shown.", report =>
            {
                report.Section("Answer");
                foreach (int s in answer.StartRooms.Take(64))
                    report.Fact($"from room {maze.Name(s)}{(!all && answer.Vacuous.Contains(s) ? " (vacuous)" : "")}", MazeCli.PathsLine(maze, s, answer.K));
                report.Verdict(found, $"{d}: start in room {MazeCli.List(maze, answer.StartRooms)}", all
                    ? $"D1: no start room reaches all of {setText} in exactly {answer.K} steps"
                    : $"D2: every start room reaches some room outside {setText} in exactly {answer.K} steps");
            });
        }, rooms, colours);
    }

    internal static object AllJson(VmLab.Sim.Maze.Maze maze, StartRoomsAnswer a) =>
        new { a.K, Set = MazeCli.Names(maze, a.Set), StartRooms = MazeCli.Names(maze, a.StartRooms) };

    internal static object OnlyJson(VmLab.Sim.Maze.Maze maze, StartRoomsAnswer a) => new
    {
        a.K,
        Set = MazeCli.Names(maze, a.Set),
        StartRooms = MazeCli.Names(maze, a.StartRooms),
        Vacuous = MazeCli.Names(maze, a.Vacuous.Where(a.StartRooms.Contains)),
    };
}
