using System.Reflection.Emit;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

// A pending flags record: the last flag-setting instruction's kind and size as emit-time constants and its
// operands and result in locals of its own, copied into the canonical record (_fl, what the CPU gets) only on the
// paths that need it: every exit (a fault, a syscall, a budget exit, a store into code), a call of an
// instruction's definition, an instruction whose IL handles the record itself, and the edge into a piece that
// reads the flags before replacing them. A loop that ends in `sub; jne` and whose head replaces the flags (crc:
// `mov; and`) then does no flags work in the iteration: the record's only reader is the budget exit on the back
// edge, which the JIT keeps off the loop's path.
internal sealed partial class XEmitter<TBus>
{
    // the pending record (its set of locals in _pendingSets), or null when _fl is the record
    private (byte Kind, int Size, int Set)? _pending;
    // operands and result of pending records: two sets, an instruction that records one writing the one the record
    // it found is not in (a fault still finds that record). A record is read only on paths emitted while it is the
    // pending one (its instruction's successors up to the next record, their exits and the piece's end; a piece
    // starts with none), so two are enough. A set for every such instruction gave the JIT three locals per
    // flag-setting instruction, and its SSA's cost grows with locals times blocks (past 512 locals it inlines
    // nothing): a 36 KB region of base64 at gcc -O1 spent half of its 270 M cycles of JIT building SSA; by
    // DOTNET_JitTimeLogCsv the regions' JIT took 465 -> 166 M cycles there, SHA-256 -O0's 2000 -> 417 M, sudoku
    // -O3's 88 -> 79 M.
    private readonly List<LocalBuilder[]> _pendingSets = [];
    // whether the instruction being emitted may leave its record pending (see PendingOk), and the set it writes
    private bool _pendingOk;
    private int _instructionSet;

    /// <summary>The set a new record goes to: not the pending record's.</summary>
    private int FreshSet() => _pending is { Set: 0 } ? 1 : 0;

    // per piece, whether the flags record at its start can be seen (by the code or by an exit) before a later
    // instruction of the piece replaces it; an edge into a piece that cannot see it need not materialise it
    private bool[] _flagsIn = [];
    // past each piece's own budget check: where an edge that has made the check goes
    private Label[] _bodies = [];
    // per piece, FlagsLive's answer for each of its instructions
    private bool[][] _live = [];

    /// <summary>Whether op's IL reaches the flags record only through Record, Carry, Cond, CondBranch and FlagArgs
    /// (writing the carry field only after its last fault) and records its flags on every path it takes, so that
    /// the record before it may stay pending. The others (the record in a branch, as a shift by cl or a rotate
    /// does; the kind read or made eager, as bit tests, bit scans and shld do; a call of the definition) find it
    /// materialised.</summary>
    private static bool PendingOk(in XOp op) => Handled(op) && op.Code switch
    {
        XCode.Nop or XCode.Jmp or XCode.Jcc or XCode.Call or XCode.Ret or XCode.Add or XCode.Or or XCode.Adc
            or XCode.Sbb or XCode.And or XCode.Sub or XCode.Xor or XCode.Cmp or XCode.Test or XCode.Inc or XCode.Dec
            or XCode.Not or XCode.Neg or XCode.Mul or XCode.Imul1 or XCode.Imul2 or XCode.Imul3 or XCode.Div
            or XCode.Idiv or XCode.Bswap or XCode.ExtendAcc or XCode.ExtendAccToDx or XCode.JmpInd or XCode.CallInd
            or XCode.Mov or XCode.Movzx or XCode.Movsx or XCode.Lea or XCode.Cmovcc or XCode.Xchg or XCode.Leave
            or XCode.Push or XCode.Pop => true,
        XCode.Setcc => op.Form == XForm.R,
        XCode.Shl or XCode.Shr or XCode.Sar => !op.CountInCl,
        _ => false,
    };

    /// <summary>Before an instruction: which set its record goes to (a fresh one), and, for an instruction that
    /// handles the record itself or reads a rotate's pending flags, the record materialised.</summary>
    private void BeginInstruction(in XOp op)
    {
        _pendingOk = PendingOk(op);
        if (!_pendingOk || _pending is { Kind: >= RolPending } && ReadsFlags(op, recordSeen: true))
        {
            Materialise();
            _pending = null;
            if (!_pendingOk) return;
        }
        _instructionSet = FreshSet();
    }

