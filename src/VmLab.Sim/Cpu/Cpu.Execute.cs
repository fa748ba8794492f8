using VmLab.Sim.Paging;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VmLab.Sim.Cpu;

public sealed partial class Cpu<TBus>
{
    /// <summary>
    /// The interpreter loop: executes up to limit instructions from rip, stopping early at an event. done counts
    /// retired instructions. Every path that fails leaves rip on the instruction and writes no register or memory
    /// (the block copies write only whole finished steps). rip lives in a local while the loop runs.
    /// </summary>
    private StopReason Loop(long limit, out long done)
    {
        ref ulong r0 = ref Unsafe.As<GeneralRegisters, ulong>(ref _regs.Gpr);
        ref ulong sp = ref Unsafe.Add(ref r0, (int)Reg.Rsp);
        ref ulong reserved = ref MemoryMarshal.GetArrayDataReference(Isa.ReservedTable);
        ulong rip = _regs.Rip;
        long n = 0;
        StopReason reason = StopReason.Budget;
        while (n < limit)
        {
            ulong w;
            ulong off = rip - _codeBase;
            if (off < _codeLimit && (off & 7) == 0)
                w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_codePage), _codeOffset + (nint)off));
            else if (!FetchSlow(rip, out w))
                goto Fault;
            var op = (Opcode)(byte)w;
            if ((w & Unsafe.Add(ref reserved, (byte)op)) != 0)
                goto Invalid;
            ref ulong a = ref Unsafe.Add(ref r0, (int)(w >> 8) & 15);
            ulong b = Unsafe.Add(ref r0, (int)(w >> 12) & 15);
            ulong imm = (ulong)(long)(int)(w >> 32);
            ulong next = rip + Isa.SlotSize;

            switch (op)
            {
                case Opcode.Nop: break;
                case Opcode.Hlt: reason = StopReason.Halt; rip = next; n++; goto Stop;
                case Opcode.Syscall: reason = StopReason.Syscall; rip = next; n++; goto Stop;
                case Opcode.Ret:
                    if (!Load(sp, 8, out next)) goto Fault;
                    sp += 8;
                    break;
                case Opcode.RepMovsb: if (!RepMovsb(ref r0)) goto Fault; break;
                case Opcode.RepStosb: if (!RepStosb(ref r0)) goto Fault; break;

                case Opcode.Mov: a = b; break;
                case Opcode.MovI: a = imm; break;
                case Opcode.Add: a += b; break;
                case Opcode.AddI: a += imm; break;
                case Opcode.Sub: a -= b; break;
                case Opcode.SubI: a -= imm; break;
                case Opcode.And: a &= b; break;
                case Opcode.AndI: a &= imm; break;
                case Opcode.Or: a |= b; break;
                case Opcode.OrI: a |= imm; break;
                case Opcode.Xor: a ^= b; break;
                case Opcode.XorI: a ^= imm; break;
                case Opcode.Shl: a <<= (int)(b & 63); break;
                case Opcode.ShlI: a <<= (int)(imm & 63); break;
                case Opcode.Shr: a >>= (int)(b & 63); break;
                case Opcode.ShrI: a >>= (int)(imm & 63); break;
                case Opcode.Sar: a = (ulong)((long)a >> (int)(b & 63)); break;
                case Opcode.SarI: a = (ulong)((long)a >> (int)(imm & 63)); break;
                case Opcode.Mul: a *= b; break;
                case Opcode.MulI: a *= imm; break;
                case Opcode.Udiv or Opcode.Urem or Opcode.Sdiv or Opcode.Srem:
                    if (!Divide(op, ref a, b, rip)) goto Fault;
                    break;
                case Opcode.UdivI or Opcode.UremI or Opcode.SdivI or Opcode.SremI:
                    if (!Divide(op - 0x10, ref a, imm, rip)) goto Fault;
                    break;
                case Opcode.Cmp: _regs.Flags = Compare(a, b); break;
                case Opcode.CmpI: _regs.Flags = Compare(a, imm); break;
                case Opcode.Test: _regs.Flags = TestFlags(a & b); break;
                case Opcode.TestI: _regs.Flags = TestFlags(a & imm); break;

                case Opcode.Movabs:
                    ulong wide;
                    if (next - _codeBase < _codeLimit)
                        wide = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_codePage), _codeOffset + (nint)(next - _codeBase)));
                    else if (!FetchSlow(next, out wide))
                        goto Fault;
                    a = wide;
                    next += Isa.SlotSize;
                    break;
                case Opcode.Neg: a = 0 - a; break;
                case Opcode.Not: a = ~a; break;
                case Opcode.Push:
                    if (!Store(sp - 8, 8, a)) goto Fault;
                    sp -= 8;
                    break;
                case Opcode.Pop:
                    if (!Load(sp, 8, out ulong popped)) goto Fault;
                    sp += 8;
                    a = popped;   // after the increment, so "pop rsp" loads rsp as on x86
                    break;
                case Opcode.JmpR: next = a; break;
                case Opcode.CallR:
                {
                    ulong target = a;
                    if (!Store(sp - 8, 8, next)) goto Fault;
                    sp -= 8;
                    next = target;
                    break;
                }

                case Opcode.Ld1: if (!Load(b + imm, 1, out ulong l1)) goto Fault; a = l1; break;
                case Opcode.Ld2: if (!Load(b + imm, 2, out ulong l2)) goto Fault; a = l2; break;
                case Opcode.Ld4: if (!Load(b + imm, 4, out ulong l4)) goto Fault; a = l4; break;
                case Opcode.Ld8: if (!Load(b + imm, 8, out ulong l8)) goto Fault; a = l8; break;
                case Opcode.Lds1: if (!Load(b + imm, 1, out ulong s1)) goto Fault; a = (ulong)(long)(sbyte)s1; break;
                case Opcode.Lds2: if (!Load(b + imm, 2, out ulong s2)) goto Fault; a = (ulong)(long)(short)s2; break;
                case Opcode.Lds4: if (!Load(b + imm, 4, out ulong s4)) goto Fault; a = (ulong)(long)(int)s4; break;
                case Opcode.Lea: a = b + imm; break;
                case Opcode.St1: if (!Store(b + imm, 1, a)) goto Fault; break;
                case Opcode.St2: if (!Store(b + imm, 2, a)) goto Fault; break;
                case Opcode.St4: if (!Store(b + imm, 4, a)) goto Fault; break;
                case Opcode.St8: if (!Store(b + imm, 8, a)) goto Fault; break;

                case Opcode.Jmp: next += imm; break;
                case Opcode.Call:
                    if (!Store(sp - 8, 8, next)) goto Fault;
                    sp -= 8;
                    next += imm;
                    break;
                case >= Opcode.Je and <= Opcode.Ja:
                    if (Isa.Taken(op, _regs.Flags)) next += imm;
                    break;

                default: goto Invalid;
            }
            rip = next;
            n++;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Load(ulong va, int size, out ulong value)
    {
        if ((va & (ulong)(size - 1)) != 0)
        {
            value = 0;
            return Fail(new MemoryFault(FaultKind.Alignment, va, Access.Read, 0));
        }
        if (_bus.TryLoad(va, size, Access.Read, Privilege, out value, out MemoryFault fault)) return true;
        return Fail(fault);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Store(ulong va, int size, ulong value)
    {
        if ((va & (ulong)(size - 1)) != 0)
            return Fail(new MemoryFault(FaultKind.Alignment, va, Access.Write, 0));
        if (_bus.TryStore(va, size, value, Privilege, out MemoryFault fault)) return true;
        return Fail(fault);
    }

    private bool Divide(Opcode op, ref ulong a, ulong b, ulong rip)
    {
        bool signed = op is Opcode.Sdiv or Opcode.Srem;
        if (b == 0 || (signed && (long)a == long.MinValue && (long)b == -1))
            return Fail(new MemoryFault(FaultKind.DivideError, rip, Access.Fetch, 0));
        a = op switch
        {
            Opcode.Udiv => a / b,
            Opcode.Urem => a % b,
            Opcode.Sdiv => (ulong)((long)a / (long)b),
            _ => (ulong)((long)a % (long)b),
        };
        return true;
    }

    private static CpuFlags Compare(ulong x, ulong y) =>
        (x == y ? CpuFlags.Zero : 0) | ((long)x < (long)y ? CpuFlags.Less : 0) | (x < y ? CpuFlags.Below : 0);

    private static CpuFlags TestFlags(ulong r) =>
        (r == 0 ? CpuFlags.Zero : 0) | ((long)r < 0 ? CpuFlags.Less : 0);
}
