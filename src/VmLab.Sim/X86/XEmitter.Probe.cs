using System.Reflection;
using System.Reflection.Emit;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

// The host TLB's probe in IL: an access's page, its entry, the tag compare, the host address (or the frame page's
// for a local at rbp), and the sized load or store there.
internal sealed partial class XEmitter<TBus>
{
    private static readonly MethodInfo RotateRightMethod = typeof(System.Numerics.BitOperations).GetMethod("RotateRight", [typeof(ulong), typeof(int)])!;
    private static readonly FieldInfo ReadPagesField = typeof(X86Cpu<TBus>).GetField("_readPages", Any)!;
    private static readonly FieldInfo WritePagesField = typeof(X86Cpu<TBus>).GetField("_writePages", Any)!;
    private static readonly FieldInfo TagField = typeof(HostPageTable).GetField(nameof(HostPageTable.Tag))!;
    private static readonly FieldInfo AddendField = typeof(HostPageTable).GetField(nameof(HostPageTable.Addend))!;

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
