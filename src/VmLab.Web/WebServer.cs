using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VmLab.Sim.Scenarios;
using VmLab.Sim.Viewer;

namespace VmLab.Web;

/// <summary>
/// `vmlab web`: Kestrel serving the page (embedded in this assembly, so it works offline) and the machine API.
/// Loopback only unless a host is given explicitly.
/// </summary>
public sealed class WebServer : IAsyncDisposable
{
    /// <summary>The largest request body the API reads (its JSON objects are a few hundred bytes).</summary>
    public const int MaxBody = 64 * 1024;

    /// <summary>Kestrel's limits on the request line and the headers (its defaults, stated so the docs can).</summary>
    public const int MaxRequestLine = 8 * 1024, MaxRequestHeaders = 32 * 1024, MaxHeaderCount = 100;

    private readonly WebApplication _app;
    private readonly HostedMachines? _hosted;

    private WebServer(WebApplication app, Uri url, bool exposed, HostedMachines? hosted = null)
    {
        _app = app;
        _hosted = hosted;
        Url = url;
        Exposed = exposed;
    }

    /// <summary>Where the page is, e.g. http://127.0.0.1:5080/.</summary>
    public Uri Url { get; }

    /// <summary>Listening beyond loopback: other machines can reach it.</summary>
    public bool Exposed { get; }

    /// <summary>Starts Kestrel on <paramref name="host"/>:<paramref name="port"/> (0: any free port), answering to the
    /// names <see cref="HostPolicy.For"/> allows. Throws <see cref="ArgumentException"/> when <paramref name="host"/> is
    /// not an address, <see cref="IOException"/> when it cannot listen there (in use, or not this machine's).</summary>
    public static Task<WebServer> StartAsync(string host, int port, CancellationToken cancel = default) =>
        StartAsync(host, port, (SessionStore?)null, cancel);

    /// <summary>As <see cref="StartAsync(string, int, CancellationToken)"/>, every machine booting with <paramref name="seams"/>
    /// over its scenario's kernel (a student's seams: <c>vmlab web --workspace</c>).</summary>
    public static Task<WebServer> StartAsync(string host, int port, SeamOverlay? seams, CancellationToken cancel = default) =>
        StartAsync(host, port, new WebOptions { Seams = seams }, cancel);

    /// <summary>As <see cref="StartAsync(string, int, CancellationToken)"/>, with a student's seams, the user's programs and a
    /// quiz generator as <paramref name="options"/> say.</summary>
    public static Task<WebServer> StartAsync(string host, int port, WebOptions options, CancellationToken cancel = default) =>
        StartAsync(host, port, Store(options), cancel);

    /// <summary>A server for one process's machines on the Unix socket <paramref name="socket"/> (the child that hosts a
    /// student's seams for <see cref="MachineHosting"/>); loopback names only.</summary>
    public static async Task<WebServer> StartOnSocketAsync(string socket, WebOptions options, CancellationToken cancel = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ListenUnixSocket(socket, o => o.Protocols = HttpProtocols.Http1);
        });
        var app = Build(builder, Store(options));
        await app.StartAsync(cancel);
        return new WebServer(app, new Uri("http://localhost/"), exposed: false);
    }

    private static SessionStore Store(WebOptions options) => new()
    {
        Seams = options.Seams,
        Hosting = options.Hosting,
        Programs = options.Programs is { Count: > 0 } programs ? new ProgramsScenario(programs) : null,
        Quiz = options.Quiz,
    };

    /// <summary>As <see cref="StartAsync(string, int, CancellationToken)"/>, serving the machines of <paramref name="store"/>.</summary>
    internal static async Task<WebServer> StartAsync(string host, int port, SessionStore? store, CancellationToken cancel = default)
    {
        // "1" parses as 0.0.0.1: only dotted or colon forms are taken for addresses.
        IPAddress? ip = host == "localhost" ? null
            : host.Any(c => c is '.' or ':') && IPAddress.TryParse(host, out var parsed) ? parsed
            : throw new ArgumentException($"--host: '{MachineApi.Clip(host)}' is not an IP address (or localhost)");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = Guards.DrainLimit;
            k.Limits.MaxRequestLineSize = MaxRequestLine;
            k.Limits.MaxRequestHeadersTotalSize = MaxRequestHeaders;
            k.Limits.MaxRequestHeaderCount = MaxHeaderCount;
            static void Listen(ListenOptions o)
            {
                o.Protocols = HttpProtocols.Http1;
                o.Use(BareRejections.Middleware);
            }
            if (ip is null) k.ListenLocalhost(port, Listen);
            else k.Listen(ip, port, Listen);
        });
        var hosts = HostPolicy.For(host);
        var hosted = store?.Hosting is { } hosting ? new HostedMachines(hosting, store.Programs) : null;
        var app = Build(builder, store, hosts, hosted);
        try
        {
            await app.StartAsync(cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await app.DisposeAsync();
            hosted?.Dispose();
            throw e as IOException ?? new IOException(FirstLine(e.Message), e);
        }
        _ = Task.Run(Warm);
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WebServer(app, new Uri(bound.EndsWith('/') ? bound : bound + "/"), hosts.Exposed, hosted);
    }

    // The first machine's state costs half a second of JIT and JSON metadata: paid at start, in the background,
    // rather than by whoever asks first (perhaps while another machine is busy).
    private static void Warm()
    {
        var m = new MachineSession(VmLab.Sim.Scenarios.Scenario.Hello);
        m.StepBy(50);
        System.Text.Json.JsonSerializer.Serialize(Stream.Null, m.Snapshot(), WebJson.Options);
        System.Text.Json.JsonSerializer.Serialize(Stream.Null, TlbView.Of(m.Kernel, 1), WebJson.Options);
        System.Text.Json.JsonSerializer.Serialize(Stream.Null, m.Walk(1, 0x100000, VmLab.Sim.Paging.Access.Read), WebJson.Options);
    }

    /// <summary>The application on any server (Kestrel, or the in-memory test server).</summary>
    internal static WebApplication Build(WebApplicationBuilder builder, SessionStore? store = null, HostPolicy? hosts = null, HostedMachines? hosted = null)
    {
        hosts ??= HostPolicy.Loopback;
        builder.Services.AddRouting();
        var app = builder.Build();
        store ??= new SessionStore();
        Guards.Use(app, hosts);
        if (hosted is not null) app.Use(hosted.Handle);
        var files = new EmbeddedFileProvider(typeof(WebServer).Assembly, "VmLab.Web.wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        MachineApi.Map(app, store);
        ProgramApi.Map(app, store);
        ExerciseApi.Map(app);
        app.MapFallback("/api/{**rest}", (HttpContext ctx) => throw new BadRequest($"no API at {MachineApi.Clip(ctx.Request.Method)} {MachineApi.Clip(ctx.Request.Path)}", 404));
        return app;
    }

    /// <summary>The one line every refusal is: {"error": "..."}.</summary>
    internal static string ErrorJson(string message) =>
        System.Text.Json.JsonSerializer.Serialize(new { error = FirstLine(message) }, WebJson.Options);

    internal static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>Runs until <paramref name="cancel"/> fires (Ctrl-C) or the host is told to stop (SIGTERM).</summary>
    public Task WaitAsync(CancellationToken cancel) => _app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _hosted?.Dispose();
    }
}

