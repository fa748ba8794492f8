using System.Reflection.Emit;

namespace VmLab.Sim.X86;

// div and idiv at 32 and 64 bits in the case compiled code meets almost always: a dividend that is its low half
// zero- or sign-extended (`xor edx, edx` or `cqo` before it) and a divisor that cannot fault (not 0, and for idiv
// not -1, whose quotient may not fit). Then the quotient and remainder are the host's own division of rax, with
// nothing stored to the CPU and read back; anything else goes on to the definition (XDivide), which also raises
// #DE.
internal sealed partial class XEmitter<TBus>
{
    /// <summary>With the divisor in _b: the quick division into rax and rdx when it applies, then a branch to
    /// done; else on to general, emitted after this.</summary>
    private void QuickDivide(bool signed, int size, Label general, Label done)
    {
        // the high half is what extending the low half gives
        GetReg(2, size);
        if (signed)
        {
            Dividend(signed, size);
            il.Emit(OpCodes.Ldc_I4, 63);
            il.Emit(OpCodes.Shr);
            if (size == 4) Mask(4);
            il.Emit(OpCodes.Bne_Un, general);
        }
        else il.Emit(OpCodes.Brtrue, general);
        // a divisor of 0 (#DE), or for idiv -1 (a quotient that may not fit: the definition knows)
        Divisor(signed, size);
        if (signed)
        {
            il.Emit(OpCodes.Ldc_I8, 1L);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Ldc_I8, 1L);
            il.Emit(OpCodes.Ble_Un, general);
        }
        else il.Emit(OpCodes.Brfalse, general);
        // one host division: the quotient into _v, the remainder as dividend - quotient * divisor, rdx written
        // before rax (both are computed from rax as the instruction found it)
        Dividend(signed, size);
        Divisor(signed, size);
        il.Emit(signed ? OpCodes.Div : OpCodes.Div_Un);
        il.Emit(OpCodes.Stloc, _v);
        Dividend(signed, size);
        il.Emit(OpCodes.Ldloc, _v);
        Divisor(signed, size);
        il.Emit(OpCodes.Mul);
        il.Emit(OpCodes.Sub);
        SetReg(2, size, narrow: !signed && size == 4);
        il.Emit(OpCodes.Ldloc, _v);
        SetReg(0, size, narrow: !signed && size == 4);
        il.Emit(OpCodes.Br, done);
    }

    private void Dividend(bool signed, int size)
    {
        GetReg(0, size);
        if (signed) SignExtend(size);
    }

    private void Divisor(bool signed, int size)
    {
        il.Emit(OpCodes.Ldloc, _b);
        if (signed) SignExtend(size);
    }
}
