using System.Net.Sockets;
using VmLab.Labs.Grading;
using VmLab.Linux;

namespace VmLab.Labs.Build;

/// <summary>
/// One child process hosting a student's seams behind a machine server on a Unix socket (<c>web --workspace</c> starts
/// one per machine): started as <see cref="SeamHost"/> starts its children, killed with its process group on Dispose.
/// When it dies (a stack overflow, memory exhausted) <see cref="WhyGone"/> says why in one line naming the seam.
/// </summary>
public sealed class SeamServer : IDisposable
{
    /// <summary>How long one child may live: the server's idle limit ends machines well before.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private readonly CancellationTokenSource _stop = new();
    private readonly string _dir;
    private readonly SeamRequest _request;
    private readonly string _stderr;
    private readonly Sandbox _sandbox;
    private Task<ChildExit> _run = null!;

    private SeamServer(string dir, SeamRequest request, string stderr, Sandbox sandbox)
    {
        (_dir, _request, _stderr, _sandbox) = (dir, request, stderr, sandbox);
        Handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(request.Socket!), cancel);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }

    /// <summary>Talks HTTP to the child's server over its socket.</summary>
    public HttpMessageHandler Handler { get; }

    /// <summary>Starts the child and waits until its server listens. Throws <see cref="SeamCrashException"/> with why
    /// when it ends first, or does not listen within 60 s.</summary>
    /// <param name="programs">the user's own programs (<c>web --program</c>), by name, as ELF bytes: written where the
    /// child can read them and handed to it as <c>--program</c></param>
    public static async Task<SeamServer> StartAsync(StudentBuild build, TimeSpan callLimit, CancellationToken cancel,
        IReadOnlyList<(string Name, byte[] Elf)>? programs = null, Sandbox? sandbox = null, ChildLauncher? launcher = null)
    {
        sandbox ??= Sandbox.Current;
        string dir = Directory.CreateTempSubdirectory("vmlab-seam-server-").FullName;
        Interruption.Own(dir);
        var files = new List<string>();
        foreach (var (name, elf) in programs ?? [])
        {
            string path = Path.Combine(Directory.CreateDirectory(Path.Combine(dir, "programs", $"{files.Count}")).FullName, $"{name}.elf");
            File.WriteAllBytes(path, elf);
            files.Add(path);
        }
        string[] args = files.Count == 0 ? [] : ["--program", string.Join(',', files)];
        var (request, start) = SeamHost.Prepare(build, args, Path.Combine(dir, "machine.sock"), dir, callLimit, Lifetime, sandbox,
            launcher ?? ChildLauncher.Locate("run-seams"));
        var server = new SeamServer(dir, request, start.StderrPath, sandbox);
        start = start with { Cancel = server._stop.Token };
        server._run = Task.Factory.StartNew(() => LimitedProcess.Run(start).Exit, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            // The socket file appears when the child's server binds it, a moment before it listens: a connection
            // attempt in between is refused (on a loaded machine for long enough to matter), so wait for one that works
            while (!await Listening(request.Socket!, cancel))
            {
                if (server._run.IsCompleted) throw new SeamCrashException(server.WhyGone() ?? "the child ended");
                if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new SeamCrashException("your kernel's process did not start within 60 s");
                await Task.Delay(20, cancel);
            }
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private static async Task<bool> Listening(string socket, CancellationToken cancel)
    {
        if (!File.Exists(socket)) return false;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream,
            ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancel);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Why the child ended, once it has; null while it runs. Asked when its connection broke, so the child
    /// is usually dying: a .NET runtime aborting on a loaded machine can take seconds to be reaped, hence the wait.</summary>
    public string? WhyGone()
    {
        if (!_run.Wait(TimeSpan.FromSeconds(10))) return null;
        // A child that refused the seams (no class implements IFork...) said so in its result.
        if (Protocol.Read<SeamResult>(_request.Result) is { Schema: SeamResult.Version } result && result.SignedWith(_request.Key) && result.Stderr.Trim() is { Length: > 0 } said)
            return said.Split('\n')[0];
        return SeamHost.Explain(_run.Result, SeamMarker.Read(_request.Marker), Tools.ReadHead(_stderr, 64 << 10), Lifetime, _sandbox);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _run?.Wait(TimeSpan.FromSeconds(10));
        Handler.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // the child is gone; a file it held open goes with the temp dir's next cleanup
        }
        Interruption.Forget(_dir);
        _stop.Dispose();
    }
}
