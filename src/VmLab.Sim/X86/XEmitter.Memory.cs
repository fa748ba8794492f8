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
    private static readonly MethodInfo RotateRightMethod = typeof(System.Numerics.BitOperations).GetMethod("RotateRight", [typeof(ulong), typeof(int)])!;
    private static readonly MethodInfo SlowAccessMethod = typeof(X86Cpu<TBus>).GetMethod("SlowAccess", Any)!;
    private static readonly FieldInfo SpillField = typeof(X86Cpu<TBus>).GetField("Spill", Any)!;
    private static readonly FieldInfo ReadPagesField = typeof(X86Cpu<TBus>).GetField("_readPages", Any)!;
    private static readonly FieldInfo WritePagesField = typeof(X86Cpu<TBus>).GetField("_writePages", Any)!;
    private static readonly FieldInfo TagField = typeof(HostPageTable).GetField(nameof(HostPageTable.Tag))!;
    private static readonly FieldInfo AddendField = typeof(HostPageTable).GetField(nameof(HostPageTable.Addend))!;
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

    /// <summary>The host TLB's probe for the size bytes at _ea (<see cref="X86Cpu{TBus}.HostRead"/> in its parts, so
    /// that a miss branches to slow straight from the tag compare; access Write for a store): leaves the host
    /// address of the bytes on the stack (a native int: <see cref="HostLoad"/>, <see cref="HostStore"/>). The
    /// CPU's small helpers for each step (PageOf, HostSlot, HostByte, SizedAccess) are written out here as IL: as
    /// calls the JIT inlined four methods at every access, each inline work and temporaries for it. A one-byte
    /// access compares the entry's tag with the page number its index came from; a wider one with the page of its
    /// last byte. A local at rbp first tries the region's frame page (<see cref="InFrame"/>).</summary>
    private void HostBytes(int size, Access access, Label slow)
    {
        LocalBuilder slot = _slot ??= il.DeclareLocal(typeof(nint)), page = _page ??= U64();
        Label have = il.DefineLabel();
        bool frame = InFrame(_op);
        il.Emit(OpCodes.Ldloc, _ea);
        if (size > 1)
        {
            il.Emit(OpCodes.Ldc_I8, (long)size - 1);
            il.Emit(OpCodes.Add);
        }
        il.Emit(OpCodes.Ldc_I4, 12);   // PageOf
        il.Emit(OpCodes.Shr_Un);
        il.Emit(OpCodes.Stloc, page);
        if (frame) FramePageHit(size, access, page, have);
        il.Emit(OpCodes.Ldloc, size == 1 ? page : _ea);
        if (size > 1)   // HostSlot: the rotate, then HostSlotOf's mask
        {
            il.Emit(OpCodes.Ldc_I4, 12);
            il.Emit(OpCodes.Call, RotateRightMethod);
        }
        il.Emit(OpCodes.Ldc_I8, (long)HostPage.Count - 1);
        il.Emit(OpCodes.And);
        il.Emit(OpCodes.Conv_I);
        il.Emit(OpCodes.Stloc, slot);
        HostEntry(TagField, access, slot);
        il.Emit(OpCodes.Ldind_I8);
        il.Emit(OpCodes.Ldloc, page);
        il.Emit(OpCodes.Bne_Un, slow);
        il.Emit(OpCodes.Ldloc, _ea);
        il.Emit(OpCodes.Conv_I);
        HostEntry(AddendField, access, slot);
        il.Emit(OpCodes.Ldind_I);
        if (frame) FramePageFill(access, page);
        il.Emit(OpCodes.Add);   // HostByte
        il.MarkLabel(have);
    }

    /// <summary>SizedAccess.Read of the host address on the stack, as the IL it inlines to: the value zero-extended.</summary>
    private void HostLoad(int size)
    {
        if (size > 1) il.Emit(OpCodes.Unaligned, (byte)1);
        il.Emit(size switch { 1 => OpCodes.Ldind_U1, 2 => OpCodes.Ldind_U2, 4 => OpCodes.Ldind_U4, _ => OpCodes.Ldind_I8 });
        if (size < 8) il.Emit(OpCodes.Conv_U8);
    }

    /// <summary>SizedAccess.Write of the value on the stack at the host address under it, as the IL it inlines to.</summary>
    private void HostStore(int size)
    {
        if (size < 8) il.Emit(size switch { 1 => OpCodes.Conv_U1, 2 => OpCodes.Conv_U2, _ => OpCodes.Conv_U4 });
        if (size > 1) il.Emit(OpCodes.Unaligned, (byte)1);
        il.Emit(size switch { 1 => OpCodes.Stind_I1, 2 => OpCodes.Stind_I2, 4 => OpCodes.Stind_I4, _ => OpCodes.Stind_I8 });
    }

    /// <summary>The address of entry slot's tag or addend in the host TLB's table for access: what X86Cpu.HostHit
    /// and HostAddend do, as IL of the region's own. Called, each was inlined at every access with the helpers it
    /// calls (Tags or Addends choosing the table, Unsafe.As, Unsafe.Add), and each inlining is work and temporaries
    /// for the JIT: as IL, the JIT allocated 15-19% less for gcc -O0's regions (SHA-256, LZ77) and N-queens -O3's.
    /// The layout is <see cref="HostPageTable"/>'s: entry i at the field's address + i * 8.</summary>
    private void HostEntry(FieldInfo part, Access access, LocalBuilder slot)
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, access == Access.Write ? WritePagesField : ReadPagesField);
        il.Emit(OpCodes.Ldflda, part);
        il.Emit(OpCodes.Ldloc, slot);
        il.Emit(OpCodes.Ldc_I4_3);
        il.Emit(OpCodes.Shl);
        il.Emit(OpCodes.Add);
    }

    /// <summary>
    /// Whether op's memory operand is rbp plus a displacement, where gcc -O0 keeps every local: such an access first
    /// tries the region's frame page, the page of the last such access whose host TLB entry hit, kept in two locals
    /// (its page number and addend; a pair for reading and a pair for writing), so that a hit adds a register to
    /// the address instead of loading the entry (the load's latency is off the access's path). Taking rsp's
    /// pushes and pops, or every access with a page of its own, measured slower: a loop's pages take turns in one
    /// entry, and the check comes before every probe. The page is forgotten (a page number no address has)
    /// wherever the region loads the guest registers from the CPU: at entry and after every call (the slow path's
    /// MMU walk, an instruction's definition), the only places where the host TLB or a mapping can change.
    /// </summary>
    private static bool InFrame(in XOp op) =>
        (IsMem(op.Form) || op.Form == XForm.RM) && op.Base == 5 && op.Index == XOp.NoReg && !op.Addr32;

    /// <summary>To have when the frame page for access holds all size bytes at _ea (lastPage, the page of its last
    /// byte, is the frame page, and its first byte is in the same page), with their host reference on the stack.</summary>
    private void FramePageHit(int size, Access access, LocalBuilder lastPage, Label have)
    {
        Label probe = il.DefineLabel();
        var (page, addend) = _framePages[access == Access.Write ? 1 : 0];
        il.Emit(OpCodes.Ldloc, lastPage);
        il.Emit(OpCodes.Ldloc, page);
        il.Emit(OpCodes.Bne_Un, probe);
        if (size > 1)
        {
            il.Emit(OpCodes.Ldloc, _ea);
            il.Emit(OpCodes.Conv_U4);
            il.Emit(OpCodes.Ldc_I4, 0xFFF);
            il.Emit(OpCodes.And);
            il.Emit(OpCodes.Ldc_I4, 4096 - size);
            il.Emit(OpCodes.Bgt_Un, probe);
        }
        il.Emit(OpCodes.Ldloc, _ea);
        il.Emit(OpCodes.Conv_I);
        il.Emit(OpCodes.Ldloc, addend);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Br, have);
        il.MarkLabel(probe);
    }

    /// <summary>After a host TLB hit for access, the entry's addend on the stack (and left there): page, which holds
    /// all the access's bytes, becomes the frame page, for reading too when the entry is a write entry (a
    /// writable page is readable).</summary>
    private void FramePageFill(Access access, LocalBuilder page)
    {
        var (readPage, readAddend) = _framePages[0];
        var (framePage, addend) = _framePages[access == Access.Write ? 1 : 0];
        il.Emit(OpCodes.Stloc, addend);
        il.Emit(OpCodes.Ldloc, page);
        il.Emit(OpCodes.Stloc, framePage);
        if (access == Access.Write)
        {
            il.Emit(OpCodes.Ldloc, page);
            il.Emit(OpCodes.Stloc, readPage);
            il.Emit(OpCodes.Ldloc, addend);
            il.Emit(OpCodes.Stloc, readAddend);
        }
        il.Emit(OpCodes.Ldloc, addend);
    }

    /// <summary>The frame pages forgotten (see <see cref="InFrame"/>).</summary>
    private void ForgetFramePages()
    {
        foreach (var (page, _) in _framePages)
        {
            il.Emit(OpCodes.Ldc_I8, -1L);
            il.Emit(OpCodes.Stloc, page);
        }
    }
}
