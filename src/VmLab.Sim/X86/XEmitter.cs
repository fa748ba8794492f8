using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

/// <summary>One straight run of a region's instructions with one budget check: block's ops [Start, Start + Count).</summary>
internal readonly record struct XPiece(XRegionBlock Block, int Start, int Count, ulong Va);

/// <summary>
/// Emits a region as one DynamicMethod, <c>int (cpu, ref left, entry)</c>: the sixteen guest registers and the
/// lazy flags are IL locals for the whole region (the JIT keeps them in host registers; they are copied in at
/// entry and out at every exit), blocks jump to each other with IL branches, and a return or indirect jump to one
/// of the region's blocks stays in it. The blocks are cut into pieces of at most <see cref="MaxPiece"/>
/// instructions, each of which first takes its length from the budget or leaves when the budget is short (the
/// interpreter then runs them one by one), so Run(n) and the timer stay exact to the instruction. The common
/// instruction forms are emitted as IL here (<c>XEmitter.Ops.cs</c>); the rest call their definition in
/// <see cref="XOps{TBus}"/>. A fault leaves with rip on the faulting instruction, the state as that instruction
/// found it, and the budget refunded for the instructions that did not retire.
/// </summary>
internal sealed partial class XEmitter<TBus> where TBus : IMemoryBus
{
    // 32, not 8: a block of up to 32 instructions is one piece, with one budget check instead of four and one
    // span over which FlagsLive drops flags no one sees; a budget that runs out mid-piece (the timer with a
    // kernel entry on every tick) leaves at most 31 more instructions to the interpreter
    public const int MaxPiece = 32;
    private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
    private static readonly FieldInfo RegsField = typeof(X86Cpu<TBus>).GetField("_regs", Any)!;
    private static readonly FieldInfo FlagsField = typeof(X86Cpu<TBus>).GetField("_f", Any)!;
    private static readonly FieldInfo CodeWrittenField = typeof(X86Cpu<TBus>).GetField("_codeWritten", Any)!;
    private static readonly FieldInfo GprField = typeof(RegisterFile).GetField(nameof(RegisterFile.Gpr))!;
    private static readonly FieldInfo RipField = typeof(RegisterFile).GetField(nameof(RegisterFile.Rip))!;
    private static readonly FieldInfo[] FlagFields = [.. new[] { "Op", "Size", "A", "B", "R", "Cf", "Flags" }
        .Select(n => typeof(LazyFlags).GetField(n)!)];
    private const int FOp = 0, FSize = 1, FA = 2, FB = 3, FR = 4, FCf = 5, FFlags = 6;

    private readonly ILGenerator il;
    private readonly List<XPiece> _pieces;
    private readonly Label[] _labels;
    private readonly LocalBuilder[] _r = new LocalBuilder[16];
    // the guest registers the region's instructions name (the others stay in the CPU: fewer values live
    // across the region's exits, so more of the used ones stay in host registers)
    private readonly bool[] _used;
    // the lazy flags record field by field (LazyFlags' Op, Size, A, B, R, Cf, Flags), so that the JIT keeps each
    // in a register or drops it when no instruction reads it
    private readonly LocalBuilder[] _fl = new LocalBuilder[FlagFields.Length];
    private readonly LocalBuilder _budget, _rip, _reason, _next, _a, _b, _v, _ea, _t, _ok, _how;
    private readonly Label _exit;
    // the shared slow path of the region's memory accesses, and where each miss comes back to
    private readonly Label _slowPath;
    private readonly List<Label> _slowReturns = [];
    // the frame page for reading and for writing (XEmitter.Probe.cs: InFrame)
    private readonly (LocalBuilder Page, LocalBuilder Addend)[] _framePages;

    // instructions emitted as IL here, and those that call their definition, by code (the CPU's, for the profile)
    private readonly Dictionary<XCode, int> _helperCodes;
    private int _direct;

