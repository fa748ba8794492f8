using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.WebUtilities;

namespace VmLab.Web;

/// <summary>
/// Kestrel refuses a request it cannot parse (a request line or headers over its limits, malformed syntax, an
/// HTTP version it does not speak) before any application code runs, with a bodiless answer such as
/// "414 URI Too Long, Content-Length: 0, Connection: close", and offers no hook to change it. This connection
/// middleware recognises that answer on its way out (a whole 4xx/5xx head with Content-Length: 0 and
/// Connection: close, flushed on its own) and gives it the API's one-line JSON body, so every refusal a client
/// sees says what went wrong. Everything else passes through unchanged.
/// </summary>
internal static class BareRejections
{
    /// <summary>Wraps each connection's output.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => connection =>
    {
        connection.Transport = new Duplex(connection.Transport.Input, new Writer(connection.Transport.Output));
        return next(connection);
    };

    /// <summary>The JSON answer for a bare refusal head, or null when <paramref name="chunk"/> is anything else.</summary>
    internal static byte[]? Rewrite(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length is < 16 or > Writer.Window || !chunk.StartsWith("HTTP/1.1 "u8) || chunk[9] is not ((byte)'4' or (byte)'5')
            || !chunk.EndsWith("\r\n\r\n"u8) || chunk.IndexOf("\r\n\r\n"u8) != chunk.Length - 4
            || chunk.IndexOf("\r\nContent-Length: 0\r\n"u8) < 0 || chunk.IndexOf("\r\nConnection: close\r\n"u8) < 0
            || !int.TryParse(chunk.Slice(9, 3), out int status))
            return null;
        byte[] body = Encoding.UTF8.GetBytes(WebServer.ErrorJson(Message(status)));
        var head = new StringBuilder($"HTTP/1.1 {status} {ReasonPhrases.GetReasonPhrase(status)}\r\n");
        head.Append("Content-Type: application/json\r\n").Append($"Content-Length: {body.Length}\r\n");
        foreach (string line in Encoding.ASCII.GetString(chunk[..^4]).Split("\r\n").Skip(1))
            if (!line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) head.Append(line).Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), .. body];
    }

    private static string Message(int status) => status switch
    {
        400 => "the request is not valid HTTP/1.1 (its request line or a header is malformed)",
        408 => "the request's headers did not arrive in time",
        411 => "a request with a body needs a Content-Length",
        413 => $"the request body is larger than {WebServer.MaxBody} bytes",
        414 => $"the request line (method, URL, version) is longer than {WebServer.MaxRequestLine} bytes",
        431 => $"the request headers are larger than {WebServer.MaxRequestHeaders} bytes (or more than {WebServer.MaxHeaderCount} of them)",
        505 => "only HTTP/1.1 and HTTP/1.0 are spoken here",
        _ => $"the request was refused ({status} {ReasonPhrases.GetReasonPhrase(status)})",
    };

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>Holds what was written since the last flush while it is short enough to be a refusal head.</summary>
    private sealed class Writer(PipeWriter inner) : PipeWriter
    {
        internal const int Window = 1024;
        private readonly ArrayBufferWriter<byte> _pending = new(Window);
        private bool _passing;        // this flush's bytes already went on: too long to be a bare refusal

        public override Memory<byte> GetMemory(int sizeHint = 0) => _passing ? inner.GetMemory(sizeHint) : _pending.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _passing ? inner.GetSpan(sizeHint) : _pending.GetSpan(sizeHint);

        public override void Advance(int bytes)
        {
            if (_passing)
            {
                inner.Advance(bytes);
                return;
            }
            _pending.Advance(bytes);
            if (_pending.WrittenCount <= Window) return;
            Release();
            _passing = true;
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            if (!_passing && Rewrite(_pending.WrittenSpan) is { } json)
            {
                _pending.ResetWrittenCount();
                inner.Write(json);
            }
            Release();
            _passing = false;
            return inner.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _pending.WrittenCount + (inner.CanGetUnflushedBytes ? inner.UnflushedBytes : 0);

        public override void Complete(Exception? exception = null)
        {
            Release();
            inner.Complete(exception);
        }

        public override ValueTask CompleteAsync(Exception? exception = null)
        {
            Release();
            return inner.CompleteAsync(exception);
        }

        private void Release()
        {
            if (_pending.WrittenCount == 0) return;
            inner.Write(_pending.WrittenSpan);
            _pending.ResetWrittenCount();
        }
    }
}
