using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace VmLab.Web;

/// <summary>A machine server in another process (one hosting a student's seams): the web forwards a machine's API there.</summary>
public interface IMachineHost : IDisposable
{
    /// <summary>Talks to the child's server (a Unix socket); requests go to http://localhost/.</summary>
    HttpMessageHandler Handler { get; }

    /// <summary>Why the child is gone, in the student's words ("your fork overflowed the stack (infinite recursion?)"),
    /// once it has ended (waits a little for it); null while it still runs.</summary>
    string? WhyGone();
}

/// <summary>
/// <c>web --workspace</c>: every machine runs in a child process of its own that hosts the student's seams, so a seam
/// that overflows the stack, loops or exhausts memory ends that machine and not the server.
/// </summary>
/// <param name="Source">The workspace, for people.</param>
/// <param name="Names">The student's seams ("fork").</param>
/// <param name="Start">Starts one child and waits until its server answers (throws with one line when it cannot).</param>
public sealed record MachineHosting(string Source, IReadOnlyList<string> Names, Func<CancellationToken, Task<IMachineHost>> Start)
{
    /// <summary>Children at most at once: each is a .NET process; booting one more ends the least recently used.</summary>
    public int Capacity { get; init; } = 8;
}

/// <summary>
/// The machine API (<c>/api/machines...</c>) forwarded to one child per machine: POST /api/machines starts a child and
/// creates the machine there; every other request on that machine goes to its child unchanged but for the id. A child
/// that died is answered for: 502 with why, in one line, and the machine is gone; the server goes on serving.
/// </summary>
internal sealed class HostedMachines(MachineHosting hosting, VmLab.Sim.Scenarios.Scenario? programs, TimeProvider? clock = null) : IDisposable
{
    private sealed class Remote(IMachineHost host, string childId, DateTimeOffset now) : IDisposable
    {
        public IMachineHost Host { get; } = host;
        public string ChildId { get; } = childId;
        public HttpClient Client { get; } = new(host.Handler, disposeHandler: false) { BaseAddress = new Uri("http://localhost/"), Timeout = TimeSpan.FromMinutes(2) };
        public DateTimeOffset LastUsed { get; set; } = now;

        public void Dispose()
        {
            Client.Dispose();
            Host.Dispose();
        }
    }

    private readonly ConcurrentDictionary<string, Remote> _machines = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly object _createLock = new();

    public MachineHosting Hosting => hosting;

    /// <summary>The middleware: machine paths are forwarded, the rest goes on to <paramref name="next"/>.</summary>
    public async Task Handle(HttpContext ctx, RequestDelegate next)
    {
        string path = ctx.Request.Path.Value ?? "";
        if (path == "/api/machines" && HttpMethods.IsPost(ctx.Request.Method)) await Create(ctx);
        else if (path == "/api/programs" && HttpMethods.IsPost(ctx.Request.Method)) await Upload(ctx);
        else if (path.StartsWith("/api/machines/", StringComparison.Ordinal) && Find(path["/api/machines/".Length..]) is { } found)
            await Forward(ctx, found.Id, found.Tail);
        else await next(ctx);     // a machine of this process (a program the page uploaded), or none: the machine API answers
    }

    private async Task Create(HttpContext ctx)
    {
        using var body = await MachineApi.Body(ctx);
        CreateMachine? request;
        try
        {
            request = body.Deserialize<CreateMachine>(WebJson.Options);
        }
        catch (JsonException)
        {
            throw new BadRequest("\"scenario\" must be a scenario's name and \"options\" an object");
        }
        ScenarioCatalog.Parse(request?.Scenario ?? throw new BadRequest("\"scenario\" is required (pick one of the scenarios listed)"), request.Options, programs);
        await Boot(ctx, "api/machines", Json(body.RootElement));
    }

    // The page's file picker: the ELF goes to a new child, which checks it and boots it with the student's seams.
    private async Task Upload(HttpContext ctx)
    {
        var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        if (buffer.Length > ProgramApi.MaxProgram) throw new BadRequest($"the request body is larger than {ProgramApi.MaxProgram} bytes", 413);
        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        await Boot(ctx, $"api/programs{ctx.Request.QueryString}", content);
    }

