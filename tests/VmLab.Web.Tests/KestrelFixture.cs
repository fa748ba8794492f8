using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace VmLab.Web.Tests;

/// <summary>The server as `vmlab web` starts it: Kestrel on a free loopback port, with raw-socket access for
/// requests no HTTP client would send.</summary>
public sealed class KestrelFixture : IAsyncLifetime
{
    internal WebServer Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public int Port => Server.Url.Port;

    public async Task InitializeAsync()
    {
        Server = await WebServer.StartAsync("127.0.0.1", 0);
        Client = new HttpClient { BaseAddress = Server.Url, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
    }

    /// <summary>A response as it came off the wire.</summary>
    public sealed record Raw(int Status, string Head, string Body)
    {
        public string Error => JsonDocument.Parse(Body).RootElement.GetProperty("error").GetString()!;
    }

    /// <summary>Sends <paramref name="request"/> (and <paramref name="bodyBytes"/> zero bytes after it) on a fresh
    /// connection and reads until the server closes it or (unless <paramref name="untilClosed"/>) a whole response has arrived.</summary>
    public async Task<Raw> Send(string request, long bodyBytes = 0, bool untilClosed = false)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", Port);
        var stream = tcp.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), timeout.Token);
        var zeros = new byte[64 * 1024];
        for (long sent = 0; sent < bodyBytes; sent += zeros.Length)
            await stream.WriteAsync(zeros.AsMemory(0, (int)Math.Min(zeros.Length, bodyBytes - sent)), timeout.Token);
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        Raw? response = null;
        while (response is null && (n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, n);
            if (!untilClosed) response = Parse(Encoding.UTF8.GetString(received.ToArray()), complete: false);
        }
        return response ?? Parse(Encoding.UTF8.GetString(received.ToArray()), complete: true)
            ?? throw new Xunit.Sdk.XunitException($"no response in '{Encoding.UTF8.GetString(received.ToArray())}'");
    }

    // The first response once it is whole (by Content-Length or chunks); with complete, whatever arrived before the
    // server closed. A chunked body comes back unchunked, followed by anything after it (a pipelined answer).
    private static Raw? Parse(string text, bool complete)
    {
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0) return null;
        string head = text[..split], rest = text[(split + 4)..];
        var length = System.Text.RegularExpressions.Regex.Match(head, @"(?im)^content-length:\s*(\d+)");
        if (length.Success)
            return rest.Length >= int.Parse(length.Groups[1].Value) || complete ? new Raw(int.Parse(head.AsSpan(9, 3)), head, rest) : null;
        if (!head.Contains("chunked", StringComparison.OrdinalIgnoreCase)) return complete ? new Raw(int.Parse(head.AsSpan(9, 3)), head, rest) : null;
        var body = new StringBuilder();
        int at = 0;
        while (true)
        {
            int eol = rest.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (eol < 0) return null;
            int size = Convert.ToInt32(rest[at..eol], 16);
            if (eol + 2 + size + 2 > rest.Length) return null;
            if (size == 0)
            {
                string after = rest[(eol + 4)..];
                return after.Length > 0 && !complete ? null : new Raw(int.Parse(head.AsSpan(9, 3)), head, body.Append(after).ToString());
            }
            body.Append(rest, eol + 2, size);
            at = eol + 2 + size + 2;
        }
    }
}
