using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace VmLab.Web;

/// <summary>
/// `vmlab web`: Kestrel serving the page (embedded in this assembly, so it works offline) and the machine API.
/// Loopback only unless a host is given explicitly.
/// </summary>
public sealed class WebServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Where the page is, e.g. http://127.0.0.1:5080/.</summary>
    public Uri Url { get; }

    /// <summary>Starts Kestrel on <paramref name="host"/>:<paramref name="port"/> (0: any free port).
    /// Throws <see cref="IOException"/> when the address is in use.</summary>
    public static async Task<WebServer> StartAsync(string host, int port, CancellationToken cancel = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            if (host == "localhost") k.ListenLocalhost(port);
            else k.Listen(IPAddress.TryParse(host, out var ip) ? ip : throw new ArgumentException($"--host: '{host}' is not an IP address (or localhost)"), port);
        });
        var app = Build(builder);
        await app.StartAsync(cancel);
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WebServer(app, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    /// <summary>The application on any server (Kestrel, or the in-memory test server).</summary>
    internal static WebApplication Build(WebApplicationBuilder builder, SessionStore? store = null)
    {
        builder.Services.AddRouting();
        var app = builder.Build();
        store ??= new SessionStore();
        app.Use(async (ctx, next) =>
        {
            try
            {
                await next(ctx);
            }
            catch (BadRequest e)
            {
                await Error(ctx, e.Status, e.Message);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException && !ctx.Response.HasStarted)
            {
                await Error(ctx, 400, FirstLine(e.Message));
            }
            catch (Exception) when (!ctx.Response.HasStarted)
            {
                await Error(ctx, 500, "internal error: the request could not be completed");
            }
        });
        var files = new EmbeddedFileProvider(typeof(WebServer).Assembly, "VmLab.Web.wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        MachineApi.Map(app, store);
        ExerciseApi.Map(app);
        app.MapFallback("/api/{**rest}", (HttpContext ctx) => throw new BadRequest($"no API at {MachineApi.Clip(ctx.Request.Path)}", 404));
        return app;
    }

    private static async Task Error(HttpContext ctx, int status, string message)
    {
        ctx.Response.Clear();
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(new { error = FirstLine(message) }, WebJson.Options));
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>Runs until <paramref name="cancel"/> fires (Ctrl-C) or the host is told to stop (SIGTERM).</summary>
    public Task WaitAsync(CancellationToken cancel) => _app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The `vmlab web` verb's body: start, print one line with the URL, serve until cancelled.</summary>
public static class WebHost
{
    /// <summary>Returns the exit code: 0 after Ctrl-C, 1 when the port is taken, 2 for a bad host.</summary>
    public static async Task<int> RunAsync(string host, int port, TextWriter output, TextWriter error, bool open, CancellationToken cancel)
    {
        WebServer server;
        try
        {
            server = await WebServer.StartAsync(host, port, cancel);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"vmlab web: {e.Message}");
            return 2;
        }
        catch (IOException e)
        {
            string why = e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("in use", StringComparison.OrdinalIgnoreCase)
                ? "the address is in use (try --port N)"
                : e.InnerException?.Message ?? e.Message;
            await error.WriteLineAsync($"vmlab web: cannot listen on {host}:{port}: {why.Split('\n')[0]}");
            return 1;
        }
        await using (server)
        {
            await output.WriteLineAsync($"vmlab web: serving the simulated machine at {server.Url} (Ctrl-C stops)");
            if (open) OpenBrowser(server.Url, error);
            await server.WaitAsync(cancel);
        }
        return 0;
    }

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
