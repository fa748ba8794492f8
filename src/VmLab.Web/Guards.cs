using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace VmLab.Web;

/// <summary>
/// Which Host names the server answers to. A page on evil.example whose DNS name is rebound to 127.0.0.1
/// reaches a loopback server with "Host: evil.example": only the loopback names (any port: an ssh tunnel
/// keeps working) are accepted, plus the address `--host` names. `--host 0.0.0.0` (or ::) accepts any name.
/// </summary>
internal sealed record HostPolicy(IReadOnlyList<string> Names, bool Exposed)
{
    public static readonly HostPolicy Loopback = new(["localhost", "127.0.0.1", "[::1]"], Exposed: false);

    /// <summary>The policy for a server listening on <paramref name="listen"/> ("localhost" or an IP address).</summary>
    public static HostPolicy For(string listen)
    {
        if (listen == "localhost" || !IPAddress.TryParse(listen, out var ip) || IPAddress.IsLoopback(ip)) return Loopback;
        if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)) return new(["*"], Exposed: true);
        string name = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
        return new([.. Loopback.Names, name], Exposed: true);
    }
}

/// <summary>
/// The middleware every request passes before the API: refusals of every kind answered with one line of JSON
/// (exceptions, the framework's bodiless statuses, bodies over the limit), foreign Host names refused, and
/// cross-origin POSTs and DELETEs refused with 403.
/// </summary>
internal static class Guards
{
    // Bodies past WebServer.MaxBody are read and dropped up to this, so a client that sends its whole body before
    // reading the answer (most do) gets the 413 instead of a reset connection. Kestrel's hard limit.
    internal const long DrainLimit = 128L << 20;
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(10);

    public static void Use(WebApplication app, HostPolicy hosts)
    {
        app.Use(Refusals);
        app.Use((ctx, next) => KnownHost(ctx, next, hosts));
        app.Use(SameOrigin);
    }

    private static async Task Refusals(HttpContext ctx, RequestDelegate next)
    {
        try
        {
            long limit = ctx.Request.Path.StartsWithSegments("/api/programs") ? ProgramApi.MaxProgram : WebServer.MaxBody;
            if (ctx.Request.ContentLength > limit) throw new BadRequest($"the request body is larger than {limit} bytes", 413);
            await next(ctx);
            // A refusal without a body (host filtering, routing's 405, no page here): the status says it in JSON.
            if (!ctx.Response.HasStarted && ctx.Response.StatusCode >= 400 && ctx.Response.ContentLength is null or 0
                && string.IsNullOrEmpty(ctx.Response.ContentType))
                await Write(ctx, ctx.Response.StatusCode, StatusMessage(ctx));
        }
        catch (BadRequest e) when (!ctx.Response.HasStarted)
        {
            await Refuse(ctx, e.Status, e.Message);
        }
        catch (BadHttpRequestException e) when (!ctx.Response.HasStarted)
        {
            await Refuse(ctx, e.StatusCode, e.StatusCode == 413 ? $"the request body is larger than {WebServer.MaxBody} bytes"
                : $"the request body is malformed ({WebServer.FirstLine(e.Message)})");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException && !ctx.Response.HasStarted)
        {
            await Write(ctx, 400, e.Message);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody to answer.
        }
        catch (OutOfMemoryException) when (!ctx.Response.HasStarted)
        {
            // Where memory is capped (a machine hosting a student's seams runs in a child with a memory limit) the
            // allocation that fails may be anyone's, not the seam's own: said as what it is, not as a server fault
            await Write(ctx, 503, "out of memory while answering this request (a seam or program holding too much?)");
        }
        catch (Exception e) when (!ctx.Response.HasStarted && FromKestrel(e))
        {
            // Kestrel's own parsing of what the client sent (a chunk size past 2^31 overflows there): bad input
            await Write(ctx, 400, "the request body is malformed");
        }
        catch (Exception) when (!ctx.Response.HasStarted)
        {
            await Write(ctx, 500, "internal error: the request could not be completed");
        }
    }

    private static bool FromKestrel(Exception e) =>
        e.TargetSite?.DeclaringType?.Namespace?.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true;

    private static async Task Refuse(HttpContext ctx, int status, string message)
    {
        if (status == 413) await Drain(ctx);
        await Write(ctx, status, message);
    }

    // A client that announced Expect: 100-continue has not sent its body and will not: nothing to drain.
    private static async Task Drain(HttpContext ctx)
    {
        if (ctx.Request.Headers.Expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase)) return;
        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = DrainLimit;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        timeout.CancelAfter(DrainTime);
        var buffer = new byte[16 * 1024];
        try
        {
            long total = 0;
            int n;
            while (total < DrainLimit && (n = await ctx.Request.Body.ReadAsync(buffer, timeout.Token)) > 0) total += n;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            // Past the limit or too slow: Kestrel closes the connection after the answer.
        }
    }

    // The framework's matcher (what its host filtering uses: names, *.wildcards, any port).
    private static Task KnownHost(HttpContext ctx, RequestDelegate next, HostPolicy hosts) =>
        HostString.MatchesAny(ctx.Request.Host.Host, [.. hosts.Names]) ? next(ctx)
            : Write(ctx, 400, $"this server answers to {string.Join(", ", hosts.Names)} only, not to Host '{MachineApi.Clip(ctx.Request.Host.Value)}' " +
                              "(vmlab web --host ADDRESS serves other names)");

    private static Task SameOrigin(HttpContext ctx, RequestDelegate next)
    {
        if (HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method) || HttpMethods.IsOptions(ctx.Request.Method))
            return next(ctx);
        var origins = ctx.Request.Headers.Origin;
        if (origins.Count == 0) return next(ctx);       // not a browser (curl, scripts): nothing to forge
        string own = $"{ctx.Request.Scheme}://{ctx.Request.Host}";
        if (origins.Count == 1 && string.Equals(origins[0], own, StringComparison.OrdinalIgnoreCase)) return next(ctx);
        return Write(ctx, 403, $"cross-origin {ctx.Request.Method} refused: a page from '{MachineApi.Clip(origins.ToString())}' may not drive the server at {own}");
    }

    private static string StatusMessage(HttpContext ctx) => ctx.Response.StatusCode switch
    {
        404 => $"nothing answers {MachineApi.Clip(ctx.Request.Method)} {MachineApi.Clip(ctx.Request.Path)}",
        405 => $"{MachineApi.Clip(ctx.Request.Method)} is not allowed on {MachineApi.Clip(ctx.Request.Path)}",
        413 => $"the request body is larger than {WebServer.MaxBody} bytes",
        var s => $"the request was refused ({s} {ReasonPhrases.GetReasonPhrase(s)})",
    };

    internal static async Task Write(HttpContext ctx, int status, string message)
    {
        ctx.Response.Clear();
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        if (status == 429) ctx.Response.Headers.RetryAfter = "1";
        await ctx.Response.WriteAsync(WebServer.ErrorJson(message));
    }
}
