using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.X86;
using Decoder = Iced.Intel.Decoder;

namespace VmLab.Cli.Commands.Sim;

/// <summary>A memory store one instruction made: where, how many bytes, and the bytes as they read afterwards
/// (little-endian value for 1, 2, 4 and 8 bytes; the first 16 bytes in hex for a string instruction).</summary>
internal sealed record TracedStore(ulong Address, int Size, string Value);

/// <summary>One traced instruction and what it changed: registers (new values), the status flags that changed
/// (new values) and the memory it stored.</summary>
internal sealed record TracedStep(X86Line Line, IReadOnlyDictionary<string, string> Registers, string Flags, IReadOnlyList<TracedStore> Memory)
{
    /// <summary>"rax=0x5 ZF=1 CF=0 [0x2fffe8]=0x100034", what a person reads after the instruction.</summary>
    public string Changes => string.Join(' ', Registers.Select(r => $"{r.Key}={r.Value}")
        .Concat(Flags.Length > 0 ? [Flags] : [])
        .Concat(Memory.Select(m => $"[0x{m.Address:x}]={m.Value}" + (m.Size is 1 or 2 or 4 or 8 ? "" : $" ({m.Size} bytes)"))));
}

/// <summary>Runs one process an instruction at a time and says what each instruction wrote: the registers and
/// status flags Iced says it writes plus any that changed (so a syscall shows its result), with their values after;
/// the stores from Iced's list of the memory operands it writes (push and call included), addressed with the
/// registers before it ran and read back through the process's page table after.</summary>
internal static class StepTrace
{
    private static readonly (ulong Bit, RflagsBits Iced, string Name)[] StatusFlags =
        [(1UL << 0, RflagsBits.CF, "CF"), (1UL << 2, RflagsBits.PF, "PF"), (1UL << 4, RflagsBits.AF, "AF"), (1UL << 6, RflagsBits.ZF, "ZF"),
         (1UL << 7, RflagsBits.SF, "SF"), (1UL << 10, RflagsBits.DF, "DF"), (1UL << 11, RflagsBits.OF, "OF")];

    public static List<TracedStep> Run(Kernel k, int pid, ProgramImage image, long steps, int maxLines)
    {
        var lines = new List<TracedStep>();
        var info = new InstructionInfoFactory();
        while (lines.Count < maxLines && k.Instructions < steps && k.Panic is null && !k.OutOfTime && k.Find(pid) is { } p)
        {
            RegisterFile before = p.Registers;
            ulong rip = before.Rip;
            var seg = image.Segments.FirstOrDefault(s => s.Executable && rip >= s.Address && rip < s.Address + (ulong)s.Bytes.Length);
            X86Line? line = null;
            Instruction ins = default;
            if (seg is not null)
            {
                var code = seg.Bytes.AsSpan((int)(rip - seg.Address));
                line = X86Disassembler.One(code, rip, X86Syntax.Gnu, image.SymbolFor);
                ins = Decoder.Create(64, new ByteArrayCodeReader(code[..Math.Min(code.Length, 15)].ToArray()), rip).Decode();
            }
            if (k.Run(1) == 0) break;
            if (line is null) continue;
            if (k.Find(pid) is not { } after)     // it exited or was killed: nothing left to read back
            {
                lines.Add(new TracedStep(line, new Dictionary<string, string>(), "", []));
                continue;
            }
            lines.Add(new TracedStep(line, Registers(info, ins, before, after.Registers), Flags(ins, before.Rflags, after.Registers.Rflags),
                Stores(k, after, info, ins, before, after.Registers)));
        }
        return lines;
    }

