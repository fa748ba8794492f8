using System.CommandLine;
using VmLab.Cli.Framework;
using VmLab.Labs.Quiz;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab quiz</c>: seeded practice problems for seed 003 parts A, B and D, answers by the simulator.</summary>
internal static class QuizCommand
{
    public static Verb Create()
    {
        var kind = Opt.Positional("KIND", "paging, walk, errorcode, alignment or maze (default paging)");
        kind.CompletionSources.Add(Quizzes.Kinds.Select(k => k.Kind).ToArray());
        var seed = Opt.Int("--seed", "the problem set", 1, 0, int.MaxValue);
        var answers = Opt.Flag("--answers", "show each problem's answer");
        var check = Opt.Text("--check", "mark the answers in FILE (- for stdin): one per line, or JSON", "FILE");
        return new Verb("quiz", "seeded practice problems (paging, alignment, walk, errorcode, maze); --answers shows the worked solutions",
            $"""
            {Quizzes.Count} freshly generated problems of one kind. The same kind and seed give the same problems on every
            machine, so a class can share a seed; --answers adds the solution, computed by the simulator (mapping checker,
            page counter, MMU walk, maze). --check FILE marks your answers (one per line, or JSON: a list of strings,
            an object with an "answers" list, or the --json sheet with an "answer" each; - reads stdin) and shows the worked solution of
            each wrong one. Kinds: {string.Join("; ", Quizzes.Kinds.Select(k => $"{k.Kind}: {k.Summary}"))}.
            """,
            """{"kind","seed","problems":[{"question","answer"}]} ("answer" only with --answers); with --check: {"kind","seed","score","max_score","problems":[{"question","given","correct","expected","answer"}]}""",
            "vmlab quiz paging --seed 7", "vmlab quiz walk --seed 7 --answers", "vmlab quiz maze --json", "vmlab quiz alignment --seed 7 --check answers.txt")
            .Takes(kind, seed, answers, check)
            .Does(ctx =>
            {
                string k = ctx.Get(kind) ?? "paging";
                bool show = ctx.Get(answers);
                if (!Quizzes.Kinds.Any(q => q.Kind == k))
                    throw new UsageException($"unknown quiz kind '{k}' (try: {string.Join(", ", Quizzes.Kinds.Select(q => q.Kind))})");
                var sheet = Quizzes.Make(k, (int)ctx.Get(seed));
                if (ctx.Get(check) is { } file) return Check(ctx, sheet, file);
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

    // Marks the answers: each right or wrong, the expected short answer and the worked solution for wrong ones.
    private static int Check(Ctx ctx, QuizSheet sheet, string file)
    {
        string text = file == "-" ? ReadStdin() : System.Text.Encoding.UTF8.GetString(InputFile.Read(file, 1 << 20));
        IReadOnlyList<MarkedAnswer> marked;
        try
        {
            marked = QuizCheck.Mark(sheet, QuizCheck.ParseAnswers(text));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        int score = marked.Count(m => m.Correct);
        var json = new
        {
            sheet.Kind, sheet.Seed, Score = score, MaxScore = marked.Count,
            Problems = marked.Select(m => new { m.Question, m.Given, m.Correct, m.Expected, m.Answer }),
        };
        return ctx.Emit(json, score == marked.Count, rep =>
        {
            rep.Line($"quiz {sheet.Kind}, seed {sheet.Seed}: {score} of {marked.Count} right");
            foreach (var (m, i) in marked.Select((m, i) => (m, i + 1)))
            {
                rep.Fact($"{i}.", m.Question);
                rep.Fact("", m.Correct ? $"right: {m.Given}" : $"wrong: you said \"{(m.Given.Length == 0 ? "(nothing)" : m.Given)}\"; the answer is {m.Expected}");
                if (!m.Correct) rep.Fact("", $"worked solution: {m.Answer}");
            }
            rep.Flush();
        });
    }

    // At most 1 MiB from stdin: answers are a few lines.
    private static string ReadStdin()
    {
        if (StdinIsOwnPipe()) throw new UsageException("stdin is closed: give the answers on stdin (vmlab quiz ... --check - < answers.txt) or in a file");
        var buffer = new char[(1 << 20) + 1];
        int n;
        try
        {
            n = Console.In.ReadBlock(buffer, 0, buffer.Length);
        }
        catch (IOException e)
        {
            throw new UsageException($"cannot read the answers from stdin: {e.Message}");
        }
        if (n > 1 << 20) throw new UsageException("the answers on stdin are larger than 1 MiB");
        return new string(buffer, 0, n);
    }

    /// <summary>True when fd 0 is a pipe this process holds another end or copy of: stdin was closed when vmlab
    /// started (vmlab ... &lt;&amp;-), and the runtime's own first pipe took its number; reading it would wait for ever.</summary>
    private static bool StdinIsOwnPipe()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            string? target = new FileInfo("/proc/self/fd/0").LinkTarget;
            if (target is null || !target.StartsWith("pipe:", StringComparison.Ordinal)) return false;
            // the runtime keeps its pipe's write end; a pipe from the shell is only ever read here
            foreach (string fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
                if (Path.GetFileName(fd) != "0" && new FileInfo(fd).LinkTarget == target && Writes(Path.GetFileName(fd))) return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // a descriptor closed while listed, or no /proc: read as usual
        }
        return false;
    }

    // fdinfo's "flags:" is octal; its low two bits are the access mode (O_WRONLY 1, O_RDWR 2)
    private static bool Writes(string fd) =>
        File.ReadLines($"/proc/self/fdinfo/{fd}").FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal)) is { } flags
        && (Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 3) != 0;
}
