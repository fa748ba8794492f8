using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VmLab.Sim.Exercises;
using VmLab.Sim.Maze;
using VmLab.Sim.Paging;

namespace VmLab.Web;

/// <summary>Part A's tools (check-mapping, pages, map-calls) and Part D's maze, as the `sim` verbs compute them.</summary>
internal static class ExerciseApi
{
    private const int MaxPairs = 64;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/exercises/check-mapping", async (HttpContext ctx) =>
        {
            var request = await WebRequest.Read<PairsExercise>(ctx, Wrong);
            return MachineApi.Json(MappingCheck.Check(Pairs(request)), WebJson.Plain);
        });

        app.MapPost("/api/exercises/map-calls", async (HttpContext ctx) =>
        {
            var request = await WebRequest.Read<PairsExercise>(ctx, Wrong);
            var pairs = Pairs(request);
            var verdict = MappingCheck.Check(pairs);
            if (!verdict.Valid) throw new BadRequest($"no valid mapping has these pairs: {verdict.Reason}");
            ulong perm = request.Perm is { } p ? Perm(p) : Pte.PTE_P | Pte.PTE_W;
            return MachineApi.Json(MapCalls.Realise(pairs, perm), WebJson.Plain);
        });

        app.MapPost("/api/exercises/pages", async (HttpContext ctx) =>
        {
            var request = await WebRequest.Read<PagesExercise>(ctx, Wrong);
            ulong va = request.Va ?? throw new BadRequest(Wrong("va")), size = request.Size ?? throw new BadRequest(Wrong("size"));
            if (size == 0 || size > 1UL << 40) throw new BadRequest("\"size\" must be from 1 to 2^40 bytes");
            if (va > VirtualAddress.LowEnd - size) throw new BadRequest("the object must lie below 0x800000000000 (the lower canonical half)");
            bool aligned = request.Aligned ?? true;
            if (aligned && (va & 0xFFF) != 0) throw new BadRequest($"\"va\" 0x{va:x} is not page-aligned (set \"aligned\": false)");
            return MachineApi.Json(PageCount.Compute(va, size, aligned), WebJson.Plain);
        });

        app.MapGet("/api/maze", () =>
        {
            var maze = SeedMaze.Load();
            return MachineApi.Json(new
            {
                Rooms = Enumerable.Range(0, maze.Count).Select(r => new
                {
                    Index = r, Name = maze.Name(r), Colour = maze.Colour(r),
                    Exit0 = maze.TargetName(maze.Exit(r, 0)), Exit1 = maze.TargetName(maze.Exit(r, 1)),
                }),
                SeedMaze.K,
            });
        });

        app.MapGet("/api/maze/walk", (HttpContext ctx) =>
        {
            var maze = SeedMaze.Load();
            string start = ctx.Request.Query["start"].ToString();
            int room = maze.IndexOf(start);
            if (room < 0) throw new BadRequest($"\"start\" must be a room of the maze (got '{MachineApi.Clip(start)}')");
            string bits = ctx.Request.Query["bits"].ToString();
            if (bits.Length is 0 or > 64 || bits.Any(c => c is not ('0' or '1'))) throw new BadRequest("\"bits\" must be 1 to 64 characters of 0 and 1");
            var walk = maze.Walk(room, bits);
            return MachineApi.Json(new { Start = start, Bits = bits, Visited = walk.Visited.Select(maze.TargetName), walk.FellIntoPit, walk.PitStep });
        });
    }

    private static string PairsShape => $"\"pairs\" must be a list of 1 to {MaxPairs} {{\"va\": \"0x...\", \"pa\": \"0x...\"}}";

    private const string PairShape = "each pair must be {\"va\": \"0x...\", \"pa\": \"0x...\"}";

    // The one line a field of the wrong type gets.
    private static string Wrong(string field) => field switch
    {
        "pairs" => PairsShape,
        "pairs[]" => PairShape,
        "perm" => "\"perm\" must be like \"PTE_P|PTE_W\"",
        "aligned" => "\"aligned\" must be true or false",
        "$" => "the request body must be a JSON object",
        _ => $"\"{field}\" must be an address like \"0x3009\"",
    };

    private static List<MappingPair> Pairs(PairsExercise request)
    {
        if (request.Pairs is not { Count: > 0 and <= MaxPairs } pairs) throw new BadRequest(PairsShape);
        return [.. pairs.Select(p => p is null ? throw new BadRequest(PairShape)
            : new MappingPair(p.Va ?? throw new BadRequest(Wrong("va")), p.Pa ?? throw new BadRequest(Wrong("pa"))))];
    }

    private static ulong Perm(string p)
    {
        ulong perm = 0;
        foreach (string name in p.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            perm |= name switch
            {
                "PTE_P" => Pte.PTE_P, "PTE_W" => Pte.PTE_W, "PTE_U" => Pte.PTE_U, "PTE_NX" => Pte.PTE_NX,
                _ => throw new BadRequest($"\"perm\": '{MachineApi.Clip(name)}' is not PTE_P, PTE_W, PTE_U or PTE_NX"),
            };
        return (perm & Pte.PTE_P) != 0 ? perm : throw new BadRequest("\"perm\" must include PTE_P");
    }
}