    private XEmitter(ILGenerator il, List<XPiece> pieces, Dictionary<XCode, int> helperCodes, bool missExits)
    {
        this.il = il;
        _missExits = missExits;
        _helperCodes = helperCodes;
        _pieces = pieces;
        // plain loops, not LINQ: LINQ over these value types is JIT-compiled at a run's first region
        (_labels, _bodies, _flagsIn, _live) = (new Label[pieces.Count], new Label[pieces.Count], new bool[pieces.Count], new bool[pieces.Count][]);
        for (int i = 0; i < pieces.Count; i++)
        {
            (_labels[i], _bodies[i]) = (il.DefineLabel(), il.DefineLabel());
            _live[i] = FlagsLive(pieces[i], out _flagsIn[i]);
        }
        for (int i = 0; i < 16; i++) _r[i] = il.DeclareLocal(typeof(ulong));
        _used = UsedRegisters(pieces);
        for (int i = 0; i < _fl.Length; i++) _fl[i] = il.DeclareLocal(FlagFields[i].FieldType);
        _budget = il.DeclareLocal(typeof(long));
        _rip = il.DeclareLocal(typeof(ulong));
        _reason = il.DeclareLocal(typeof(int));
        (_next, _a, _b, _v, _ea, _t) = (U64(), U64(), U64(), U64(), U64(), U64());
        _ok = il.DeclareLocal(typeof(bool));
        _how = il.DeclareLocal(typeof(int));
        _exit = il.DefineLabel();
        _slowPath = il.DefineLabel();
        _framePages = [(U64(), il.DeclareLocal(typeof(nint))), (U64(), il.DeclareLocal(typeof(nint)))];
    }

    private LocalBuilder U64() => il.DeclareLocal(typeof(ulong));

    /// <summary>The region's code; firstPiece[k] is block k's entry (the index the method takes), pieceCounts the
    /// instructions of each piece (an entry needs at least that much budget). helperCodes counts, by code, the
    /// instructions that call their XOps method; direct those emitted as IL. optimizable is false when the method
    /// is too large for the JIT to optimise (<see cref="XIl.Optimizable"/>).</summary>
    [RequiresDynamicCode("compiles x86 blocks to IL")]
    public static XRegionCode<TBus> Emit(ulong va, List<XRegionBlock> blocks, out int[] firstPiece, out int[] pieceCounts,
        Dictionary<XCode, int> helperCodes, out int direct, out bool optimizable, bool missExits = false)
    {
        var pieces = new List<XPiece>();
        firstPiece = new int[blocks.Count];
        for (int k = 0; k < blocks.Count; k++)
        {
            XRegionBlock b = blocks[k];
            firstPiece[k] = pieces.Count;
            ulong at = va + (ulong)b.Offset;
            for (int start = 0, count; start < b.Count || start == 0; start += count)
            {
                count = PieceLength(b, start);
                pieces.Add(new XPiece(b, start, count, at));
                for (int j = start; j < start + count; j++) at += b.Ops[j].Len;
                if (b.Count == 0) break;
            }
        }
        pieceCounts = new int[pieces.Count];
        for (int i = 0; i < pieces.Count; i++) pieceCounts[i] = pieces[i].Count;
        var method = new DynamicMethod($"x86_region_{va + (ulong)blocks[0].Offset:x}", typeof(int),
            [typeof(X86Cpu<TBus>), typeof(long).MakeByRefType(), typeof(int)], typeof(X86Cpu<TBus>), skipVisibility: true);
        var emitter = Tracked(method.GetILGenerator(), pieces, helperCodes, missExits);
        emitter.Write();
        direct = emitter._direct;
        optimizable = ((XIl)emitter.il).Optimizable;
        return method.CreateDelegate<XRegionCode<TBus>>();
    }

    /// <summary>How many of the block's instructions from start form one piece: all that are left up to
    /// <see cref="MaxPiece"/>; when the block goes on after it, the piece ends at its last instruction among the
    /// final quarter that replaces the whole flags record (<see cref="WritesAllFlags"/>), if any. A piece's end keeps
    /// the flags seen (a budget exit may leave there), so a rotate, inc or dec just before it must work out the flags
    /// it keeps from the record before it: a call per loop iteration where the end falls in the middle of a
    /// loop's body (SHA-256's rounds at gcc -O3: two rotates before the end, 7 times slower than at -O2).</summary>
    internal static int PieceLength(XRegionBlock b, int start)
    {
        if (b.Count - start <= MaxPiece) return Math.Max(b.Count - start, 0);
        for (int count = MaxPiece; count > MaxPiece * 3 / 4; count--)
            if (WritesAllFlags(b.Ops[start + count - 1])) return count;
        return MaxPiece;
    }

