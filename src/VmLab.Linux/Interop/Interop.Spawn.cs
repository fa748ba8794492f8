using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>&lt;spawn.h&gt;, &lt;signal.h&gt;'s sigset calls, &lt;sys/resource.h&gt; and waitid: starting a bounded child.</summary>
internal static unsafe partial class Interop
{
    internal static unsafe partial class Spawn
    {
        // glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336; sigset_t is 128. Callers
        // allocate these sizes (rounded up) so the layouts never need declaring.
        internal const int FileActionsSize = 256, AttrSize = 512, SigsetSize = 128, SiginfoSize = 128;

        internal const short POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;
        internal const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_TRUNC = 0x200;

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_init")]
        internal static partial int posix_spawn_file_actions_init(void* actions);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_destroy")]
        internal static partial int posix_spawn_file_actions_destroy(void* actions);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int posix_spawn_file_actions_addopen(void* actions, int fd, string path, int flags, uint mode);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_adddup2")]
        internal static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newfd);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_addchdir_np", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int posix_spawn_file_actions_addchdir_np(void* actions, string path);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_init")]
        internal static partial int posix_spawnattr_init(void* attr);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_destroy")]
        internal static partial int posix_spawnattr_destroy(void* attr);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setflags")]
        internal static partial int posix_spawnattr_setflags(void* attr, short flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setpgroup")]
        internal static partial int posix_spawnattr_setpgroup(void* attr, int pgroup);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setsigdefault")]
        internal static partial int posix_spawnattr_setsigdefault(void* attr, void* sigset);

        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setsigmask")]
        internal static partial int posix_spawnattr_setsigmask(void* attr, void* sigset);

        // NOTE: returns the error number itself (0 on success); errno is not set.
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int posix_spawn(int* pid, string path, void* actions, void* attr, byte** argv, byte** envp);

        [LibraryImport(Libraries.Libc, EntryPoint = "sigemptyset")]
        internal static partial int sigemptyset(void* set);

        [LibraryImport(Libraries.Libc, EntryPoint = "sigfillset")]
        internal static partial int sigfillset(void* set);

        internal const int RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_NPROC = 6;

        [StructLayout(LayoutKind.Sequential)]
        internal struct RLimit
        {
            public ulong rlim_cur;
            public ulong rlim_max;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "prlimit", SetLastError = true)]
        internal static partial int prlimit(int pid, int resource, RLimit* newLimit, RLimit* oldLimit);

        [LibraryImport(Libraries.Libc, EntryPoint = "setpgid", SetLastError = true)]
        internal static partial int setpgid(int pid, int pgid);

        internal const int P_PID = 1, WEXITED = 4, WNOWAIT = 0x01000000;

        // siginfo_t's si_pid is the int at byte offset 16 on x86-64 Linux (after si_signo, si_errno, si_code, padding).
        internal const int SiginfoPidOffset = 16;

        [LibraryImport(Libraries.Libc, EntryPoint = "waitid", SetLastError = true)]
        internal static partial int waitid(int idtype, int id, void* info, int options);
    }
}
