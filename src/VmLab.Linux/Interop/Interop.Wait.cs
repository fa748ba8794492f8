using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>&lt;sys/wait.h&gt; (and kill from &lt;signal.h&gt;): reaping a forked child.</summary>
internal static unsafe partial class Interop
{
    internal static unsafe partial class Wait
    {
        internal const int WNOHANG = 1;
        internal const int SIGKILL = 9;

        // NOTE: fork and _exit are deliberately not imported. A child of a .NET process must not run managed
        // code (see Process/Fork.cs), so the fork and the child's _exit both happen in native/vmlab/fork.c.
        [LibraryImport(Libraries.Libc, EntryPoint = "waitpid", SetLastError = true)]
        internal static partial int waitpid(int pid, int* status, int options);

        [LibraryImport(Libraries.Libc, EntryPoint = "kill", SetLastError = true)]
        internal static partial int kill(int pid, int sig);

        /// <summary>WIFEXITED: the child called exit/_exit.</summary>
        internal static bool WIFEXITED(int status) => (status & 0x7f) == 0;

        /// <summary>WEXITSTATUS: its exit code.</summary>
        internal static int WEXITSTATUS(int status) => (status >> 8) & 0xff;

        /// <summary>WIFSIGNALED: a signal ended it.</summary>
        internal static bool WIFSIGNALED(int status) => (status & 0x7f) != 0 && (status & 0x7f) != 0x7f;

        /// <summary>WTERMSIG: which one.</summary>
        internal static int WTERMSIG(int status) => status & 0x7f;
    }
}
