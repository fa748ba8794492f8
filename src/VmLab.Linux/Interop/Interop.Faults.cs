using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>libvmlab's fault regions and rep movsb (native/vmlab/regions.h). Policy values match enum vmlab_policy.</summary>
internal static unsafe partial class Interop
{
    internal static unsafe partial class Faults
    {
        internal const int VMLAB_POLICY_MAKE_ACCESSIBLE = 1;
        internal const int VMLAB_POLICY_MAKE_READABLE = 2;
        internal const int VMLAB_POLICY_MAP_FRESH_PAGE = 3;
        internal const int VMLAB_POLICY_SPLIT_ON_WRITE = 4;

        /// <summary>0 and *out on success; -1 with errno (EINVAL, EEXIST, ENOMEM).</summary>
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_region_add", SetLastError = true)]
        internal static partial int vmlab_region_add(nint start, nuint length, int policy, nuint logCapacity, out nint region);

        // NOTE: the region pointer is invalid once this returns 0; the caller must drop it.
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_region_remove", SetLastError = true)]
        internal static partial int vmlab_region_remove(nint region, out ulong faults);

        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_region_faults")]
        internal static partial ulong vmlab_region_faults(nint region);

        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_region_refused")]
        internal static partial ulong vmlab_region_refused(nint region);

        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_region_log")]
        internal static partial nuint vmlab_region_log(nint region, ulong* output, nuint capacity);

        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_region_count")]
        internal static partial nuint vmlab_region_count();

        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_region_retired")]
        internal static partial nuint vmlab_region_retired();

        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_fault_chained")]
        internal static partial ulong vmlab_fault_chained();

        // NOTE: a fault inside this call is raised in native code (the thread is in preemptive mode); the
        // resolver cures it and the instruction resumes. An uncured one reaches the runtime as a native crash.
        [LibraryImport(Libraries.VmLab, EntryPoint = "vmlab_rep_movsb")]
        internal static partial void vmlab_rep_movsb(void* dst, void* src, nuint length);
    }
}
