using System.CommandLine;
using VmLab.Labs.Quiz;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab quiz</c>: seeded practice problems for seed 003 parts A, B and D, answers by the simulator.</summary>
internal static class QuizCommand
{
    public static Verb Create()
    {
        var answers = Opt.Flag("--answers", "show each problem's answer");
        var seed = Opt.Int("--seed", "the problem set", 1, 0, int.MaxValue);
        var kind = Opt.Positional("KIND", "paging, walk, errorcode, alignment or maze (default paging)");
        kind.CompletionSources.Add(Quizzes.Kinds.Select(k => k.Kind).ToArray());
        return new Verb("quiz", "seeded practice problems (paging, alignment, walk, errorcode, maze); --answers shows the worked solutions",
            $"""
            {Quizzes.Count} freshly generated problems of one kind. The same kind and seed give the same problems on every
            machine, so a class can share a seed; --answers adds the solution, computed by the simulator (mapping checker,
            page counter, MMU walk, maze). Kinds: {string.Join("; ", Quizzes.Kinds.Select(k => $"{k.Kind}: {k.Summary}"))}.
            """,
            """{"kind","seed","problems":[{"question","answer"}]} ("answer" only with --answers)""",
            "vmlab quiz paging --seed 7", "vmlab quiz walk --seed 7 --answers", "vmlab quiz maze --json")
            .Takes(kind, seed, answers)
            .Does(ctx =>
            {
                string k = ctx.Get(kind) ?? "paging";
                bool show = ctx.Get(answers);
                if (!Quizzes.Kinds.Any(q => q.Kind == k))
                    throw new UsageException($"unknown quiz kind '{k}' (try: {string.Join(", ", Quizzes.Kinds.Select(q => q.Kind))})");
                var sheet = Quizzes.Make(k, (int)ctx.Get(seed));
                var json = new { sheet.Kind, sheet.Seed, Problems = sheet.Problems.Select(p => show ? (object)new { p.Question, p.Answer } : new { p.Question }) };
                return ctx.Emit(json, true, rep =>
                {
                    rep.Line($"quiz {k}, seed {sheet.Seed}");
                    foreach (var (p, i) in sheet.Problems.Select((p, i) => (p, i + 1)))
                    {
                        rep.Fact($"{i}.", p.Question);
                        if (show) rep.Fact("", $"answer: {p.Answer}");
                    }
                    rep.Flush();
                    if (!show) rep.Line($"(vmlab quiz {k} --seed {sheet.Seed} --answers shows the solutions)");
                });
            });
    }
}
