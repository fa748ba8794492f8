namespace VmLab.Linux;

/// <summary>The thin interop layer: one partial class per libc header, all library names here.</summary>
internal static partial class Interop
{
    internal static class Libraries
    {
        internal const string Libc = "libc";

        /// <summary>Built from native/vmlab by the build and copied next to this assembly.</summary>
        internal const string VmLab = "vmlab";
    }
}