    // A new child, the machine created there by the request at path, and its id there mapped to one of ours.
    private async Task Boot(HttpContext ctx, string path, HttpContent content)
    {
        IMachineHost host;
        try
        {
            host = await hosting.Start(ctx.RequestAborted);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            throw new BadRequest($"your kernel could not be started: {e.Message}", 502);
        }
        var remote = new Remote(host, "", _clock.GetUtcNow());
        HttpResponseMessage answer;
        try
        {
            answer = await remote.Client.PostAsync(path, content, ctx.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            string why = host.WhyGone() ?? "your kernel did not answer";
            remote.Dispose();
            throw new BadRequest($"{why}: the machine could not boot", 502);
        }
        using (answer)
        {
            string text = await answer.Content.ReadAsStringAsync(ctx.RequestAborted);
            var created = answer.IsSuccessStatusCode ? System.Text.Json.Nodes.JsonNode.Parse(text) as System.Text.Json.Nodes.JsonObject : null;
            if (created?["id"]?.GetValue<string>() is not { } childId)
            {
                remote.Dispose();
                await Relay(ctx, (int)answer.StatusCode, text);
                return;
            }
            created["id"] = Register(new Remote(host, childId, _clock.GetUtcNow()));
            remote.Client.Dispose();
            await Relay(ctx, 200, created.ToJsonString());
        }
    }

    private (string Id, string Tail)? Find(string rest)
    {
        int slash = rest.IndexOf('/');
        string id = slash < 0 ? rest : rest[..slash];
        return _machines.ContainsKey(id) ? (id, slash < 0 ? "" : rest[slash..]) : null;
    }

    private async Task Forward(HttpContext ctx, string id, string tail)
    {
        if (!_machines.TryGetValue(id, out var remote))
            throw new BadRequest($"no machine '{MachineApi.Clip(id)}' (it may have been idle too long, or the server restarted): boot the scenario again", 404);
        remote.LastUsed = _clock.GetUtcNow();
        using var message = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), $"api/machines/{remote.ChildId}{tail}{ctx.Request.QueryString}");
        if (!HttpMethods.IsGet(ctx.Request.Method) && !HttpMethods.IsDelete(ctx.Request.Method))
        {
            using var body = await MachineApi.Body(ctx, allowEmpty: true);
            message.Content = Json(body.RootElement);
        }
        try
        {
            using var answer = await remote.Client.SendAsync(message, ctx.RequestAborted);
            string text = await answer.Content.ReadAsStringAsync(ctx.RequestAborted);
            if (HttpMethods.IsDelete(ctx.Request.Method) && tail.Length == 0) End(id);
            await Relay(ctx, (int)answer.StatusCode, text);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ctx.RequestAborted.IsCancellationRequested))
        {
            string why = remote.Host.WhyGone() ?? "your kernel stopped answering";
            End(id);
            throw new BadRequest($"{why}: this machine is gone; boot the scenario again to start over", 502);
        }
    }

    private string Register(Remote remote)
    {
        lock (_createLock)
        {
            var cutoff = _clock.GetUtcNow() - TimeSpan.FromMinutes(30);
            foreach (var (old, r) in _machines)
                if (r.LastUsed < cutoff) End(old);
            while (_machines.Count >= hosting.Capacity && _machines.MinBy(kv => kv.Value.LastUsed) is { Key: { } oldest })
                End(oldest);
            string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            _machines[id] = remote;
            return id;
        }
    }

    private void End(string id)
    {
        if (_machines.TryRemove(id, out var remote)) remote.Dispose();
    }

    private static StringContent Json(JsonElement body)
    {
        var content = new StringContent(body.ValueKind == JsonValueKind.Undefined ? "{}" : body.GetRawText());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static async Task Relay(HttpContext ctx, int status, string json)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await ctx.Response.WriteAsync(json, ctx.RequestAborted);
    }

    public void Dispose()
    {
        foreach (string id in _machines.Keys) End(id);
    }
}
