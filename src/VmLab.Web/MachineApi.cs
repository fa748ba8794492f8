using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VmLab.Sim.Paging;
using VmLab.Sim.Viewer;

namespace VmLab.Web;

/// <summary>
/// The machine API the page uses (paths and keys are a contract): scenarios, machines, stepping, the
/// timeline, snapshots, page walks and the TLB. Every parameter is checked; a refusal is 400 (404 for an
/// unknown machine) with {"error": "..."}.
/// </summary>
internal static class MachineApi
{
    public static void Map(IEndpointRouteBuilder app, SessionStore store)
    {
        app.MapGet("/api/scenarios", () => Json(new
        {
            Scenarios = store.Programs is { } programs ? [ScenarioCatalog.Of(programs), .. ScenarioCatalog.All] : ScenarioCatalog.All,
            StudentSeams = store.Seams?.Names ?? store.Hosting?.Names ?? [], Workspace = store.Seams?.Source ?? store.Hosting?.Source,
        }));

        app.MapGet("/api/scenarios/{name}/lesson", async (HttpContext ctx, string name) =>
        {
            var (scenario, _) = ScenarioCatalog.Parse(name, null, store.Programs);
            return Json(await Lessons.Of(scenario, ctx.RequestAborted));
        });

        app.MapPost("/api/machines", async (HttpContext ctx) =>
        {
            const string required = "\"scenario\" is required (a name from GET /api/scenarios)";
            var request = await WebRequest.Read<CreateMachine>(ctx, _ => required);
            var (machine, args) = ScenarioCatalog.Parse(request.Scenario ?? throw new BadRequest(required), request.Options, store.Programs);
            return Json(new { Id = store.Create(machine, args) });
        });

        app.MapPost("/api/machines/{id}/step", async (HttpContext ctx, string id) =>
        {
            string countRange = $"\"count\" must be a whole number from 1 to {MachineSession.MaxInstructions}", untilEvent = "\"until\" must be \"event\"";
            var request = await WebRequest.Read<StepMachine>(ctx, field => field == "until" ? untilEvent : countRange, allowEmpty: true);
            bool until = request.Until is not null && (request.Until == "event" ? true : throw new BadRequest(untilEvent));
            if (until && request.Count is not null) throw new BadRequest("give \"count\" or \"until\", not both");
            long count = request.Count ?? 1;
            if (count < 1 || count > MachineSession.MaxInstructions) throw new BadRequest(countRange);
            return Json(await Use(store, id, ctx, async m =>
            {
                bool panicked = m.Kernel.Panic is not null;
                var stepped = await Simulator.Step(m, until ? MachineSession.MaxInstructions : count, until, store.RequestLimit, ctx.RequestAborted);
                // The student's own seam broke the kernel in this step: said as a refusal naming it (the state stays to look at).
                if (!panicked && m.Kernel.Panic is { } panic && store.Seams?.Names.Any(n => panic.StartsWith(n + ": ", StringComparison.Ordinal)) == true)
                    throw new BadRequest($"{panic} (the machine stopped at step {m.Step}; its state stays to look at)", 422);
                return stepped;
            }));
        });

        app.MapPost("/api/machines/{id}/seek", async (HttpContext ctx, string id) =>
        {
            const string required = "\"step\" is required: a whole number from 0 to the furthest step reached";
            long step = (await WebRequest.Read<SeekMachine>(ctx, _ => required)).Step ?? throw new BadRequest(required);
            return Json(await Use(store, id, ctx, m => step >= 0 && step <= m.Furthest ? Simulator.Seek(m, step, ctx.RequestAborted)
                : throw new BadRequest($"\"step\" must be from 0 to {m.Furthest} (the furthest step reached)")));
        });

        app.MapPost("/api/machines/{id}/reset", async (HttpContext ctx, string id) =>
            Json(await Use(store, id, ctx, m => Task.FromResult<object>(Reset(m)))));

        app.MapDelete("/api/machines/{id}", (string id) => store.Remove(id) ? Json(new { Deleted = true }) : throw Unknown(id));

        app.MapGet("/api/machines/{id}", async (HttpContext ctx, string id) =>
        {
            int events = IntQuery(ctx, "events", 200, 0, VmLab.Sim.Kernel.Kernel.EventCapacity);
            return Json(await Use(store, id, ctx, m => Task.FromResult(m.Snapshot(events))));
        });

        app.MapGet("/api/machines/{id}/timeline", async (HttpContext ctx, string id) => Json(await Use(store, id, ctx, m => Task.FromResult<object>(new
        {
            m.Step,
            m.Furthest,
            m.Kernel.EventCount,
            Events = m.Kernel.Events.Select(e => new { e.Step, e.Kind, e.Pid, e.Text }).ToList(),    // read now, not after the turn
            Checkpoints = new { m.Checkpoints.Count, m.Checkpoints.Bytes, m.Checkpoints.WidestGap, Steps = m.Checkpoints.Steps.ToList() },
        }))));

        app.MapGet("/api/machines/{id}/walk", async (HttpContext ctx, string id) =>
        {
            int pid = IntQuery(ctx, "pid", null, 0, VmLab.Sim.Kernel.KernelLayout.NProc - 1);
            string? vaText = ctx.Request.Query["va"];
            if (!Address.TryParse(vaText, out ulong va)) throw new BadRequest($"\"va\" must be an address like 0x101000 (got '{Clip(vaText)}')");
            var access = ctx.Request.Query["access"].ToString() switch
            {
                "" or "read" => Access.Read,
                "write" => Access.Write,
                "exec" or "fetch" => Access.Fetch,
                var a => throw new BadRequest($"\"access\" must be read, write or exec (got '{Clip(a)}')"),
            };
            return Json(await Use(store, id, ctx, m => Task.FromResult(m.Walk(pid, va, access) ?? throw new BadRequest($"no live process has pid {pid} (0 is the kernel)"))));
        });

        app.MapGet("/api/machines/{id}/tlb", async (HttpContext ctx, string id) =>
        {
            int pid = IntQuery(ctx, "pid", null, 0, VmLab.Sim.Kernel.KernelLayout.NProc - 1);
            return Json(await Use(store, id, ctx, m => Task.FromResult(TlbView.Of(m.Kernel, pid) ?? throw new BadRequest($"no live process has pid {pid} (0 is the kernel)"))));
        });
    }

