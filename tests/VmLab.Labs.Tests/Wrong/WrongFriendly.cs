namespace VmLab.Labs.Tests.Wrong;

/// <summary>Wrong libetsbefriends.c versions, compiled by the tests into shared libraries.</summary>
internal static class WrongFriendly
{
    private const string Head = """
        #define _GNU_SOURCE
        #include <signal.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>

        """;

    /// <summary>A handler with one message: friendly, but never random.</summary>
    public const string OneMessage = Head + """
        static void handler(int sig) { (void)sig; write(2, "Keep going!\n", 12); _exit(11); }
        __attribute__((constructor)) static void init(void) { signal(SIGSEGV, handler); }
        """;

    /// <summary>Random messages, but no alternate stack: a stack overflow still kills the program.</summary>
    public const string NoAltStack = Head + """
        static const char *m[] = { "one\n", "two\n", "three\n", "four\n", "five\n", "six\n", "seven\n", "eight\n", "nine\n" };
        static void handler(int sig) { (void)sig; const char *s = m[rand() % 9]; write(2, s, strlen(s)); _exit(11); }
        __attribute__((constructor)) static void init(void) {
            srand((unsigned)getpid());
            struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = handler;
            sigaction(SIGSEGV, &sa, 0);
        }
        """;

    /// <summary>Compiles source into a fresh libetsbefriends.so; its path.</summary>
    public static string Build(string source)
    {
        string dir = Path.Combine(Path.GetTempPath(), "vmlab-wrong-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "lib.c"), source);
        var psi = new System.Diagnostics.ProcessStartInfo("cc", ["-shared", "-fPIC", "-o", Path.Combine(dir, "libetsbefriends.so"), Path.Combine(dir, "lib.c")])
            { RedirectStandardError = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("cc failed: " + err);
        return Path.Combine(dir, "libetsbefriends.so");
    }
}
