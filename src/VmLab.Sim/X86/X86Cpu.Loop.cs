using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

public sealed partial class X86Cpu<TBus>
{
    private LazyFlags _f;

    /// <summary>
    /// The interpreter loop: executes up to limit instructions from rip, stopping early at an event; done counts
    /// retired instructions. Each instruction is its <see cref="XOps{TBus}"/> method, called through
    /// <see cref="XDispatch{TBus}"/>; a failing one leaves rip on it and has written nothing. Translated blocks
    /// (<see cref="XJit{TBus}"/>) run in its place when a block is hot and the budget covers it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe StopReason Loop(long limit, out long done)
    {
        bool translate = _jit is not null && Translation && limit > 1;   // a single step is always interpreted
        ulong rip = _regs.Rip;
        long n = 0;
        XOp[] ops = _single;
        int i = 0, count = 0;
        bool resumed = true;   // the first block may start mid-way through a compiled one: it runs, but never heats
        StopReason reason = StopReason.Budget;
        while (n < limit)
        {
            if (i >= count)
            {
                if (!FetchBlock(rip, out ops, out count, out XBlock? block)) goto Fault;
                i = 0;
                bool heat = !resumed;
                resumed = false;
                if (block is not null && translate)
                {
                    long left = limit - n;
                    StopReason? ran = _jit!.TryRun(this, block, rip, ref left, heat);
                    if (ran is { } stop)
                    {
                        n = limit - left;
                        rip = _regs.Rip;
                        count = 0;
                        _codeWritten = false;
                        if (stop == StopReason.Budget)
                        {
                            resumed = _jit.Missed;   // the interpreter makes the access the region missed
                            continue;
                        }
                        reason = stop;
                        goto Stop;
                    }
                }
            }
            ref XOp op = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(ops), i);
            ulong next = rip + op.Len;
            if (op.Code == XCode.Invalid)
            {
                InvalidMnemonic = MnemonicOf(op.IcedCode);
                reason = StopReason.InvalidOpcode;
                goto Stop;
            }
            if (!XDispatch<TBus>.Get(op.Code)(this, ref _regs.Gpr, ref _f, ref next, op.Form, op.Size, op.Dst, op.Src,
                    op.Base, op.Index, op.Scale, op.Addr32, op.Disp, op.Imm, op.Aux))
                goto Fault;
            rip = next;
            n++;
            i++;
            if (op.Code is XCode.Syscall or XCode.Hlt)
            {
                reason = op.Code == XCode.Syscall ? StopReason.Syscall : StopReason.Halt;
                goto Stop;
            }
            if (_codeWritten)
            {
                _codeWritten = false;
                count = 0;
            }
        }
        goto Stop;

    Fault:
        reason = StopReason.Fault;
    Stop:
        _regs.Rip = rip;
        done = n;
        return reason;
    }

    private static string MnemonicOf(ushort code) =>
        code == 0 ? "(bad)" : Iced.Intel.MnemonicUtils.Mnemonic((Iced.Intel.Code)code).ToString().ToLowerInvariant();
}
