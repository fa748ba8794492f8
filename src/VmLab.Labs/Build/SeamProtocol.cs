using System.IO.MemoryMappedFiles;
using System.Text.Json.Serialization;
using VmLab.Labs.Grading;

namespace VmLab.Labs.Build;

// The typed protocol between a command that runs a student's seams (`sim run --workspace`, `sim memory --workspace`,
// `web --workspace`) and the child process that hosts them, the grader's protocol (Grading/Protocol.cs) for a run
// instead of a test: one request document, read and deleted by the child; one result document, written by the
// child's host code after the run returned and signed with a key only the request held. Beside them the marker file
// says which seam was running, so a child that died (a stack overflow cannot be caught) can still be explained.

/// <summary>What the child runs: vmlab's own command line (<see cref="Args"/>) or, for a server, a machine server on a
/// Unix socket (<see cref="Socket"/>), with the seams of <see cref="Exercises"/> from <see cref="Assembly"/>.</summary>
public sealed record SeamRequest(
    [property: JsonRequired] string Schema,
    [property: JsonRequired] IReadOnlyList<string> Args,
    [property: JsonRequired] string? Socket,
    [property: JsonRequired] string Workspace,
    [property: JsonRequired] IReadOnlyList<string> Exercises,
    [property: JsonRequired] string Assembly,
    [property: JsonRequired] string Result,
    [property: JsonRequired] string Marker,
    [property: JsonRequired] double CallLimitSeconds,
    [property: JsonRequired] TestLimits Limits,
    [property: JsonRequired] string Key)
{
    public const string Version = "vmlab-seam-request/1";
}

/// <summary>What the command printed in the child and its exit code.</summary>
public sealed record SeamResult(
    [property: JsonRequired] string Schema,
    [property: JsonRequired] int ExitCode,
    [property: JsonRequired] string Stdout,
    [property: JsonRequired] string Stderr,
    [property: JsonRequired] string Mac)
{
    public const string Version = "vmlab-seam-result/1";

    public static string Sign(string keyHex, int exitCode, string stdout, string stderr) =>
        Protocol.Mac(keyHex, $"{exitCode}\n{stdout.Length}\n{stdout}{stderr}");

    public bool SignedWith(string keyHex) => Protocol.MacMatches(Mac, Sign(keyHex, ExitCode, Stdout, Stderr));
}

/// <summary>
/// Which student seam is running, in a small shared file: the child sets it on every call into student code and
/// clears it on the way out; the parent reads it when the child died or hung. The seam entered last stays in a second
/// slot: a runtime that aborts for want of memory does so just after the call that took it all has returned. Writes
/// are plain stores into a mapped page, cheap enough for every pipe read and write.
/// </summary>
public static class SeamMarker
{
    private const int Slot = 64, Size = 2 * Slot;
    private static MemoryMappedViewAccessor? s_view;

    /// <summary>Creates the marker file (the parent, before the child starts).</summary>
    public static void Create(string path) => File.WriteAllBytes(path, new byte[Size]);

    /// <summary>The child maps the file; until then Enter and Leave do nothing (in-process runs, tests).</summary>
    public static void Open(string path)
    {
        using var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, Size, MemoryMappedFileAccess.ReadWrite);
        s_view = file.CreateViewAccessor(0, Size);
    }

    /// <summary>Marks <paramref name="seam"/> as running; returns what was marked before (a seam calling a seam).</summary>
    public static string? Enter(string seam)
    {
        if (s_view is not { } view) return null;
        string? before = Get(view, 0);
        Set(view, 0, seam);
        Set(view, Slot, seam);
        return before;
    }

    /// <summary>Back to <paramref name="before"/> (null: no student code running).</summary>
    public static void Leave(string? before)
    {
        if (s_view is { } view) Set(view, 0, before ?? "");
    }

    /// <summary>The seam running when the child ended, else the one that ran last, else null (the parent's side).</summary>
    public static string? Read(string path)
    {
        if (!File.Exists(path) || new FileInfo(path).Length != Size) return null;
        var bytes = File.ReadAllBytes(path);
        return Name(bytes.AsSpan(0, Slot)) ?? Name(bytes.AsSpan(Slot, Slot));
    }

    private static string? Name(ReadOnlySpan<byte> slot)
    {
        int n = Math.Min((int)slot[0], Slot - 1);
        string name = System.Text.Encoding.UTF8.GetString(slot.Slice(1, n));
        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? name : null;
    }

    private static string? Get(MemoryMappedViewAccessor view, int at)
    {
        int n = view.ReadByte(at);
        if (n == 0) return null;
        var bytes = new byte[Math.Min(n, Slot - 1)];
        view.ReadArray(at + 1, bytes, 0, bytes.Length);
        return System.Text.Encoding.UTF8.GetString(bytes);
    }

    private static void Set(MemoryMappedViewAccessor view, int at, string seam)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(seam);
        int n = Math.Min(bytes.Length, Slot - 1);
        view.Write(at, (byte)0);
        view.WriteArray(at + 1, bytes, 0, n);
        view.Write(at, (byte)n);
    }
}
