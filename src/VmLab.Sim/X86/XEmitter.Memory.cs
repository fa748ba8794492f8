using System.Reflection;
using System.Reflection.Emit;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// Memory in IL: a load or store is the host TLB's probe inline; a miss leaves the region for the interpreter
// (Miss) or, in a page that keeps missing, branches to the region's one shared slow path (the MMU walk, a fault, a
// store into code), which calls the CPU with nothing the region keeps in host registers live across the call.
internal sealed partial class XEmitter<TBus>
{
    private static readonly MethodInfo SlowAccessMethod = typeof(X86Cpu<TBus>).GetMethod("SlowAccess", Any)!;
    private static readonly FieldInfo SpillField = typeof(X86Cpu<TBus>).GetField("Spill", Any)!;
    private static readonly FieldInfo LoadedField = typeof(X86Cpu<TBus>).GetField("_loaded", Any)!;

    /// <summary>What a region returns, or'ed into StopReason.Budget, when it left at an access its host TLB missed
    /// (<see cref="Miss"/>).</summary>
    public const int MissExit = 0x100;

    // a region compiled to leave at a miss, and the way out of the instruction being emitted when it does
    private readonly bool _missExits;
    private Label? _miss;
    // whether the instruction being emitted called a definition that stores (its own memory path notices a store
    // into code)
    private bool _calledStore;

    /// <summary>Where an access of a region compiled with miss exits goes when the host TLB misses: out of the
    /// region, as a fault leaves (rip on the instruction, the state as it found it, the rest of the piece
    /// refunded), for the interpreter to make the access the full way (the MMU walk, the fill, a fault, a store into
    /// code) and carry on. The shared slow path (<see cref="WriteSlowPath"/>) joins every access of a region to
    /// every other through one block, and reloads the guest registers there: the JIT then builds a phi for each
    /// live register at each access, and SSA, value numbering and the register allocator's time grows with their
    /// product (gcc -O2's Fibonacci: 37 -> 17 ms for one region, all its regions 184-200 -> 107-110 ms). A page
    /// whose regions miss often is compiled again with the slow path (<see cref="XJit{TBus}.MissLimit"/>).</summary>
    private Label Miss() => _miss ??= il.DefineLabel();

    // the probe's entry index, and what a miss hands the shared slow path (address, value to store): each set
    // right before its use, so none is live anywhere else (the shared path's own uses would otherwise keep a
    // value live at every access of the region)
    private LocalBuilder? _slot, _page, _missEa, _missV;

    /// <summary>An emitter whose IL generator remembers which instruction last stored each local (what a miss
    /// carries across the shared slow path: <see cref="Carried"/>).</summary>
    private static XEmitter<TBus> Tracked(ILGenerator generator, List<XPiece> pieces, Dictionary<XCode, int> helperCodes,
        bool missExits)
    {
        var il = new XIl(generator);
        var emitter = new XEmitter<TBus>(il, pieces, helperCodes, missExits);
        il.Now = emitter.Moment;
        return emitter;
    }

    // the instruction being emitted (0 before the first)
    private long Moment() => (long)_opNext << 6 | (long)_notRetired;