    // A rotate's flags, pending: CF and OF from its result, the rest as the record before it left them, which stays
    // in _fl (a rotate finds the record materialised) until a later instruction replaces it. Its kind is a marker
    // above every record kind, its result in a pending set; only Materialise reads it. A rotate whose flags are
    // seen only by the faults and exits of the instructions after it (gcc's SHA-256 rounds: a rotate, then an add
    // from memory) then works its flags out on those paths only, not at every pass.
    private const byte RolPending = 0xFE, RorPending = 0xFF;

    /// <summary>The rotate just emitted (code, size, its result in _v) as the pending record.</summary>
    private void RotatePending(XCode code, int size)
    {
        int set = FreshSet();
        il.Emit(OpCodes.Ldloc, _v);
        il.Emit(OpCodes.Stloc, PendingSet(set)[2]);
        _pending = (code == XCode.Rol ? RolPending : RorPending, size, set);
    }

    /// <summary>Pending set index (its a, b and result locals), declared at its first use.</summary>
    private LocalBuilder[] PendingSet(int index)
    {
        while (_pendingSets.Count <= index)
            _pendingSets.Add([U64(), U64(), U64()]);
        return _pendingSets[index];
    }

    /// <summary>The record (kind, size, a, b, _v) as a pending one, in the instruction's set.</summary>
    private void RecordPending(byte kind, int size, Action a, Action b)
    {
        LocalBuilder[] set = PendingSet(_instructionSet);
        a();
        il.Emit(OpCodes.Stloc, set[0]);
        b();
        il.Emit(OpCodes.Stloc, set[1]);
        il.Emit(OpCodes.Ldloc, _v);
        il.Emit(OpCodes.Stloc, set[2]);
        _pending = (kind, size, _instructionSet);
    }

    /// <summary>Field f of the record on the stack (FOp ... FFlags), from the pending record when there is one.</summary>
    private void FlagField(int f)
    {
        if (_pending is { Kind: >= RolPending })
            throw new InvalidOperationException("a rotate's pending flags read field by field: materialise them first");
        if (_pending is not { } p || f > FR)
        {
            il.Emit(OpCodes.Ldloc, _fl[f]);
            return;
        }
        if (f == FOp) il.Emit(OpCodes.Ldc_I4, (int)p.Kind);
        else if (f == FSize) il.Emit(OpCodes.Ldc_I4, p.Size);
        else il.Emit(OpCodes.Ldloc, _pendingSets[p.Set][f - FA]);
    }

    /// <summary>The pending record into _fl, on the path being emitted (it stays pending for the code after).</summary>
    private void Materialise()
    {
        if (_pending is null) return;
        if (_pending is { Kind: >= RolPending } rotate)
        {
            _pending = null;   // the record before the rotate is in _fl
            RotateFlags(rotate.Kind == RolPending ? XCode.Rol : XCode.Ror, rotate.Size, _pendingSets[rotate.Set][2]);
            _pending = rotate;
            return;
        }
        for (int f = FOp; f <= FR; f++)
        {
            FlagField(f);
            il.Emit(OpCodes.Stloc, _fl[f]);
        }
    }

    /// <summary>The edge into piece target. When the record is in _fl or the piece reads it (then it is
    /// materialised here), on to the piece's head and its budget check, shared by every edge. Else the check is
    /// made here (short: the pending record to the CPU and out at the piece's address), then past the piece's
    /// own: so a record that the piece replaces unseen ends at the edge, and only its budget exit reads it.</summary>
    private void Edge(int target)
    {
        int count = _pieces[target].Count;
        if (_pending == null || _flagsIn[target] || count == 0)
        {
            Materialise();
            il.Emit(OpCodes.Br, _labels[target]);
            return;
        }
        TakeBudget(target);
        il.Emit(OpCodes.Br, _bodies[target]);
    }

    /// <summary>Piece index's length taken from the budget; when the budget is short, out at the piece's address
    /// instead (the interpreter then runs it one instruction at a time, so Run(n) and the timer stay exact).</summary>
    private void TakeBudget(int index)
    {
        XPiece piece = _pieces[index];
        Label enough = il.DefineLabel();
        il.Emit(OpCodes.Ldloc, _budget);
        il.Emit(OpCodes.Ldc_I8, (long)piece.Count);
        il.Emit(OpCodes.Bge, enough);
        Leave(piece.Va, StopReason.Budget);
        il.MarkLabel(enough);
        Refund(-piece.Count);
    }
}