    // The registers the instruction writes (Iced's list: mov $0,%eax writes rax even when it was 0) and any other
    // that changed (a syscall's result, rcx and r11), in rax..r15 order, with their values after.
    private static Dictionary<string, string> Registers(InstructionInfoFactory info, in Instruction ins, in RegisterFile before, in RegisterFile after)
    {
        var written = new bool[16];
        if (!ins.IsInvalid)
            foreach (var u in info.GetInfo(ins).GetUsedRegisters())
                if (u.Access is OpAccess.Write or OpAccess.ReadWrite or OpAccess.CondWrite or OpAccess.ReadCondWrite
                    && u.Register.IsGPR() && u.Register.GetFullRegister() - Register.RAX is var i and >= 0 and < 16)
                    written[i] = true;
        var changed = new Dictionary<string, string>();
        for (int i = 0; i < 16; i++)
            if (written[i] || before.Gpr[i] != after.Gpr[i]) changed[RegisterFile.Names[i]] = $"0x{after.Gpr[i]:x}";
        return changed;
    }

    // The status flags the instruction writes (Iced's RflagsModified) or that changed, with their values after.
    private static string Flags(in Instruction ins, ulong before, ulong after)
    {
        var modified = ins.IsInvalid ? RflagsBits.None : ins.RflagsModified;
        return string.Join(' ', StatusFlags.Where(f => (modified & f.Iced) != 0 || ((before ^ after) & f.Bit) != 0)
            .Select(f => $"{f.Name}={((after & f.Bit) != 0 ? 1 : 0)}"));
    }

    private static List<TracedStore> Stores(Kernel k, Process p, InstructionInfoFactory info, in Instruction ins, RegisterFile before, in RegisterFile after)
    {
        var stores = new List<TracedStore>();
        if (ins.IsInvalid) return stores;
        if (ins.HasRepPrefix || ins.HasRepePrefix || ins.HasRepnePrefix)
        {
            // rep stos/movs: the bytes from rdi before to rdi after (Iced lists one element)
            if (ins.Mnemonic is Mnemonic.Stosb or Mnemonic.Stosw or Mnemonic.Stosd or Mnemonic.Stosq
                or Mnemonic.Movsb or Mnemonic.Movsw or Mnemonic.Movsd or Mnemonic.Movsq)
            {
                ulong from = before[Reg.Rdi], to = after[Reg.Rdi];
                ulong start = Math.Min(from, to), size = Math.Max(from, to) - start;
                if (size > 0) stores.Add(Read(k, p, start, (int)Math.Min(size, int.MaxValue)));
            }
            return stores;
        }
        foreach (var m in info.GetInfo(ins).GetUsedMemory())
        {
            if (m.Access is not (OpAccess.Write or OpAccess.ReadWrite or OpAccess.CondWrite or OpAccess.ReadCondWrite)) continue;
            ulong next = ins.NextIP;
            if (!m.TryGetVirtualAddress(0, out ulong va, (Register r, int _, int _, out ulong v) => TryValue(r, before, next, out v))) continue;
            int size = m.MemorySize.GetSize();
            if (size > 0) stores.Add(Read(k, p, va, size));
        }
        return stores;
    }

    private static bool TryValue(Register r, in RegisterFile regs, ulong nextIp, out ulong value)
    {
        value = 0;
        if (r is Register.RIP or Register.EIP) value = nextIp;
        else if (r.IsSegmentRegister()) value = 0;     // flat segments (fs/gs bases are 0 in VmLab)
        else if (r.IsGPR())
        {
            value = regs.Gpr[r.GetFullRegister() - Register.RAX];
            if (r.IsGPR32()) value &= 0xffff_ffff;
            else if (r.IsGPR16()) value &= 0xffff;
            else if (r.IsGPR8()) return false;
        }
        else return false;
        return true;
    }

    private static TracedStore Read(Kernel k, Process p, ulong va, int size)
    {
        var bytes = new byte[Math.Min(size, 16)];
        if (!k.TryCopyFromUser(p, va, bytes)) return new TracedStore(va, size, "?");
        string value = size switch
        {
            1 => $"0x{bytes[0]:x}",
            2 => $"0x{BitConverter.ToUInt16(bytes):x}",
            4 => $"0x{BitConverter.ToUInt32(bytes):x}",
            8 => $"0x{BitConverter.ToUInt64(bytes):x}",
            _ => Convert.ToHexString(bytes).ToLowerInvariant() + (size > bytes.Length ? "..." : ""),
        };
        return new TracedStore(va, size, value);
    }
}
