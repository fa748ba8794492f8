using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

public sealed partial class X86Cpu<TBus>
{
    /// <summary>
    /// The interpreter loop: executes up to limit instructions from rip, stopping early at an event; done counts
    /// retired instructions. A failing path leaves rip on the instruction and has written nothing (the generic
    /// handlers write the destination last and restore the flags if that write faults).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private StopReason Loop(long limit, out long done)
    {
        ref ulong r0 = ref Unsafe.As<GeneralRegisters, ulong>(ref _regs.Gpr);
        ref ulong sp = ref Unsafe.Add(ref r0, (int)Reg.Rsp);
        ulong rip = _regs.Rip;
        long n = 0;
        XOp[] ops = _single;
        int i = 0, count = 0;
        StopReason reason = StopReason.Budget;
        while (n < limit)
        {
            if (i >= count)
            {
                if (!FetchBlock(rip, out ops, out count)) goto Fault;
                i = 0;
            }
            ref XOp op = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(ops), i);
            ulong next = rip + op.Len;
            switch (op.Kind)
            {
                case XKind.Nop: break;
                case XKind.MovRR64: Unsafe.Add(ref r0, op.Dst) = Unsafe.Add(ref r0, op.Src); break;
                case XKind.MovRR32: Unsafe.Add(ref r0, op.Dst) = (uint)Unsafe.Add(ref r0, op.Src); break;
                case XKind.MovRI: Unsafe.Add(ref r0, op.Dst) = (ulong)op.Imm; break;
                case XKind.MovRM64:
                    if (!Load(Ea(ref op, next), 8, out ulong loaded)) goto Fault;
                    Unsafe.Add(ref r0, op.Dst) = loaded;
                    break;
                case XKind.MovMR64:
                    if (!Store(Ea(ref op, next), 8, Unsafe.Add(ref r0, op.Src))) goto Fault;
                    break;
                case XKind.MovRM32:
                    if (!Load(Ea(ref op, next), 4, out ulong loaded32)) goto Fault;
                    Unsafe.Add(ref r0, op.Dst) = loaded32;
                    break;
                case XKind.MovMR32:
                    if (!Store(Ea(ref op, next), 4, (uint)Unsafe.Add(ref r0, op.Src))) goto Fault;
                    break;
                case XKind.IncDecR:
                {
                    ref ulong d = ref Unsafe.Add(ref r0, op.Dst);
                    ulong m = Mask(op.Size), a = d & m;
                    _f.Cf = Carry();
                    ulong r = (op.Sub == 2 ? a + 1 : a - 1) & m;
                    SetLazy(op.Sub == 2 ? LazyFlags.Inc : LazyFlags.Dec, op.Size, a, 1, r);
                    d = r;
                    break;
                }
                case XKind.ImulR:
                {
                    ref ulong d = ref Unsafe.Add(ref r0, op.Dst);
                    ulong b = Unsafe.Add(ref r0, op.Src), a = op.SrcSize == 1 ? (ulong)op.Imm : d;
                    ulong lo;
                    bool overflow;
                    if (op.Size == 8)
                    {
                        long hi = Math.BigMul((long)a, (long)b, out long l);
                        lo = (ulong)l;
                        overflow = hi != (l >> 63);
                    }
                    else
                    {
                        long full = (long)(int)a * (int)b;
                        lo = (uint)full;
                        overflow = full != (int)full;
                    }
                    d = lo;
                    _f.Cf = overflow ? 1UL : 0;
                    SetLazy(LazyFlags.Mul, op.Size, 0, 0, lo);
                    break;
                }
                case XKind.ShiftRI:
                {
                    ref ulong d = ref Unsafe.Add(ref r0, op.Dst);
                    int size = op.Size, sc = (int)op.Imm;
                    ulong a = d & Mask(size), r;
                    byte kind;
                    if (op.Sub == 4) { r = (a << sc) & Mask(size); kind = LazyFlags.Shl; }
                    else if (op.Sub == 5) { r = a >> sc; kind = LazyFlags.Shr; }
                    else { r = (ulong)(SignExtend(a, size) >> sc) & Mask(size); kind = LazyFlags.Sar; }
                    SetLazy(kind, size, a, (ulong)sc, r);
                    d = r;
                    break;
                }
                case XKind.AluRR64: AluReg(ref Unsafe.Add(ref r0, op.Dst), op.Sub, Unsafe.Add(ref r0, op.Src), 8); break;
                case XKind.AluRI64: AluReg(ref Unsafe.Add(ref r0, op.Dst), op.Sub, (ulong)op.Imm, 8); break;
                case XKind.AluRR32: AluReg(ref Unsafe.Add(ref r0, op.Dst), op.Sub, Unsafe.Add(ref r0, op.Src), 4); break;
                case XKind.AluRI32: AluReg(ref Unsafe.Add(ref r0, op.Dst), op.Sub, (ulong)op.Imm, 4); break;
                case XKind.Lea:
                {
                    ulong ea = Ea(ref op, next);
                    WriteReg(op.Dst, op.Size, ea);
                    break;
                }
                case XKind.Jcc:
                    if (Cond(op.Cond)) next += (ulong)op.Imm;
                    break;
                case XKind.Jmp: next += (ulong)op.Imm; break;
                case XKind.Call:
                    if (!Store(sp - 8, 8, next)) goto Fault;
                    sp -= 8;
                    next += (ulong)op.Imm;
                    break;
                case XKind.Ret:
                    if (!Load(sp, 8, out ulong ret)) goto Fault;
                    sp += 8 + (ulong)op.Imm;
                    next = ret;
                    break;
                case XKind.Push:
                    if (!Push(ref op, next)) goto Fault;
                    break;
                case XKind.Pop:
                    if (!Pop(ref op, next)) goto Fault;
                    break;
                case XKind.JmpInd:
                    if (!Source1(ref op, next, out next)) goto Fault;
                    break;
                case XKind.CallInd:
                {
                    if (!Source1(ref op, next, out ulong target) || !Store(sp - 8, 8, next)) goto Fault;
                    sp -= 8;
                    next = target;
                    break;
                }
                case XKind.Syscall:
                    Unsafe.Add(ref r0, (int)Reg.Rcx) = next;
                    Unsafe.Add(ref r0, (int)Reg.R11) = Flags();
                    reason = StopReason.Syscall;
                    rip = next;
                    n++;
                    goto Stop;
                case XKind.Hlt:
                    if (Privilege == Privilege.User)
                    {
                        Fail(new MemoryFault(FaultKind.GeneralProtection, rip, Access.Fetch, 0, FaultCause.PrivilegedInstruction));
                        goto Fault;
                    }
                    reason = StopReason.Halt;
                    rip = next;
                    n++;
                    goto Stop;
                case XKind.Invalid:
                    InvalidMnemonic = MnemonicOf(op.Code);
                    goto Invalid;
                default:
                    if (!Execute(ref op, next)) goto Fault;
                    break;
            }
            rip = next;
            n++;
            i++;
            if (_codeWritten)
            {
                _codeWritten = false;
                count = 0;
            }
        }
        goto Stop;

    Fault:
        reason = StopReason.Fault;
        goto Stop;
    Invalid:
        reason = StopReason.InvalidOpcode;
    Stop:
        _regs.Rip = rip;
        done = n;
        return reason;
    }

    /// <summary>A register destination's ALU operation (the size is a constant at each call, so this inlines
    /// to the same code as writing it out); cmp and test only set the flags. A 32-bit result zero-extends.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AluReg(ref ulong d, byte sub, ulong src, int size)
    {
        ulong r = Alu((AluOp)sub, d, src, size);
        if (sub < (byte)AluOp.Cmp) d = r;
    }

    /// <summary>The operand of a one-operand form (register or memory) at its size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Source1(ref XOp op, ulong next, out ulong v)
    {
        if (op.Form == XForm.R)
        {
            v = ReadReg(op.Dst, op.Size);
            return true;
        }
        return Load(Ea(ref op, next), op.Size, out v);
    }

    private static string MnemonicOf(ushort code) =>
        code == 0 ? "(bad)" : Iced.Intel.MnemonicUtils.Mnemonic((Iced.Intel.Code)code).ToString().ToLowerInvariant();
}
