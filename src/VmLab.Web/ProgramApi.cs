using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VmLab.Sim.Elf;
using VmLab.Sim.Scenarios;

namespace VmLab.Web;

/// <summary>
/// The user's own programs in the page: POST /api/programs?name=prog.elf with the ELF file as the body boots the
/// teaching kernel with it (a machine of the scenario "program"); and the quiz panel: GET /api/quiz?kind=K&amp;seed=N,
/// POST /api/quiz/check {"kind", "seed", "answers": [...]}. Bad input is a one-line JSON 4xx.
/// </summary>
internal static class ProgramApi
{
    /// <summary>The largest program the page may upload (a `sim cc` program is tens of KiB).</summary>
    public const int MaxProgram = 1 << 20;

    public static void Map(IEndpointRouteBuilder app, SessionStore store)
    {
        app.MapPost("/api/programs", async (HttpContext ctx) =>
        {
            string name = ProgramName(ctx.Request.Query["name"].ToString());
            byte[] bytes = await Read(ctx);
            if (bytes.Length == 0) throw new BadRequest("the request body is empty: send the ELF file (from 'vmlab sim cc') as the body");
            if (!ElfLoader.IsElf(bytes)) throw new BadRequest($"{name} is not an ELF file (build one with 'vmlab sim cc prog.c -o prog.elf')");
            if (ElfLoader.TryLoad(bytes, out var image) is { } problem) throw new BadRequest($"{name}: {WebServer.FirstLine(problem)}");
            var scenario = new ProgramsScenario([(name, image!)]);
            return MachineApi.Json(new { Id = store.Create(scenario, new ScenarioArgs()), Scenario = scenario.Name, Programs = scenario.Names, scenario.Summary, scenario.FirstLook, scenario.NextStep });
        });

        app.MapGet("/api/quiz", (HttpContext ctx) =>
        {
            var quiz = store.Quiz ?? throw new BadRequest("this server has no quiz generator", 404);
            var (kind, seed) = KindAndSeed(quiz, ctx.Request.Query["kind"].ToString(), ctx.Request.Query["seed"].ToString());
            return MachineApi.Json(new { Kind = kind, Seed = seed, Kinds = quiz.Kinds.Select(k => new { k.Kind, k.Summary }), Questions = quiz.Make(kind, seed) });
        });

        app.MapPost("/api/quiz/check", async (HttpContext ctx) =>
        {
            var quiz = store.Quiz ?? throw new BadRequest("this server has no quiz generator", 404);
            var request = await WebRequest.Read<QuizAnswers>(ctx, field => field == "answers" ? "\"answers\" must be a list of strings" : $"\"{field}\" is of the wrong type");
            var (kind, seed) = KindAndSeed(quiz, request.Kind ?? "", request.Seed?.ToString() ?? "");
            var answers = request.Answers ?? throw new BadRequest("\"answers\" is required: a list of strings, one per question");
            if (answers.Count > 64 || answers.Any(a => a is null || a.Length > 200)) throw new BadRequest("\"answers\": at most 64 strings of at most 200 characters");
            return MachineApi.Json(new { Kind = kind, Seed = seed, Marks = quiz.Mark(kind, seed, answers!) });
        });
    }

    // No kind asked for: the first the generator has.
    private static (string Kind, int Seed) KindAndSeed(QuizSource quiz, string kind, string seed)
    {
        if (kind.Length == 0 && quiz.Kinds.Count > 0) kind = quiz.Kinds[0].Kind;
        if (!quiz.Kinds.Any(k => k.Kind == kind))
            throw new BadRequest($"\"kind\" must be one of {string.Join(", ", quiz.Kinds.Select(k => k.Kind))} (got '{MachineApi.Clip(kind)}')");
        if (seed.Length == 0) return (kind, 1);
        return int.TryParse(seed, System.Globalization.NumberStyles.None, null, out int n) && n <= 1_000_000 ? (kind, n)
            : throw new BadRequest($"\"seed\" must be a whole number from 0 to 1000000 (got '{MachineApi.Clip(seed)}')");
    }

    // "prog.elf" -> "prog": the process's name, kept short and plain (it is shown, and names a process).
    private static string ProgramName(string given)
    {
        string name = Path.GetFileNameWithoutExtension(given.Replace('\\', '/').Split('/')[^1]);
        name = string.Concat(name.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'));
        return name.Length == 0 ? "program" : name.Length > 24 ? name[..24] : name;
    }

    private static async Task<byte[]> Read(HttpContext ctx)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > MaxProgram) throw new BadRequest($"the program is larger than {MaxProgram >> 10} KiB", 413);
        }
        return buffer.ToArray();
    }
}

/// <summary>POST /api/quiz/check: which quiz (kind and seed) and the answers, one per question.</summary>
internal sealed record QuizAnswers(string? Kind, int? Seed, IReadOnlyList<string?>? Answers);
