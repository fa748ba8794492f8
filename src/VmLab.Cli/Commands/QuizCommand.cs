using VmLab.Cli.Framework;
using VmLab.Labs.Quiz;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab quiz</c>: seeded practice problems for seed 003 parts A, B and D, answers by the simulator.</summary>
internal sealed class QuizCommand : ICommand
{
    public string Name => "quiz";

    public string Summary => "seeded practice problems (paging, alignment, walk, errorcode, maze); --answers shows the worked solutions";

    public string Help => $$"""
        usage: vmlab quiz [paging|walk|errorcode|alignment|maze] [--seed N] [--answers] [--json]

        {{Quizzes.Count}} freshly generated problems of one kind (default: paging). The same kind and seed give the same
        problems on every machine, so a class can share a seed; --answers adds the solution, computed by the
        simulator (mapping checker, page counter, MMU walk, maze).
        {{string.Join("\n", Quizzes.Kinds.Select(k => $"  {k.Kind,-10} {k.Summary}"))}}
          --seed N     the problem set (default 1)
          --answers    show each problem's answer
          --json       {"kind","seed","problems":[{"question","answer"}]} (answer only with --answers)
        """;

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json, answers = ctx.Args.Flag("--answers");
        int seed = (int)ctx.Args.Int("--seed", 1, 0, int.MaxValue);
        string kind = ctx.Args.Positional() ?? "paging";
        ctx.Args.End();
        if (!Quizzes.Kinds.Any(k => k.Kind == kind))
            throw new UsageException($"unknown quiz kind '{kind}' (try: {string.Join(", ", Quizzes.Kinds.Select(k => k.Kind))})");
        var sheet = Quizzes.Make(kind, seed);
        if (json)
        {
            ctx.WriteJson(new
            {
                sheet.Kind,
                sheet.Seed,
                Problems = sheet.Problems.Select(p => answers ? (object)new { p.Question, p.Answer } : new { p.Question }),
            });
            return 0;
        }
        ctx.Out.WriteLine($"quiz {kind}, seed {seed}");
        for (int i = 0; i < sheet.Problems.Count; i++)
        {
            ctx.Out.WriteLine($"{i + 1}. {sheet.Problems[i].Question}");
            if (answers) ctx.Out.WriteLine($"   answer: {sheet.Problems[i].Answer}");
        }
        if (!answers) ctx.Out.WriteLine($"(vmlab quiz {kind} --seed {seed} --answers shows the solutions)");
        return 0;
    }
}