/// <summary>What a server's machines run beyond the scenarios: a student's seams (<c>--workspace</c>), the user's own
/// programs (<c>--program</c>, the scenario "program"), and the quiz generator the page's quiz panel asks.</summary>
public sealed record WebOptions
{
    public SeamOverlay? Seams { get; init; }
    /// <summary>Every machine in a child process hosting a student's seams (<c>web --workspace</c>); instead of <see cref="Seams"/>.</summary>
    public MachineHosting? Hosting { get; init; }
    public IReadOnlyList<(string Name, VmLab.Sim.Elf.ProgramImage Image)>? Programs { get; init; }
    public QuizSource? Quiz { get; init; }
}

/// <summary>The `vmlab web` verb's body: start, print one line with the URL, serve until cancelled.</summary>
public static class WebHost
{
    /// <summary>Returns the exit code: 0 after Ctrl-C, 1 when the port is taken, 2 for a bad host.</summary>
    public static async Task<int> RunAsync(string host, int port, TextWriter output, TextWriter error, bool open, CancellationToken cancel,
        WebOptions? options = null)
    {
        options ??= new WebOptions();
        var seams = options.Seams ?? (options.Hosting is { } h ? new SeamOverlay(h.Source, h.Names, s => s) : null);
        WebServer server;
        try
        {
            server = await WebServer.StartAsync(host, port, options, cancel);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"vmlab web: {Printable(e.Message)}");
            return 2;
        }
        catch (IOException e)
        {
            var socket = e.InnerException as SocketException ?? e.InnerException?.InnerException as SocketException;
            string why = socket?.SocketErrorCode == SocketError.AddressAlreadyInUse || e.Message.Contains("in use", StringComparison.OrdinalIgnoreCase)
                ? "the address is in use (try --port N)"
                : socket?.SocketErrorCode == SocketError.AddressNotAvailable
                    ? "that address is not one of this machine's (try 127.0.0.1, or 0.0.0.0 for every interface)"
                    : WebServer.FirstLine(socket?.Message ?? e.InnerException?.Message ?? e.Message);
            await error.WriteLineAsync($"vmlab web: cannot listen on {Printable(MachineApi.Clip(host))}:{port}: {Printable(why)}");
            return 1;
        }
        await using (server)
        {
            await output.WriteLineAsync($"vmlab web: serving the simulated machine at {server.Url} (Ctrl-C stops)");
            if (seams is not null)
                await output.WriteLineAsync(seams.Names.Count == 0
                    ? $"vmlab web: every seam in {Printable(seams.Source)} is still the stub: the machines run the reference kernel"
                    : $"vmlab web: your seams ({Printable(seams.ToString())}, from {Printable(seams.Source)}) run in every machine; the reference kernel for the rest");
            if (options.Programs is { Count: > 0 } programs)
                await output.WriteLineAsync($"vmlab web: your programs ({Printable(string.Join(", ", programs.Select(p => p.Name)))}) are the scenario 'program', first on the page");
            if (server.Exposed)
                await error.WriteLineAsync($"vmlab web: warning: listening on {host} exposes the machines beyond this computer: " +
                                           "anyone who can reach it can create, run and delete them (there is no password)");
            if (open) OpenBrowser(server.Url, error);
            await server.WaitAsync(cancel);
        }
        return 0;
    }

    // Input echoed to a terminal: control characters would move the cursor or retitle the window.
    private static string Printable(string s) => VmLab.Sim.Text.Printable.Line(s);

    private static void OpenBrowser(Uri url, TextWriter error)
    {
        try
        {
            System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(url.ToString()) { UseShellExecute = true })?.Dispose();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            error.WriteLine($"vmlab web: could not open a browser ({e.Message.Split('\n')[0]}); open {url} yourself");
        }
    }
}
