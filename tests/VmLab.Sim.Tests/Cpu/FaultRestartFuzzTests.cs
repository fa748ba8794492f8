using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using VmLab.Sim.X86;

namespace VmLab.Sim.Tests.Cpu;

/// <summary>
/// Fixed-seed random x86-64 code over a paged memory with missing, read-only and supervisor pages: the CPU never
/// throws, and every instruction that faults or is invalid leaves registers, RFLAGS and memory untouched and
/// stops the same way when run again (the kernel's "fix and restart" depends on it). String instructions
/// with rep keep the iterations they finished, so for them only the restart is checked.
/// </summary>
public class FaultRestartFuzzTests
{
    private const ulong Code = 0x100000, Data = 0x200000;

    [Fact]
    public void Random_code_faults_precisely_and_never_throws()
    {
        var rng = new Random(2026);
        int faults = 0, invalid = 0, retired = 0;
        for (int program = 0; program < 60; program++)
        {
            var mem = new PagedTestMemory(frames: 12, virtualPages: 1024);
            mem.Map(Code, 1, PagePerm.UserRw);                                   // code (writable: it may patch itself)
            for (int p = 0; p < 3; p++) mem.Map(Data + (ulong)p * 4096, 2 + p, PagePerm.UserRw);
            mem.Map(Data + 0x3000, 5, PagePerm.UserRo);
            mem.Map(Data + 0x4000, 6, PagePerm.Present | PagePerm.Writable);      // supervisor only
            // Data + 0x5000 and up, and the page after the code: not mapped
            var code = new byte[4096];
            rng.NextBytes(code);
            mem.Poke(Code, code);
            var cpu = new X86Cpu<PagedTestBus>(new PagedTestBus(mem)) { Rip = Code + (ulong)rng.Next(4096) };
            for (int r = 0; r < 16; r++) cpu.Registers.Gpr[r] = RandomValue(rng);
            cpu.Rflags = 0x202 | (ulong)rng.Next(2) * 0x8D5;                     // IF and the fixed bit; some status flags

            for (int step = 0; step < 150; step++)
            {
                RegisterFile before = cpu.Registers;
                byte[] memBefore = (byte[])mem.Physical.Clone();
                var insn = Decode(mem, before.Rip);
                StopReason reason = cpu.Step();
                if (reason is StopReason.Fault or StopReason.InvalidOpcode)
                {
                    bool rep = insn.IsStringInstruction && (insn.HasRepPrefix || insn.HasRepePrefix || insn.HasRepnePrefix);
                    if (!rep)
                    {
                        Assert.True(cpu.Registers.SameAs(before), $"program {program} step {step}: {reason} on {insn} changed registers");
                        Assert.True(memBefore.AsSpan().SequenceEqual(mem.Physical), $"program {program} step {step}: {reason} on {insn} changed memory");
                    }
                    RegisterFile atFault = cpu.Registers;
                    MemoryFault first = cpu.LastFault;
                    Assert.Equal(reason, cpu.Step());
                    if (reason == StopReason.Fault && !rep) Assert.Equal(first, cpu.LastFault);
                    if (!rep) Assert.True(cpu.Registers.SameAs(atFault));
                    if (reason == StopReason.Fault) faults++; else invalid++;
                    cpu.Rip += (ulong)Math.Max(1, insn.Length);                      // skip it, as a kernel might
                }
                else
                {
                    retired++;
                }
                if (cpu.Rip < Code || cpu.Rip >= Code + 4096) cpu.Rip = Code + (ulong)rng.Next(4096);
            }
        }
        // The mix exercised every path.
        Assert.True(faults > 100, $"only {faults} faults");
        Assert.True(invalid > 100, $"only {invalid} invalid opcodes");
        Assert.True(retired > 1000, $"only {retired} retired");
    }

    /// <summary>The instruction at va as Iced reads it from the mapped bytes (invalid when it runs off the page).</summary>
    private static Instruction Decode(PagedTestMemory mem, ulong va)
    {
        int n = (int)Math.Min(15, Code + 4096 - va);
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(mem.Peek(va, n)), va);
        decoder.Decode(out var insn);
        return insn;
    }

    private static ulong RandomValue(Random rng) => rng.Next(5) switch
    {
        0 => Data + (ulong)rng.Next(0, 6 * 4096),                   // data, read-only, supervisor and missing pages
        1 => Data + (ulong)rng.Next(0, 6 * 512) * 8,                // the same, 8-aligned
        2 => (ulong)rng.Next(0, 64),                                // small counts
        3 => Code + (ulong)rng.Next(4096),                          // code addresses
        _ => (ulong)rng.NextInt64(),
    };
}
