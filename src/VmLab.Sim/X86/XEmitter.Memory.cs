using System.Reflection;
using System.Reflection.Emit;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// Memory in IL: a load or store is the host TLB's probe inline; a miss branches to the region's one shared slow
// path (the MMU walk, a fault, a store into code), which calls the CPU with nothing the region keeps in host
// registers live across the call.
internal sealed partial class XEmitter<TBus>
{
    private static readonly MethodInfo HostEntryMethod = typeof(X86Cpu<TBus>).GetMethod("HostEntry", Any)!;
    private static readonly MethodInfo HostHitMethod = typeof(X86Cpu<TBus>).GetMethod("HostHit", Static)!;
    private static readonly MethodInfo HostByteMethod = typeof(X86Cpu<TBus>).GetMethod("HostByte", Static)!;
    private static readonly MethodInfo SlowAccessMethod = typeof(X86Cpu<TBus>).GetMethod("SlowAccess", Any)!;
    private static readonly FieldInfo SpillField = typeof(X86Cpu<TBus>).GetField("Spill", Any)!;
    private static readonly FieldInfo LoadedField = typeof(X86Cpu<TBus>).GetField("_loaded", Any)!;
    private static readonly MethodInfo ReadMethod = typeof(SizedAccess).GetMethod(nameof(SizedAccess.Read))!;
    private static readonly MethodInfo WriteMethod = typeof(SizedAccess).GetMethod(nameof(SizedAccess.Write))!;

    /// <summary>Loads size bytes from the address on the stack into _t (access: Write for the read half of a
    /// read-modify-write): the host TLB's fast path inline, the region's one slow path (the MMU walk) on a miss.
    /// The address must be all the IL stack holds (the slow path is a branch to one shared block).</summary>
    private void Load(int size, Access access, Label fail)
    {
        Label slow = il.DefineLabel(), done = il.DefineLabel();
        il.Emit(OpCodes.Stloc, _ea);
        HostBytes(size, access, slow);
        il.Emit(OpCodes.Call, ReadMethod);
        il.Emit(OpCodes.Stloc, _t);
        il.Emit(OpCodes.Br, done);
        il.MarkLabel(slow);
        Slow(size | (int)access << 4, fail);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldfld, LoadedField);
        il.Emit(OpCodes.Stloc, _t);
        il.MarkLabel(done);
    }

    /// <summary>A miss: on to the shared slow path (<see cref="WriteSlowPath"/>) with how (size, access, store)
    /// and where to come back; back here, a fault branches to fail.</summary>
    private void Slow(int how, Label fail)
    {
        Label back = il.DefineLabel();
        il.Emit(OpCodes.Ldc_I4, how | _slowReturns.Count << 9);
        il.Emit(OpCodes.Stloc, _how);
        il.Emit(OpCodes.Br, _slowPath);
        _slowReturns.Add(back);
        il.MarkLabel(back);
        il.Emit(OpCodes.Ldloc, _ok);
        il.Emit(OpCodes.Brfalse, fail);
    }

    /// <summary>
    /// The region's one call of the slow path, which every access's miss branches to: the guest registers, the
    /// flags record and the scratch values go to the CPU before the call and come back after it, so that nothing
    /// the region keeps in host registers is live across a call. A call per access (each with the whole region
    /// live across it) made the JIT keep guest registers and flags on the stack in hot loops, and a miss is rare
    /// (a page's first access since the host TLB was emptied, an access that crosses a page, a store into code).
    /// </summary>
    private void WriteSlowPath()
    {
        if (_slowReturns.Count == 0) return;
        il.MarkLabel(_slowPath);
        StoreState();
        LocalBuilder[] scratch = [_a, _b, _v, _ea, _next, _t];
        for (int i = 0; i < scratch.Length; i++)
        {
            SpillSlot(i);
            il.Emit(OpCodes.Ldloc, scratch[i]);
            il.Emit(OpCodes.Stind_I8);
        }
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldloc, _ea);
        il.Emit(OpCodes.Ldloc, _v);
        il.Emit(OpCodes.Ldloc, _how);
        il.Emit(OpCodes.Call, SlowAccessMethod);
        il.Emit(OpCodes.Stloc, _ok);
        LoadState();
        for (int i = 0; i < scratch.Length; i++)
        {
            SpillSlot(i);
            il.Emit(OpCodes.Ldind_I8);
            il.Emit(OpCodes.Stloc, scratch[i]);
        }
        il.Emit(OpCodes.Ldloc, _how);
        il.Emit(OpCodes.Ldc_I4, 9);
        il.Emit(OpCodes.Shr_Un);
        il.Emit(OpCodes.Switch, _slowReturns.ToArray());
        il.Emit(OpCodes.Ldc_I4, (int)StopReason.Budget);   // not reached: every miss comes back
        il.Emit(OpCodes.Ret);
    }

    private void SpillSlot(int i)
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, SpillField);
        if (i == 0) return;
        il.Emit(OpCodes.Ldc_I4, i * 8);
        il.Emit(OpCodes.Add);
    }

    /// <summary>The host TLB's probe for the size bytes at _ea (<see cref="X86Cpu{TBus}.HostRead"/> in its parts, so
    /// that a miss branches to slow straight from the tag compare; access Write for a store): leaves the host
    /// bytes' reference and size on the stack for SizedAccess.</summary>
    private void HostBytes(int size, Access access, Label slow)
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldloc, _ea);
        il.Emit(OpCodes.Ldc_I4, (int)access);
        il.Emit(OpCodes.Call, HostEntryMethod);
        il.Emit(OpCodes.Stloc, _entry);
        il.Emit(OpCodes.Ldloc, _entry);
        il.Emit(OpCodes.Ldloc, _ea);
        il.Emit(OpCodes.Ldc_I4, size);
        il.Emit(OpCodes.Call, HostHitMethod);
        il.Emit(OpCodes.Brfalse, slow);
        il.Emit(OpCodes.Ldloc, _entry);
        il.Emit(OpCodes.Ldloc, _ea);
        il.Emit(OpCodes.Call, HostByteMethod);
        il.Emit(OpCodes.Ldc_I4, size);
    }

    /// <summary>Stores _v's low size bytes at _ea, the same way. With last (the store and then tail are the
    /// instruction's last effects), the check for a store into code is made here, on the slow path only: a page
    /// this run executes from never has a write entry, so a store that hits cannot have written code.</summary>
    private void Store(int size, Label fail, bool last = false, Action? tail = null)
    {
        Label slow = il.DefineLabel(), done = il.DefineLabel();
        HostBytes(size, Access.Write, slow);
        il.Emit(OpCodes.Ldloc, _v);
        il.Emit(OpCodes.Call, WriteMethod);
        tail?.Invoke();
        il.Emit(OpCodes.Br, done);
        il.MarkLabel(slow);
        Slow(size | 0x100, fail);
        tail?.Invoke();
        if (last) CodeWrittenCheck();
        il.MarkLabel(done);
    }
}