    /// <summary>Loads size bytes from the address on the stack into _t, the address also into _ea (access: Write
    /// for the read half of a read-modify-write): the host TLB's fast path inline, the region's one slow path
    /// (the MMU walk) on a miss. The address must be all the IL stack holds (the slow path is a branch to one
    /// shared block).</summary>
    private void Load(int size, Access access, Label fail)
    {
        if (_missExits)
        {
            il.Emit(OpCodes.Stloc, _ea);
            HostBytes(size, access, Miss());
            HostLoad(size);
            il.Emit(OpCodes.Stloc, _t);
            return;
        }
        Label slow = il.DefineLabel(), done = il.DefineLabel();
        // the address is needed after a load only by the store of a read-modify-write; _t is the load's own
        List<LocalBuilder> carried = Carried(access == Access.Write, _t);
        il.Emit(OpCodes.Stloc, _ea);
        HostBytes(size, access, slow);
        HostLoad(size);
        il.Emit(OpCodes.Stloc, _t);
        il.Emit(OpCodes.Br, done);
        il.MarkLabel(slow);
        Slow(size | (int)access << 4, null, fail, carried);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldfld, LoadedField);
        il.Emit(OpCodes.Stloc, _t);
        il.MarkLabel(done);
    }

    /// <summary>Stores _v's low size bytes at _ea, the same way. With last (the store and then tail are the
    /// instruction's last effects), the check for a store into code is made here, on the slow path only: a page
    /// this run executes from never has a write entry, so a store that hits cannot have written code.</summary>
    private void Store(int size, Label fail, bool last = false, Action? tail = null)
    {
        if (_missExits)
        {
            // a store into code misses (such a page has no write entry): the interpreter makes it and notices
            HostBytes(size, Access.Write, Miss());
            il.Emit(OpCodes.Ldloc, _v);
            HostStore(size);
            tail?.Invoke();
            return;
        }
        Label slow = il.DefineLabel(), done = il.DefineLabel();
        List<LocalBuilder> carried = Carried(tail != null);
        HostBytes(size, Access.Write, slow);
        il.Emit(OpCodes.Ldloc, _v);
        HostStore(size);
        tail?.Invoke();
        il.Emit(OpCodes.Br, done);
        il.MarkLabel(slow);
        Slow(size | 0x100, _v, fail, carried);
        tail?.Invoke();
        if (last) CodeWrittenCheck();
        il.MarkLabel(done);
    }

    /// <summary>
    /// A miss: on to the shared slow path (<see cref="WriteSlowPath"/>) with how (size, access, store), the
    /// address (_ea), the value to store and where to come back; back here, a fault branches to fail. The scratch
    /// values this instruction computed before the access (<see cref="Carried"/>) go to the CPU's spill slots
    /// around it, so that nothing but what the call takes is live into the shared path: what is live there is
    /// live at every access of the region.
    /// </summary>
    private void Slow(int how, LocalBuilder? value, Label fail, List<LocalBuilder> carried)
    {
        Label back = il.DefineLabel();
        for (int i = 0; i < carried.Count; i++)
        {
            SpillSlot(i);
            il.Emit(OpCodes.Ldloc, carried[i]);
            il.Emit(OpCodes.Stind_I8);
        }
        il.Emit(OpCodes.Ldloc, _ea);
        il.Emit(OpCodes.Stloc, _missEa ??= U64());
        if (value is null) il.Emit(OpCodes.Ldc_I8, 0L);
        else il.Emit(OpCodes.Ldloc, value);
        il.Emit(OpCodes.Stloc, _missV ??= U64());
        il.Emit(OpCodes.Ldc_I4, how | _slowReturns.Count << 9);
        il.Emit(OpCodes.Stloc, _how);
        il.Emit(OpCodes.Br, _slowPath);
        _slowReturns.Add(back);
        il.MarkLabel(back);
        for (int i = 0; i < carried.Count; i++)
        {
            SpillSlot(i);
            il.Emit(OpCodes.Ldind_I8);
            il.Emit(OpCodes.Stloc, carried[i]);
        }
        il.Emit(OpCodes.Ldloc, _ok);
        il.Emit(OpCodes.Brfalse, fail);
    }

    /// <summary>The scratch values the instruction being emitted stored so far, but for _ea (carried when ea)
    /// and the one it replaces at the access (not carried): all it may still need after the access (the guest
    /// registers and the flags record are the shared path's; a value live after the access but not carried stays
    /// live across the call, which costs speed, never correctness). Without the generator's record of stores,
    /// all the scratch values.</summary>
    private List<LocalBuilder> Carried(bool ea, LocalBuilder? replaced = null)
    {
        var carried = new List<LocalBuilder>();
        if (ea) carried.Add(_ea);
        foreach (LocalBuilder local in (ReadOnlySpan<LocalBuilder>)[_a, _b, _v, _next, _t])
            if (local != replaced && (il is not XIl x || x.StoredAt(local, Moment())))
                carried.Add(local);
        return carried;
    }

    /// <summary>
    /// The region's one call of the slow path, which every access's miss branches to: the guest registers and
    /// the flags record go to the CPU before the call and come back after it, so that nothing the region keeps in
    /// host registers is live across a call. A call per access (each with the whole region live across it) made
    /// the JIT keep guest registers and flags on the stack in hot loops, and a miss is rare (a page's first
    /// access since the host TLB was emptied, an access that crosses a page, a store into code).
    /// </summary>
    private void WriteSlowPath()
    {
        if (_slowReturns.Count == 0) return;
        il.MarkLabel(_slowPath);
        StoreState();
        il.Emit(OpCodes.Ldarg_1);   // the budget too, as at an exit
        il.Emit(OpCodes.Ldloc, _budget);
        il.Emit(OpCodes.Stind_I8);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldloc, _missEa!);
        il.Emit(OpCodes.Ldloc, _missV!);
        il.Emit(OpCodes.Ldloc, _how);
        il.Emit(OpCodes.Call, SlowAccessMethod);
        il.Emit(OpCodes.Stloc, _ok);
        LoadState();
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldind_I8);
        il.Emit(OpCodes.Stloc, _budget);
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
}
