using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using VmLab.Linux;

namespace VmLab.Labs.Grading;

/// <summary>
/// Ctrl-C or SIGTERM in the middle of grading: the builds and test children run in process groups of their own
/// (the terminal's Ctrl-C does not reach them), so the grader kills them itself, and removes its temporary
/// directories, before the signal ends it.
/// </summary>
internal static class Interruption
{
    private static readonly ConcurrentDictionary<string, byte> Dirs = new();
    private static readonly Lazy<PosixSignalRegistration[]> Handlers = new(() =>
        [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)]);

    /// <summary>A directory to remove if grading is interrupted; forget it with <see cref="Forget"/>.</summary>
    public static void Own(string dir)
    {
        _ = Handlers.Value;
        Dirs[dir] = 0;
    }

    public static void Forget(string dir) => Dirs.TryRemove(dir, out _);

    private static void OnSignal(PosixSignalContext context)
    {
        LimitedProcess.KillAll();
        foreach (string dir in Dirs.Keys)
        {
            try
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a child still writing there: nothing more can be done while the process ends
            }
        }
    }
}