    /// <summary>Makes the JIT compile a region now (it compiles a DynamicMethod at its first call), on whatever
    /// thread calls this, without running an instruction: with a budget of 0 the entry piece leaves at once,
    /// touching only the spare CPU it is given.</summary>
    public static void Precompile(XRegionCode<TBus> code, X86Cpu<TBus> spare)
    {
        long budget = 0;
        code(spare, ref budget, 0);
    }

    private void Write()
    {
        LoadState();
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldind_I8);
        il.Emit(OpCodes.Stloc, _budget);
        il.Emit(OpCodes.Ldarg_2);
        il.Emit(OpCodes.Switch, _labels);
        il.Emit(OpCodes.Ldc_I4, (int)StopReason.Budget);   // not reached: every entry is a piece of the region
        il.Emit(OpCodes.Ret);
        for (int i = 0; i < _pieces.Count; i++) WritePiece(i);
        _pending = null;   // every path out of a piece has materialised the record
        WriteSlowPath();
        il.MarkLabel(_exit);
        StoreState();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, RegsField);
        il.Emit(OpCodes.Ldloc, _rip);
        il.Emit(OpCodes.Stfld, RipField);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldloc, _budget);
        il.Emit(OpCodes.Stind_I8);
        il.Emit(OpCodes.Ldloc, _reason);
        il.Emit(OpCodes.Ret);
    }

    private void WritePiece(int index)
    {
        XPiece piece = _pieces[index];
        il.MarkLabel(_labels[index]);
        _known = null;
        _pending = null;
        ForgetNarrow();   // a piece is a branch target
        // entered from the dispatcher or a return (an edge from a piece may make this check itself)
        if (piece.Count > 0) TakeBudget(index);
        il.MarkLabel(_bodies[index]);
        ulong at = piece.Va;
        var ops = piece.Block.Ops;
        bool[] live = _live[index];
        for (int j = piece.Start; j < piece.Start + piece.Count; j++)
        {
            _flagsLive = live[j - piece.Start];
            Instruction(ops[j], at, piece.Start + piece.Count - j);
            at += ops[j].Len;
        }
        _flagsLive = true;
        if (piece.Start + piece.Count >= piece.Block.Count) End(piece.Block, at);
        else Edge(index + 1);   // the block's next piece
    }

    /// <summary>One instruction: its IL, then its fault exit (rip on it, the rest of the piece refunded) and,
    /// after a store, the check for a store into code this run executes from (then the dispatcher goes on at
    /// the next instruction, decoding afresh, as the interpreter does).</summary>
    private void Instruction(in XOp op, ulong at, int notRetired)
    {
        ulong next = at + op.Len;
        Label fail = il.DefineLabel(), done = il.DefineLabel();
        (_miss, _calledStore) = (null, false);
        (_op, _opNext, _notRetired) = (op, next, notRetired);
        BeginInstruction(op);
        var found = _pending;   // the record a fault leaves
        if (Direct(op, next, fail))
        {
            _direct++;
            // one compare with the CPU's flag; in a region that leaves at a miss only a call that stores can set it
            // (a store into code misses: such a page has no write entry)
            if (MayStore(op) && !ChecksOwnStore(op) && (!_missExits || _calledStore)) CodeWrittenCheck();
        }
        else
        {
            Helper(op, next, fail);
            _helperCodes[op.Code] = _helperCodes.GetValueOrDefault(op.Code) + 1;
            if (MayStore(op)) CodeWrittenCheck();
        }
        il.Emit(OpCodes.Br, done);
        var after = _pending;
        _pending = found;
        // the fault exit, unless nothing branches to it (an instruction whose accesses leave at a miss cannot fault
        // in the region): dead IL still counts towards the JIT's limits (XIl.Optimizable)
        if (il is not XIl x || x.Targeted(fail))
        {
            il.MarkLabel(fail);
            Refund(notRetired);
            Leave(at, StopReason.Fault);
        }
        if (_miss is { } miss)
        {
            // as a fault leaves, but for the dispatcher to carry on at the instruction (MissExit)
            il.MarkLabel(miss);
            Refund(notRetired);
            Leave(at, (int)StopReason.Budget | MissExit);
        }
        _pending = after;
        il.MarkLabel(done);
    }

    // the flags record the instructions emitted so far in this piece leave (null: whatever it was at its start)
    private (byte Kind, int Size)? _known;

    // the instruction being emitted, for the exits its stores may take
    private XOp _op;
    private ulong _opNext;
    private int _notRetired;

    /// <summary>After an instruction that may store: when it wrote into a page this run executes from (only the
    /// slow path can: such a page never has a write entry in the host TLB, and the slow path sets the CPU's flag),
    /// the region ends after the instruction and the dispatcher goes on, decoding afresh. The flag is clear
    /// whenever a region starts (the dispatcher clears it after each instruction and region that set it).</summary>
    private void CodeWrittenCheck()
    {
        Label clean = il.DefineLabel();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldfld, CodeWrittenField);
        il.Emit(OpCodes.Brfalse, clean);
        Refund(_notRetired - 1);
        if (_op.Code == XCode.Call) Leave(_opNext + (ulong)_op.Imm, StopReason.Budget);
        else if (XCodes.EndsBlock(_op.Code)) LeaveAtNext(StopReason.Budget);
        else Leave(_opNext, StopReason.Budget);
        il.MarkLabel(clean);
    }

    private void Leave(ulong rip, StopReason reason) => Leave(rip, (int)reason);

    private void Leave(ulong rip, int reason)
    {
        Materialise();
        il.Emit(OpCodes.Ldc_I8, (long)rip);
        il.Emit(OpCodes.Stloc, _rip);
        il.Emit(OpCodes.Ldc_I4, reason);
        il.Emit(OpCodes.Stloc, _reason);
        il.Emit(OpCodes.Br, _exit);
    }

    private void LeaveAtNext(StopReason reason)
    {
        Materialise();
        il.Emit(OpCodes.Ldloc, _next);
        il.Emit(OpCodes.Stloc, _rip);
        il.Emit(OpCodes.Ldc_I4, (int)reason);
        il.Emit(OpCodes.Stloc, _reason);
        il.Emit(OpCodes.Br, _exit);
    }

    private void Refund(int instructions)
    {
        if (instructions == 0) return;
        il.Emit(OpCodes.Ldloc, _budget);
        il.Emit(OpCodes.Ldc_I8, (long)instructions);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Stloc, _budget);
    }

    /// <summary>The CPU's registers and flags into the locals.</summary>
    private void LoadState()
    {
        ForgetFramePages();
        for (int i = 0; i < 16; i++)
        {
            if (!_used[i]) continue;
            Gpr(i);
            il.Emit(OpCodes.Ldind_I8);
            il.Emit(OpCodes.Stloc, _r[i]);
        }
        for (int i = 0; i < _fl.Length; i++)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldflda, FlagsField);
            il.Emit(OpCodes.Ldfld, FlagFields[i]);
            il.Emit(OpCodes.Stloc, _fl[i]);
        }
    }

    /// <summary>The locals back into the CPU (at an exit, and before a call of an instruction's definition).</summary>
    private void StoreState()
    {
        for (int i = 0; i < 16; i++)
        {
            if (!_used[i]) continue;
            Gpr(i);
            il.Emit(OpCodes.Ldloc, _r[i]);
            il.Emit(OpCodes.Stind_I8);
        }
        for (int i = 0; i < _fl.Length; i++)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldflda, FlagsField);
            il.Emit(OpCodes.Ldloc, _fl[i]);
            il.Emit(OpCodes.Stfld, FlagFields[i]);
        }
    }

    /// <summary>The address of the CPU's register i.</summary>
    private void Gpr(int i)
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, RegsField);
        il.Emit(OpCodes.Ldflda, GprField);
        if (i == 0) return;
        il.Emit(OpCodes.Ldc_I4, i * 8);
        il.Emit(OpCodes.Add);
    }

    /// <summary>Whether the instruction can store to memory (and so into code): not one that only reads its memory
    /// operand (cmp, test and bt to memory, mul, div, jmp through memory: -O0 loops compare with memory).</summary>
    private static bool MayStore(in XOp op) => op.Form is XForm.MR or XForm.MI or XForm.M
            && op.Code is not (XCode.Cmp or XCode.Test or XCode.Bt or XCode.Mul or XCode.Imul1 or XCode.Div or XCode.Idiv or XCode.JmpInd)
        || op.Code is XCode.Push or XCode.Call or XCode.CallInd or XCode.Pushf or XCode.Enter or XCode.Movs or XCode.Stos;
}
