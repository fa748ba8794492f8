using System.Collections.Concurrent;
using VmLab.Sim.Scenarios;

namespace VmLab.Web;

/// <summary>
/// A scenario's lesson as the page shows it: the text the scenario declares, and what `sim run` reports of one run
/// with its defaults (its description, its facts and tables: inspect's B1-B5 table, bigdata's before and after).
/// Each scenario is run once, on the simulator's slices, at most <see cref="Limit"/> of wall time; a scenario that
/// takes longer is given without its run's facts. Cached: runs are deterministic.
/// </summary>
internal static class Lessons
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    private static readonly ConcurrentDictionary<Scenario, Task<object>> s_cache = new();

    public static Task<object> Of(Scenario scenario, CancellationToken cancel) =>
        s_cache.GetOrAdd(scenario, s => Simulator.Run(() => Lesson(s), CancellationToken.None)).WaitAsync(cancel);

    private static object Lesson(Scenario s)
    {
        ScenarioResult? run = null;
        try
        {
            run = s.Run(new ScenarioArgs { WallTime = Limit });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // The run is an illustration: the lesson stands without it.
        }
        bool complete = run is { OutOfTime: false };
        return new
        {
            s.Name, s.Summary, s.Lesson, s.FirstLook, s.NextStep,
            Complete = complete,
            Description = complete ? run!.Description : null,
            Facts = complete ? run!.Facts.Select(f => new { Name = f.Key, f.Value }).ToList() : [],
            Tables = complete ? run!.Tables : [],
            Verdict = complete ? run!.Verdict : null,
        };
    }
}

/// <summary>
/// A quiz generator the page can ask for problems and have answers marked by: `vmlab quiz`'s own, handed over by the
/// CLI (this project depends on the simulator only). Kinds are (kind, summary); Make gives the questions of a kind
/// and seed; Mark gives, for each answer, whether it is right and the worked answer.
/// </summary>
public sealed record QuizSource(
    IReadOnlyList<(string Kind, string Summary)> Kinds,
    Func<string, int, IReadOnlyList<string>> Make,
    Func<string, int, IReadOnlyList<string>, IReadOnlyList<QuizMark>> Mark);

/// <summary>One marked answer: given, right or not, the expected answer in short, and the worked solution.</summary>
public sealed record QuizMark(string Given, bool Correct, string Expected, string Answer);