    /// <summary>Streams <paramref name="value"/> to the response (a machine's state is a few hundred KB: no string of it).</summary>
    internal static IResult Json(object value, JsonSerializerOptions? options = null) =>
        Results.Json(value, options ?? WebJson.Options);

    private static async Task<T> Use<T>(SessionStore store, string id, HttpContext ctx, Func<MachineSession, Task<T>> use) =>
        await store.UseAsync(id, use, ctx.RequestAborted) is (true, var result) ? result : throw Unknown(id);

    private static object Reset(MachineSession m)
    {
        m.Reset();
        return new { m.Step, m.Furthest };
    }

    private static BadRequest Unknown(string id) =>
        new($"no machine '{Clip(id)}' (it may have been idle too long, or the server restarted): create one with POST /api/machines", 404);

    /// <summary>The request body as JSON (bounded in size); an empty body is {} when allowed.</summary>
    internal static async Task<JsonDocument> Body(HttpContext ctx, bool allowEmpty = false)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > WebServer.MaxBody) throw new BadRequest($"the request body is larger than {WebServer.MaxBody} bytes", 413);
        }
        if (buffer.Length == 0)
            return allowEmpty ? JsonDocument.Parse("{}") : throw new BadRequest("the request needs a JSON object body");
        try
        {
            var doc = JsonDocument.Parse(buffer.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new BadRequest("the request body must be a JSON object");
            return doc;
        }
        catch (JsonException)
        {
            throw new BadRequest("the request body is not valid JSON");
        }
    }

    internal static int IntQuery(HttpContext ctx, string name, int? fallback, int min, int max)
    {
        string? text = ctx.Request.Query[name];
        if (string.IsNullOrEmpty(text))
            return fallback ?? throw new BadRequest($"\"{name}\" is required (a whole number from {min} to {max})");
        return int.TryParse(text, System.Globalization.NumberStyles.None, null, out int v) && v >= min && v <= max ? v
            : throw new BadRequest($"\"{name}\" must be a whole number from {min} to {max} (got '{Clip(text)}')");
    }

    internal static string Clip(string? s) => s is null ? "" : s.Length > 40 ? s[..40] + "..." : s;
}
