using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

/// <summary>One straight run of a region's instructions, compiled as one method: block's ops [Start, Start + Count).</summary>
internal readonly record struct XPiece(XRegionBlock Block, int Start, int Count, ulong Va);

/// <summary>
/// Emits a region as DynamicMethods: its blocks cut into pieces of at most <see cref="MaxPiece"/> instructions,
/// each piece a method, and a root method that holds the registers (<see cref="GeneralRegisters"/>) and lazy
/// flags for the whole region and runs one piece after another (the JIT inlines the instructions of one method
/// only up to a few hundred locals, hence the pieces). In a piece, each instruction calls its
/// <see cref="XOps{TBus}"/> method with its decoded fields as constant arguments, which the JIT inlines and
/// folds (methods marked AggressiveInlining; the others get a copy of the flags, so no local's address escapes
/// into a real call). A branch back to the piece's own start (a small loop) is a loop in the piece; other
/// branches within the region go through the root. Every piece first takes its length from the budget (or
/// leaves the region when the budget is short, so the timer stays exact to the instruction); a fault leaves
/// with rip on the faulting instruction and the budget refunded for the instructions that did not retire.
/// </summary>
internal static class XEmitter<TBus> where TBus : IMemoryBus
{
    public const int MaxPiece = 8;
    private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
    private static readonly FieldInfo RegsField = typeof(X86Cpu<TBus>).GetField("_regs", Any)!;
    private static readonly FieldInfo FlagsField = typeof(X86Cpu<TBus>).GetField("_f", Any)!;
    private static readonly FieldInfo CodeWrittenField = typeof(X86Cpu<TBus>).GetField("_codeWritten", Any)!;
    private static readonly FieldInfo GprField = typeof(RegisterFile).GetField(nameof(RegisterFile.Gpr))!;
    private static readonly FieldInfo RipField = typeof(RegisterFile).GetField(nameof(RegisterFile.Rip))!;

    private static readonly Type[] PieceArgs =
    [
        typeof(X86Cpu<TBus>), typeof(GeneralRegisters).MakeByRefType(), typeof(LazyFlags).MakeByRefType(),
        typeof(long).MakeByRefType(), typeof(ulong).MakeByRefType(),
    ];

    [RequiresDynamicCode("compiles x86 blocks to IL")]
    public static XRegionCode<TBus> Emit(ulong va, List<XRegionBlock> blocks, out int[] firstPiece, out int[] pieceCounts,
        out DynamicMethod[] methods)
    {
        var pieces = new List<XPiece>();
        firstPiece = new int[blocks.Count];
        for (int k = 0; k < blocks.Count; k++)
        {
            XRegionBlock b = blocks[k];
            firstPiece[k] = pieces.Count;
            ulong at = va + (ulong)b.Offset;
            for (int start = 0; start < b.Count || start == 0; start += MaxPiece)
            {
                int count = Math.Min(MaxPiece, b.Count - start);
                pieces.Add(new XPiece(b, start, count, at));
                for (int j = start; j < start + count; j++) at += b.Ops[j].Len;
                if (b.Count == 0) break;
            }
        }
        pieceCounts = pieces.Select(p => p.Count).ToArray();
        methods = new DynamicMethod[pieces.Count];
        for (int i = 0; i < pieces.Count; i++)
        {
            methods[i] = new DynamicMethod($"x86_{pieces[i].Va:x}", typeof(int), PieceArgs, typeof(X86Cpu<TBus>), skipVisibility: true);
            new PieceWriter(methods[i].GetILGenerator(), pieces, i).Write();
        }
        var root = new DynamicMethod($"x86_region_{va + (ulong)blocks[0].Offset:x}", typeof(int),
            [typeof(X86Cpu<TBus>), typeof(long).MakeByRefType(), typeof(int)], typeof(X86Cpu<TBus>), skipVisibility: true);
        WriteRoot(root.GetILGenerator(), methods);
        return root.CreateDelegate<XRegionCode<TBus>>();
    }

