using VmLab.Sim.Paging;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.Tests.Cpu;

/// <summary>
/// Fixed-seed random code over a paged memory with missing, read-only and supervisor pages: the CPU never
/// throws, and every instruction that faults or is invalid leaves registers, flags and memory untouched and
/// faults the same way when run again.
/// </summary>
public class FuzzTests
{
    [Fact]
    public void Random_code_faults_precisely_and_never_throws()
    {
        var rng = new Random(2026);
        int faults = 0, invalid = 0, retired = 0;
        for (int program = 0; program < 60; program++)
        {
            var mem = new PagedTestMemory(frames: 12, virtualPages: 1024);
            mem.Map(0x100000, 1, PagePerm.UserRw);                  // code (writable: programs may patch themselves)
            for (int p = 0; p < 3; p++) mem.Map(0x200000 + (ulong)p * 4096, 2 + p, PagePerm.UserRw);
            mem.Map(0x203000, 5, PagePerm.UserRo);
            mem.Map(0x204000, 6, PagePerm.Present | PagePerm.Writable);  // supervisor only
            // 0x205000 and up: not mapped
            var code = new byte[4096];
            for (int i = 0; i < 512; i++) BitConverter.GetBytes(RandomSlot(rng)).CopyTo(code, i * 8);
            mem.Poke(0x100000, code);
            var cpu = new Cpu<PagedTestBus>(new PagedTestBus(mem)) { Rip = 0x100000 + (ulong)rng.Next(512) * 8 };
            for (int r = 0; r < 16; r++) cpu.Registers.Gpr[r] = RandomValue(rng);

            for (int step = 0; step < 150; step++)
            {
                RegisterFile before = cpu.Registers;
                byte[] memBefore = (byte[])mem.Physical.Clone();
                bool isRep = mem.PhysicalOf(before.Rip) >= 0 && mem.Peek(before.Rip, 1)[0] is (byte)Opcode.RepMovsb or (byte)Opcode.RepStosb;
                StopReason reason = cpu.Step();
                if (reason is StopReason.Fault or StopReason.InvalidOpcode)
                {
                    // (a block copy keeps its finished steps, and may even have overwritten itself: not checked here)
                    if (!isRep)
                    {
                        Assert.True(cpu.Registers.SameAs(before), $"program {program} step {step}: {reason} changed registers");
                        Assert.Equal(memBefore, mem.Physical);
                        MemoryFault first = cpu.LastFault;
                        Assert.Equal(reason, cpu.Step());
                        if (reason == StopReason.Fault) Assert.Equal(first, cpu.LastFault);
                        Assert.True(cpu.Registers.SameAs(before));
                    }
                    if (reason == StopReason.Fault) faults++; else invalid++;
                    // move on: skip the instruction, as a kernel that "handles" it might
                    cpu.Rip = (cpu.Rip & ~7UL) + 8;
                }
                else
                {
                    retired++;
                }
                if (cpu.Rip < 0x100000 || cpu.Rip >= 0x101000) cpu.Rip = 0x100000 + (ulong)rng.Next(512) * 8;
            }
        }
        // The mix exercised every path.
        Assert.True(faults > 100, $"only {faults} faults");
        Assert.True(invalid > 0, "no invalid opcodes");
        Assert.True(retired > 1000, $"only {retired} retired");
    }

    private static ulong RandomValue(Random rng) => rng.Next(5) switch
    {
        0 => 0x200000 + (ulong)rng.Next(0, 6 * 4096),          // data, read-only, supervisor and missing pages
        1 => 0x200000 + (ulong)rng.Next(0, 6 * 512) * 8,        // the same, 8-aligned
        2 => (ulong)rng.Next(0, 64),                            // small counts
        3 => 0x100000 + (ulong)rng.Next(512) * 8,               // code addresses
        _ => (ulong)rng.NextInt64(),
    };

    private static ulong RandomSlot(Random rng)
    {
        if (rng.Next(40) == 0) return (ulong)rng.NextInt64();  // garbage: almost always invalid
        while (true)
        {
            var op = (Opcode)rng.Next(0x60);
            Format f = Isa.FormatOf(op);
            if (f == Format.None) continue;
            int imm = f switch
            {
                Format.Branch => rng.Next(-64, 64) * 8,
                Format.Load or Format.Store => rng.Next(-64, 64),
                _ => rng.Next(3) == 0 ? rng.Next() : rng.Next(-100, 100),
            };
            return Isa.Encode(op, rng.Next(16), rng.Next(16), imm) & ~Isa.ReservedBits(op);
        }
    }
}
