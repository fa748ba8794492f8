using System.Reflection.Emit;

namespace VmLab.Sim.X86;

// Which guest registers the piece knows are below 2^32. gcc computes in 32 bits (int) almost everywhere, and a
// 32-bit read of a register is a mask (conv.u4, conv.u8) the JIT turns into a register move it cannot remove;
// when the piece itself last wrote the register with a zero-extended value (a 32-bit write, movzx, an immediate
// below 2^32), the local already holds what the read would give. The knowledge is the emitter's, in emission
// order: it starts empty at each piece (a branch target), and is dropped for a register written any other way
// (rsp by push and pop, the string registers, a conditional write) and for all of them at a call of a
// definition (which may write any register).
internal sealed partial class XEmitter<TBus>
{
    // bit r: guest register r holds a value below 2^32
    private int _narrow;

    private bool IsNarrow(int reg) => (_narrow >> reg & 1) != 0;

    /// <summary>Nothing is known narrow (a piece's start, a definition's call, a conditional write).</summary>
    private void ForgetNarrow() => _narrow = 0;

    /// <summary>Register reg (or, for ah..bh, its full register) is no longer known narrow.</summary>
    private void ForgetNarrow(int reg) => _narrow &= ~(1 << (reg & 15));

    /// <summary>The 64-bit value on the stack into register reg; narrow: it is below 2^32.</summary>
    private void StoreReg(int reg, bool narrow = false)
    {
        il.Emit(OpCodes.Stloc, _r[reg]);
        if (narrow) _narrow |= 1 << reg;
        else _narrow &= ~(1 << reg);
    }
}
