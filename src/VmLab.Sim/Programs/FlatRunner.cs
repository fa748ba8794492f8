using VmLab.Sim.Paging;
using System.Text;
using VmLab.Sim.Asm;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.Programs;

/// <summary>One traced instruction: where, what, and the registers it changed ("rax=0x1").</summary>
public sealed record TraceLine(ulong Address, string Instruction, string? Label, string Changes);

/// <summary>How a program run on the flat machine ended, and what it printed.</summary>
public sealed record FlatRunResult(
    long Instructions,
    StopReason StopReason,
    bool Exited,
    long? ExitStatus,
    string Output,
    MemoryFault? Fault,
    RegisterFile Registers,
    int Syscalls,
    IReadOnlyList<TraceLine> Trace,
    bool TraceTruncated);

/// <summary>
/// Runs a program without a kernel: the image is copied into one flat memory (from its first page up to a
/// 64 KiB stack above it), rsp starts at the top, and a two-call handler serves write and exit (any other
/// number returns -1). Everything else (faults, hlt, invalid opcodes, running out of steps) ends the run.
/// </summary>
public static class FlatRunner
{
    public const int StackSize = 64 * 1024;
    public const ulong MaxMemory = 64UL << 20;

    public static FlatRunResult Run(ProgramImage image, long maxInstructions, bool trace = false, int traceLimit = 10_000)
    {
        var (start, end) = image.Extent;
        if (end > ulong.MaxValue - 4095 - StackSize)
            throw new InvalidOperationException($"program ends at 0x{end:x}: no room above it for the stack in a flat machine");
        ulong lo = start & ~4095UL, hi = ((end + 4095) & ~4095UL) + StackSize;
        if (hi - lo > MaxMemory)
            throw new InvalidOperationException($"program spans {(hi - lo) >> 20} MiB; the flat machine holds at most {MaxMemory >> 20} MiB");
        var memory = new byte[hi - lo];
        foreach (var seg in image.Segments)
            seg.Bytes.CopyTo(memory, (int)(seg.Address - lo));
        var cpu = new Cpu<FlatBus>(new FlatBus(memory, lo)) { Rip = image.Entry };
        cpu[Reg.Rsp] = hi;

        var output = new StringBuilder();
        var lines = new List<TraceLine>();
        bool truncated = false;
        int syscalls = 0;
        long? exitStatus = null;
        StopReason reason = StopReason.Budget;
        while (cpu.InstructionCount < maxInstructions)
        {
            long left = maxInstructions - cpu.InstructionCount;
            if (trace)
            {
                var before = cpu.Registers;
                reason = cpu.Step();
                if (lines.Count < traceLimit) lines.Add(Describe(image, cpu, before, reason));
                else truncated = true;
            }
            else
            {
                reason = cpu.Run(left);
            }
            if (reason == StopReason.Budget) continue;
            if (reason != StopReason.Syscall) break;
            syscalls++;
            if (Serve(cpu, output, ref exitStatus)) break;
        }
        return new FlatRunResult(cpu.InstructionCount, reason, exitStatus is not null, exitStatus, output.ToString(),
            reason == StopReason.Fault ? cpu.LastFault : null, cpu.Registers, syscalls, lines, truncated);
    }

    /// <summary>Handles one syscall; true when the program exited.</summary>
    private static bool Serve(Cpu<FlatBus> cpu, StringBuilder output, ref long? exitStatus)
    {
        switch ((long)cpu[Reg.Rax])
        {
            case SyscallAbi.Exit:
                exitStatus = (long)cpu[Reg.Rdi];
                return true;
            case SyscallAbi.Write:
            {
                ulong buf = cpu[Reg.Rdi], len = cpu[Reg.Rsi];
                var bytes = new byte[(int)Math.Min(len, 1 << 20)];
                bool ok = len <= 1 << 20;
                for (int i = 0; ok && i < bytes.Length; i++)
                {
                    ok = cpu.Bus.TryLoad(buf + (ulong)i, 1, Access.Read, Privilege.User, out ulong b, out _);
                    bytes[i] = (byte)b;
                }
                if (ok) output.Append(Encoding.UTF8.GetString(bytes));
                cpu[Reg.Rax] = ok ? len : ulong.MaxValue;
                return false;
            }
            default:
                cpu[Reg.Rax] = ulong.MaxValue;
                return false;
        }
    }

    private static TraceLine Describe(ProgramImage image, Cpu<FlatBus> cpu, RegisterFile before, StopReason reason)
    {
        ulong at = before.Rip;
        string text = "?";
        if (cpu.Bus.TryLoad(at, 8, Access.Fetch, Privilege.User, out ulong slot, out _))
        {
            ulong? next = cpu.Bus.TryLoad(at + 8, 8, Access.Fetch, Privilege.User, out ulong n, out _) ? n : null;
            text = Disassembler.Decode(slot, next, at, image.LabelAt).Text;
        }
        var changes = new List<string>();
        for (int i = 0; i < 16; i++)
            if (cpu.Registers.Gpr[i] != before.Gpr[i])
                changes.Add($"{Isa.RegisterNames[i]}=0x{cpu.Registers.Gpr[i]:x}");
        if (cpu.Registers.Flags != before.Flags) changes.Add($"flags={cpu.Registers.Flags}");
        if (reason is not (StopReason.Budget)) changes.Add(reason.ToString().ToLowerInvariant());
        return new TraceLine(at, text, image.LabelAt(at), string.Join(' ', changes));
    }
}
