using System.Runtime.CompilerServices;

namespace VmLab.Sim.Cpu;

public sealed partial class Cpu<TBus>
{
    /// <summary>
    /// Executes the instruction at rip. Returns Budget when it retired normally, or the event. Every path that
    /// fails returns before writing any register or memory (the block copies write only whole finished steps).
    /// </summary>
    private StopReason Execute()
    {
        ulong rip = _regs.Rip;
        if (!Fetch(rip, out ulong w))
            return StopReason.Fault;
        var op = (Opcode)(byte)w;
        if ((w & Isa.ReservedTable[(byte)op]) != 0)
            return StopReason.InvalidOpcode;
        ref ulong r0 = ref Unsafe.As<GeneralRegisters, ulong>(ref _regs.Gpr);
        ref ulong a = ref Unsafe.Add(ref r0, (int)(w >> 8) & 15);
        ulong b = Unsafe.Add(ref r0, (int)(w >> 12) & 15);
        ulong imm = (ulong)(long)(int)(w >> 32);
        ulong next = rip + Isa.SlotSize;

        switch (op)
        {
            case Opcode.Nop: break;
            case Opcode.Hlt: _regs.Rip = next; return StopReason.Halt;
            case Opcode.Syscall: _regs.Rip = next; return StopReason.Syscall;
            case Opcode.Ret:
            {
                ref ulong sp = ref Unsafe.Add(ref r0, (int)Reg.Rsp);
                if (!Load(sp, 8, out ulong target)) return StopReason.Fault;
                sp += 8;
                _regs.Rip = target;
                return StopReason.Budget;
            }
            case Opcode.RepMovsb: return RepMovsb(ref r0) ? Retire(next) : StopReason.Fault;
            case Opcode.RepStosb: return RepStosb(ref r0) ? Retire(next) : StopReason.Fault;

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
                return Divide(op, ref a, b, rip) ? Retire(next) : StopReason.Fault;
            case Opcode.UdivI or Opcode.UremI or Opcode.SdivI or Opcode.SremI:
                return Divide(op - 0x10, ref a, imm, rip) ? Retire(next) : StopReason.Fault;
            case Opcode.Cmp: _regs.Flags = Compare(a, b); break;
            case Opcode.CmpI: _regs.Flags = Compare(a, imm); break;
            case Opcode.Test: _regs.Flags = TestFlags(a & b); break;
            case Opcode.TestI: _regs.Flags = TestFlags(a & imm); break;

            case Opcode.Movabs:
                if (!Fetch(next, out ulong wide)) return StopReason.Fault;
                a = wide;
                next += Isa.SlotSize;
                break;
            case Opcode.Neg: a = 0 - a; break;
            case Opcode.Not: a = ~a; break;
            case Opcode.Push:
            {
                ref ulong sp = ref Unsafe.Add(ref r0, (int)Reg.Rsp);
                if (!Store(sp - 8, 8, a)) return StopReason.Fault;
                sp -= 8;
                break;
            }
            case Opcode.Pop:
            {
                ref ulong sp = ref Unsafe.Add(ref r0, (int)Reg.Rsp);
                if (!Load(sp, 8, out ulong v)) return StopReason.Fault;
                sp += 8;
                a = v;   // after the increment, so "pop rsp" loads rsp as on x86
                break;
            }
            case Opcode.JmpR: next = a; break;
            case Opcode.CallR:
            {
                ulong target = a;
                ref ulong sp = ref Unsafe.Add(ref r0, (int)Reg.Rsp);
                if (!Store(sp - 8, 8, next)) return StopReason.Fault;
                sp -= 8;
                next = target;
                break;
            }

            case Opcode.Ld1: return LoadTo(ref a, b + imm, 1, next);
            case Opcode.Ld2: return LoadTo(ref a, b + imm, 2, next);
            case Opcode.Ld4: return LoadTo(ref a, b + imm, 4, next);
            case Opcode.Ld8: return LoadTo(ref a, b + imm, 8, next);
            case Opcode.Lds1:
                if (!Load(b + imm, 1, out ulong v1)) return StopReason.Fault;
                a = (ulong)(long)(sbyte)v1;
                break;
            case Opcode.Lds2:
                if (!Load(b + imm, 2, out ulong v2)) return StopReason.Fault;
                a = (ulong)(long)(short)v2;
                break;
            case Opcode.Lds4:
                if (!Load(b + imm, 4, out ulong v4)) return StopReason.Fault;
                a = (ulong)(long)(int)v4;
                break;
            case Opcode.Lea: a = b + imm; break;
            case Opcode.St1: if (!Store(b + imm, 1, a)) return StopReason.Fault; break;
            case Opcode.St2: if (!Store(b + imm, 2, a)) return StopReason.Fault; break;
            case Opcode.St4: if (!Store(b + imm, 4, a)) return StopReason.Fault; break;
            case Opcode.St8: if (!Store(b + imm, 8, a)) return StopReason.Fault; break;

            case Opcode.Jmp: next += imm; break;
            case Opcode.Call:
            {
                ref ulong sp = ref Unsafe.Add(ref r0, (int)Reg.Rsp);
                if (!Store(sp - 8, 8, next)) return StopReason.Fault;
                sp -= 8;
                next += imm;
                break;
            }
            case >= Opcode.Je and <= Opcode.Ja:
                if (Isa.Taken(op, _regs.Flags)) next += imm;
                break;

            default: return StopReason.InvalidOpcode;
        }
        _regs.Rip = next;
        return StopReason.Budget;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private StopReason Retire(ulong next)
    {
        _regs.Rip = next;
        return StopReason.Budget;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private StopReason LoadTo(ref ulong dst, ulong va, int size, ulong next)
    {
        if (!Load(va, size, out ulong v)) return StopReason.Fault;
        dst = v;
        return Retire(next);
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