    /// <summary>
    /// Makes the JIT compile a region's methods now (it compiles a DynamicMethod at its first call), on whatever
    /// thread calls this, without running an instruction: every piece first compares the budget with its
    /// length, so with a budget of 0 each one leaves at once, touching only the arguments it is given (here a
    /// spare CPU and locals). The root is called on the spare CPU, whose registers it copies in and out.
    /// </summary>
    [RequiresDynamicCode("compiles x86 blocks to IL")]
    public static void Precompile(XRegionCode<TBus> root, DynamicMethod[] pieces, X86Cpu<TBus> spare)
    {
        GeneralRegisters regs = default;
        LazyFlags flags = default;
        long budget = 0;
        ulong rip = 0;
        foreach (var m in pieces) m.CreateDelegate<XPieceCode>()(spare, ref regs, ref flags, ref budget, ref rip);
        root(spare, ref budget, 0);
    }

    private delegate int XPieceCode(X86Cpu<TBus> cpu, ref GeneralRegisters regs, ref LazyFlags flags, ref long budget, ref ulong rip);

    /// <summary>Registers and flags in locals; piece after piece, from the entry piece (argument 2), until one
    /// returns an exit (-1 - reason).</summary>
    private static void WriteRoot(ILGenerator il, DynamicMethod[] pieces)
    {
        LocalBuilder regs = il.DeclareLocal(typeof(GeneralRegisters)), flags = il.DeclareLocal(typeof(LazyFlags));
        LocalBuilder budget = il.DeclareLocal(typeof(long)), rip = il.DeclareLocal(typeof(ulong)), next = il.DeclareLocal(typeof(int));
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, RegsField);
        il.Emit(OpCodes.Ldflda, GprField);
        il.Emit(OpCodes.Ldobj, typeof(GeneralRegisters));
        il.Emit(OpCodes.Stloc, regs);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldfld, FlagsField);
        il.Emit(OpCodes.Stloc, flags);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldind_I8);
        il.Emit(OpCodes.Stloc, budget);
        il.Emit(OpCodes.Ldarg_2);
        il.Emit(OpCodes.Stloc, next);
        Label dispatch = il.DefineLabel(), exit = il.DefineLabel();
        var calls = pieces.Select(_ => il.DefineLabel()).ToArray();
        il.MarkLabel(dispatch);
        il.Emit(OpCodes.Ldloc, next);
        il.Emit(OpCodes.Switch, calls);
        il.Emit(OpCodes.Br, exit);   // not reached: every index a piece returns is one of its region's
        for (int i = 0; i < pieces.Length; i++)
        {
            il.MarkLabel(calls[i]);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldloca, regs);
            il.Emit(OpCodes.Ldloca, flags);
            il.Emit(OpCodes.Ldloca, budget);
            il.Emit(OpCodes.Ldloca, rip);
            il.Emit(OpCodes.Call, pieces[i]);
            il.Emit(OpCodes.Dup);
            il.Emit(OpCodes.Stloc, next);
            il.Emit(OpCodes.Ldc_I4_0);
            il.Emit(OpCodes.Bge, dispatch);
            il.Emit(OpCodes.Br, exit);
        }
        il.MarkLabel(exit);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, RegsField);
        il.Emit(OpCodes.Ldflda, GprField);
        il.Emit(OpCodes.Ldloc, regs);
        il.Emit(OpCodes.Stobj, typeof(GeneralRegisters));
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldloc, flags);
        il.Emit(OpCodes.Stfld, FlagsField);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, RegsField);
        il.Emit(OpCodes.Ldloc, rip);
        il.Emit(OpCodes.Stfld, RipField);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldloc, budget);
        il.Emit(OpCodes.Stind_I8);
        il.Emit(OpCodes.Ldc_I4_M1);
        il.Emit(OpCodes.Ldloc, next);
        il.Emit(OpCodes.Sub);   // -1 - next: the reason
        il.Emit(OpCodes.Ret);
    }

    /// <summary>One piece: (cpu, ref regs, ref flags, ref budget, ref rip) -> next piece, or -1 - reason.</summary>
    private sealed class PieceWriter(ILGenerator il, List<XPiece> pieces, int index)
    {
        private readonly XPiece _piece = pieces[index];
        private readonly LocalBuilder _flags = il.DeclareLocal(typeof(LazyFlags)), _flags2 = il.DeclareLocal(typeof(LazyFlags));
        private readonly LocalBuilder _next = il.DeclareLocal(typeof(ulong)), _budget = il.DeclareLocal(typeof(long));
        private readonly LocalBuilder _ok = il.DeclareLocal(typeof(bool));
        private readonly Label _start = il.DefineLabel();

        public void Write()
        {
            il.Emit(OpCodes.Ldarg_2);
            il.Emit(OpCodes.Ldobj, typeof(LazyFlags));
            il.Emit(OpCodes.Stloc, _flags);
            il.Emit(OpCodes.Ldarg_3);
            il.Emit(OpCodes.Ldind_I8);
            il.Emit(OpCodes.Stloc, _budget);
            il.MarkLabel(_start);
            // not enough budget for the whole piece: the interpreter runs it, one instruction at a time
            Label enough = il.DefineLabel();
            il.Emit(OpCodes.Ldloc, _budget);
            il.Emit(OpCodes.Ldc_I8, (long)_piece.Count);
            il.Emit(OpCodes.Bge, enough);
            Leave(_piece.Va, StopReason.Budget);
            il.MarkLabel(enough);
            il.Emit(OpCodes.Ldloc, _budget);
            il.Emit(OpCodes.Ldc_I8, (long)_piece.Count);
            il.Emit(OpCodes.Sub);
            il.Emit(OpCodes.Stloc, _budget);
            ulong at = _piece.Va;
            var ops = _piece.Block.Ops;
            for (int j = _piece.Start; j < _piece.Start + _piece.Count; j++)
            {
                Instruction(ops[j], at, _piece.Start + _piece.Count - j);
                at += ops[j].Len;
            }
            if (_piece.Start + _piece.Count < _piece.Block.Count) Continue(index + 1);
            else End(at);
        }

        private void Instruction(in XOp op, ulong at, int notRetired)
        {
            MethodInfo m = XDispatch<TBus>.Method(op.Code);
            bool inline = (m.MethodImplementationFlags & MethodImplAttributes.AggressiveInlining) != 0;
            LocalBuilder flags = inline ? _flags : _flags2;
            if (!inline) Copy(_flags, _flags2);
            il.Emit(OpCodes.Ldc_I8, (long)(at + op.Len));
            il.Emit(OpCodes.Stloc, _next);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldloca, flags);
            il.Emit(OpCodes.Ldloca, _next);
            foreach (int v in (ReadOnlySpan<int>)[(int)op.Form, op.Size, op.Dst, op.Src, op.Base, op.Index, op.Scale, op.Addr32 ? 1 : 0])
                il.Emit(OpCodes.Ldc_I4, v);
            il.Emit(OpCodes.Ldc_I8, op.Disp);
            il.Emit(OpCodes.Ldc_I8, op.Imm);
            il.Emit(OpCodes.Ldc_I4, op.Aux);
            il.Emit(OpCodes.Call, m);
            if (!inline)
            {
                // rep string instructions keep the iterations done even when they fault: copy back first
                il.Emit(OpCodes.Stloc, _ok);
                Copy(_flags2, _flags);
                il.Emit(OpCodes.Ldloc, _ok);
            }
            Label done = il.DefineLabel();
            il.Emit(OpCodes.Brtrue, done);
            Refund(notRetired);
            Leave(at, StopReason.Fault);
            il.MarkLabel(done);
            if (MayStore(op))
            {
                // a store into code this run executes from: continue in the dispatcher, which decodes afresh
                Label clean = il.DefineLabel();
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldfld, CodeWrittenField);
                il.Emit(OpCodes.Brfalse, clean);
                Refund(notRetired - 1);
                LeaveAtNext(StopReason.Budget);
                il.MarkLabel(clean);
            }
        }

        /// <summary>What follows the block's last instruction.</summary>
        private void End(ulong end)
        {
            XRegionBlock b = _piece.Block;
            if (b.Count < b.Ops.Length)
            {
                Leave(end, StopReason.Budget);   // the invalid instruction: the interpreter raises #UD
                return;
            }
            XOp last = b.Ops[b.Count - 1];
            switch (last.Code)
            {
                case XCode.Syscall: Leave(end, StopReason.Syscall); break;
                case XCode.Hlt: Leave(end, StopReason.Halt); break;
                case XCode.Jmp or XCode.Call: Goto(end + (ulong)last.Imm); break;
                case XCode.Jcc:
                {
                    Label taken = il.DefineLabel();
                    il.Emit(OpCodes.Ldloc, _next);
                    il.Emit(OpCodes.Ldc_I8, (long)(end + (ulong)last.Imm));
                    il.Emit(OpCodes.Beq, taken);
                    Goto(end);
                    il.MarkLabel(taken);
                    Goto(end + (ulong)last.Imm);
                    break;
                }
                case XCode.Ret or XCode.JmpInd or XCode.CallInd:
                    // a return (or indirect jump) to one of the region's blocks stays in the region
                    for (int i = 0; i < pieces.Count; i++)
                        if (pieces[i].Start == 0)
                        {
                            Label other = il.DefineLabel();
                            il.Emit(OpCodes.Ldloc, _next);
                            il.Emit(OpCodes.Ldc_I8, (long)pieces[i].Va);
                            il.Emit(OpCodes.Bne_Un, other);
                            Continue(i);
                            il.MarkLabel(other);
                        }
                    LeaveAtNext(StopReason.Budget);
                    break;
                default: Goto(end); break;
            }
        }

        /// <summary>Continues at address: this piece again, another piece of the region, or out of it.</summary>
        private void Goto(ulong address)
        {
            int target = pieces.FindIndex(p => p.Start == 0 && p.Va == address);
            if (target < 0) Leave(address, StopReason.Budget);
            else Continue(target);
        }

        private void Continue(int target)
        {
            if (target == index)
            {
                il.Emit(OpCodes.Br, _start);
                return;
            }
            Save();
            il.Emit(OpCodes.Ldc_I4, target);
            il.Emit(OpCodes.Ret);
        }

        private void Leave(ulong rip, StopReason reason)
        {
            il.Emit(OpCodes.Ldarg, 4);
            il.Emit(OpCodes.Ldc_I8, (long)rip);
            il.Emit(OpCodes.Stind_I8);
            Save();
            il.Emit(OpCodes.Ldc_I4, -1 - (int)reason);
            il.Emit(OpCodes.Ret);
        }

        private void LeaveAtNext(StopReason reason)
        {
            il.Emit(OpCodes.Ldarg, 4);
            il.Emit(OpCodes.Ldloc, _next);
            il.Emit(OpCodes.Stind_I8);
            Save();
            il.Emit(OpCodes.Ldc_I4, -1 - (int)reason);
            il.Emit(OpCodes.Ret);
        }

        /// <summary>The flags and budget back to the root.</summary>
        private void Save()
        {
            il.Emit(OpCodes.Ldarg_2);
            il.Emit(OpCodes.Ldloc, _flags);
            il.Emit(OpCodes.Stobj, typeof(LazyFlags));
            il.Emit(OpCodes.Ldarg_3);
            il.Emit(OpCodes.Ldloc, _budget);
            il.Emit(OpCodes.Stind_I8);
        }

        private void Refund(int instructions)
        {
            if (instructions == 0) return;
            il.Emit(OpCodes.Ldloc, _budget);
            il.Emit(OpCodes.Ldc_I8, (long)instructions);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Stloc, _budget);
        }

        private void Copy(LocalBuilder from, LocalBuilder to)
        {
            il.Emit(OpCodes.Ldloc, from);
            il.Emit(OpCodes.Stloc, to);
        }

        /// <summary>Whether the instruction can store to memory (and so into code).</summary>
        private static bool MayStore(in XOp op) => op.Form is XForm.MR or XForm.MI or XForm.M
            || op.Code is XCode.Push or XCode.Call or XCode.CallInd or XCode.Pushf or XCode.Enter or XCode.Movs or XCode.Stos;
    }
}
