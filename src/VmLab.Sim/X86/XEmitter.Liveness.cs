namespace VmLab.Sim.X86;

// What a region keeps live: the guest registers it names, and the flags records someone can see.
// Which flags records a piece must keep. An instruction that sets the status flags need not record them when a
// later instruction of the same piece replaces the whole record before anything can see it. Anything that can
// see the flags keeps the record before it alive: an instruction that reads them (jcc, setcc, cmov, adc, sbb;
// inc, dec, rotates and bit tests when their own flags are seen), one that calls its definition (the CPU's flags are its input), one
// that can fault (a fault leaves the flags as the last writer before it left them), a store (the region may end
// after it when it wrote into code) and the piece's end (a budget exit at the next piece, or the region's exit).
internal sealed partial class XEmitter<TBus>
{
    // whether the instruction being emitted must record its flags (false: a later one replaces them unseen)
    private bool _flagsLive = true;

    /// <summary>For each instruction of the piece, whether its flags record can be seen; seenAtStart, whether the
    /// record the piece starts with can.</summary>
    private static bool[] FlagsLive(XPiece piece, out bool seenAtStart)
    {
        var live = new bool[piece.Count];
        bool seen = true;   // the piece's end: an exit, or a budget check that may leave
        for (int j = piece.Count - 1; j >= 0; j--)
        {
            XOp op = piece.Block.Ops[piece.Start + j];
            bool handled = Handled(op);
            if (MayStore(op)) seen = true;   // the region may end right after it
            live[j] = seen;
            if (handled && WritesAllFlags(op)) seen = false;
            if (!handled || MayFault(op) || ReadsFlags(op, live[j])) seen = true;
        }
        seenAtStart = seen;
        return live;
    }

    /// <summary>Whether the emitted form replaces the whole flags record (kind, size, operands, result; the
    /// carry field only matters to the kinds that set it).</summary>
    private static bool WritesAllFlags(in XOp op) => op.Code is XCode.Add or XCode.Or or XCode.Adc or XCode.Sbb
        or XCode.And or XCode.Sub or XCode.Xor or XCode.Cmp or XCode.Test or XCode.Neg or XCode.Mul or XCode.Imul1
        or XCode.Imul2 or XCode.Imul3 or XCode.Xadd or XCode.Cmpxchg or XCode.Bsf or XCode.Bsr or XCode.Tzcnt or XCode.Lzcnt or XCode.Popcnt
        || op.Code is XCode.Shl or XCode.Shr or XCode.Sar && !op.CountInCl;   // by cl: a count of 0 leaves them

    /// <summary>Whether the emitted form reads the flags record before it is replaced (inc and dec read the carry
    /// only to keep it in their own record, rotates the flags only to change CF and OF in them: so only when
    /// their own record is seen).</summary>
    private static bool ReadsFlags(in XOp op, bool recordSeen) => op.Code switch
    {
        XCode.Jcc or XCode.Setcc or XCode.Cmovcc or XCode.Adc or XCode.Sbb => true,
        XCode.Inc or XCode.Dec or XCode.Rol or XCode.Ror or XCode.Bt or XCode.Bts or XCode.Btr or XCode.Btc => recordSeen,
        _ => false,
    };

    /// <summary>Whether the instruction may fault: every memory access (lea only computes an address), and a
    /// division (#DE).</summary>
    private static bool MayFault(in XOp op) => op.Code != XCode.Lea && (IsMem(op.Form) || op.Form == XForm.RM)
        || op.Code is XCode.Push or XCode.Pop or XCode.Call or XCode.Ret or XCode.CallInd or XCode.JmpInd or XCode.Div or XCode.Idiv
            or XCode.Leave or XCode.Movs or XCode.Stos;

    /// <summary>The registers the pieces' instructions name as operands or address parts (ah..bh as rax..rbx),
    /// rcx for a count in cl, rbp for leave, rcx, rsi and rdi for movs and stos, and rax, rdx and rsp, which the emitted forms use without naming them (mul, cqo, push, call, ret, ...).
    /// Instructions that call their definition find the others in the CPU, where the region never changes them.</summary>
    private static bool[] UsedRegisters(List<XPiece> pieces)
    {
        var used = new bool[16];
        used[0] = used[2] = used[4] = true;
        foreach (XPiece piece in pieces)
            for (int j = piece.Start; j < piece.Start + piece.Count; j++)
            {
                XOp op = piece.Block.Ops[j];
                foreach (int r in (ReadOnlySpan<int>)[op.Dst, op.Src, op.Base, op.Index])
                    if (r < 20) used[r & 15] = true;
                if (op.CountInCl) used[1] = true;   // shifts by cl name rcx without an operand
                if (op.Code == XCode.Leave) used[5] = true;   // leave: rbp
                if (op.Code is XCode.Movs or XCode.Stos) used[1] = used[6] = used[7] = true;
            }
        return used;
    }
}
