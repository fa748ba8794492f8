using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

/// <summary>
/// Each <see cref="XCode"/>'s method in <see cref="XOps{TBus}"/>, found by its name: the interpreter's table of
/// function pointers and the block translator's methods to call. Nothing lists the instructions by hand: an
/// instruction is its code plus a method of the same name. Resolved on first use, one code at a time.
/// </summary>
internal static unsafe class XDispatch<TBus> where TBus : IMemoryBus
{
    private static readonly delegate*<X86Cpu<TBus>, ref GeneralRegisters, ref LazyFlags, ref ulong, XForm, int, int, int, int, int, int, bool, long, long, int, bool>[] s_table =
        new delegate*<X86Cpu<TBus>, ref GeneralRegisters, ref LazyFlags, ref ulong, XForm, int, int, int, int, int, int, bool, long, long, int, bool>[Enum.GetValues<XCode>().Length];

    /// <summary>The function pointer for code (filled in the first time it is asked for).</summary>
    public static delegate*<X86Cpu<TBus>, ref GeneralRegisters, ref LazyFlags, ref ulong, XForm, int, int, int, int, int, int, bool, long, long, int, bool> Get(XCode code)
    {
        var p = s_table[(int)code];
        if (p != null) return p;
        p = (delegate*<X86Cpu<TBus>, ref GeneralRegisters, ref LazyFlags, ref ulong, XForm, int, int, int, int, int, int, bool, long, long, int, bool>)Method(code).MethodHandle.GetFunctionPointer();
        s_table[(int)code] = p;
        return p;
    }

    /// <summary>The method that defines code (the one the translator's IL calls).</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2080", Justification = "XOps<TBus>'s methods are kept: the interpreter reaches every one through this lookup.")]
    public static MethodInfo Method(XCode code) =>
        typeof(XOps<TBus>).GetMethod(code.ToString(), BindingFlags.NonPublic | BindingFlags.Static)
        ?? throw new InvalidOperationException($"XOps has no method for {code}");
}
