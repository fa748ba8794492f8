using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>native/vmlab/fork.h: fork with a C-only child.</summary>
internal static unsafe partial class Interop
{
    internal static unsafe partial class VmLabFork
    {
        internal const uint VMLAB_TOUCH_PAGEMAP = 1;
        internal const uint VMLAB_TOUCH_INTERLEAVE = 2;
        internal const int VMLAB_TOUCH_MAX_PASSES = 4;

        /// <summary>struct vmlab_touch_plan, field for field.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct vmlab_touch_plan
        {
            public ulong @base;
            public ulong pages;
            public ulong page_size;
            public ulong words_per_page;
            public ulong value;
            public uint passes;
            public uint flags;
        }

        /// <summary>struct vmlab_touch_result without its trailing data[] (four arrays of `pages` words).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct vmlab_touch_result
        {
            public ulong done;
            public int pagemap_errno;
            public int kpagecount_errno;
            public fixed ulong pass_ns[VMLAB_TOUCH_MAX_PASSES];
            public ulong value_before;
            public ulong value_after;
            public ulong child_pid;
        }

        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_touch_result_size")]
        internal static partial ulong vmlab_touch_result_size(ulong pages);

        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_fork_touch", SetLastError = true)]
        internal static partial int vmlab_fork_touch(vmlab_touch_plan* plan, vmlab_touch_result* result);
    }
}
