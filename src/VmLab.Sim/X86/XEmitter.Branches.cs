using System.Reflection;
using System.Reflection.Emit;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.X86;

// Where a block goes after its last instruction: another piece of the region (an edge, XEmitter.Pending.cs), a
// return or indirect jump searched among the region's block starts, or out of the region.
internal sealed partial class XEmitter<TBus>
{
    private static readonly MethodInfo NonCanonicalBranchMethod = typeof(XOps<TBus>).GetMethod(nameof(XOps<TBus>.NonCanonicalBranch), Static)!;

    /// <summary>What follows a block's last instruction.</summary>
    private void End(XRegionBlock b, ulong end)
    {
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
                CondBranch(last.Cond, taken);
                Goto(end);
                il.MarkLabel(taken);
                Goto(end + (ulong)last.Imm);
                break;
            }
            case XCode.Ret or XCode.JmpInd or XCode.CallInd:
            {
                // a return (or indirect jump) to one of the region's blocks stays in the region: a binary search
                // of the block starts (a switch's jump table reaches dozens of cases)
                int[] starts = BlockStartsByAddress();
                Label outside = il.DefineLabel();
                Materialise();   // the block starts' own budget checks, which expect the record in _fl
                Search(starts, outside);
                il.MarkLabel(outside);
                LeaveAtNext(StopReason.Budget);
                break;
            }
            default: Goto(end); break;
        }
    }

    /// <summary>Branches to the piece among starts (sorted by address) that begins at _next, else to outside.</summary>
    private void Search(ReadOnlySpan<int> starts, Label outside)
    {
        if (starts.Length <= 3)
        {
            foreach (int i in starts)
            {
                il.Emit(OpCodes.Ldloc, _next);
                il.Emit(OpCodes.Ldc_I8, (long)_pieces[i].Va);
                il.Emit(OpCodes.Beq, _labels[i]);
            }
            il.Emit(OpCodes.Br, outside);
            return;
        }
        int mid = starts.Length / 2;
        Label upper = il.DefineLabel();
        il.Emit(OpCodes.Ldloc, _next);
        il.Emit(OpCodes.Ldc_I8, (long)_pieces[starts[mid]].Va);
        il.Emit(OpCodes.Bge_Un, upper);
        Search(starts[..mid], outside);
        il.MarkLabel(upper);
        Search(starts[mid..], outside);
    }

    /// <summary>Continues at address: a block of the region, or out of it.</summary>
    private void Goto(ulong address)
    {
        for (int i = 0; i < _pieces.Count; i++)
            if (_pieces[i].Start == 0 && _pieces[i].Va == address)
            {
                Edge(i);
                return;
            }
        Leave(address, StopReason.Budget);
    }

    /// <summary>The pieces that begin a block, sorted by address (an insertion sort: a region has at most
    /// XRegionBuilder.MaxBlocks blocks, and LINQ over value types would be JIT-compiled at a run's first region).</summary>
    private int[] BlockStartsByAddress()
    {
        var starts = new List<int>();
        for (int i = 0; i < _pieces.Count; i++)
        {
            if (_pieces[i].Start != 0) continue;
            int at = starts.Count;
            starts.Add(i);
            for (; at > 0 && _pieces[starts[at - 1]].Va > _pieces[i].Va; at--) starts[at] = starts[at - 1];
            starts[at] = i;
        }
        return [.. starts];
    }

    /// <summary>An indirect branch's target (in target) that is not canonical is #GP(0) on the branch, before it
    /// changes anything (<see cref="XOps{TBus}.NonCanonicalBranch"/>, the definition's own words).</summary>
    private void CanonicalTarget(LocalBuilder target, Label fail)
    {
        Label ok = il.DefineLabel();
        il.Emit(OpCodes.Ldloc, target);
        il.Emit(OpCodes.Ldc_I4, 16);
        il.Emit(OpCodes.Shl);
        il.Emit(OpCodes.Ldc_I4, 16);
        il.Emit(OpCodes.Shr);
        il.Emit(OpCodes.Ldloc, target);
        il.Emit(OpCodes.Beq, ok);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldloc, target);
        il.Emit(OpCodes.Call, NonCanonicalBranchMethod);
        il.Emit(OpCodes.Pop);
        il.Emit(OpCodes.Br, fail);
        il.MarkLabel(ok);
    }
}
