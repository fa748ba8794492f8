using VmLab.Sim.Cpu;
using VmLab.Sim.X86;

namespace VmLab.X86.Tests;

/// <summary>
/// Student code is hostile input: random bytes (any instruction, any prefix) run from random register values
/// (the extremes division, shifts and addressing trip on) must end in a stop reason the kernel handles, never a
/// .NET exception. Fixed seed; on a failure the message has the bytes and registers to reproduce it.
/// </summary>
public class HostileCodeTests
{
    private static readonly ulong[] Extremes =
    [
        0, 1, 2, ulong.MaxValue, 1UL << 63, long.MaxValue, 0x8000_0000, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000, 0xFFFF,
        0x80, 0xFF, 63, 64, 65, 0x1000, 0x0FFF, 0xFFFF_8000_0000_0000, 0x0000_8000_0000_0000,
    ];

    private static readonly ulong[] DivideEdges = [0, ulong.MaxValue, 1UL << 63, 0x8000_0000, 0x8000, 0x80];

    [Fact]
    public void Random_code_on_extreme_operands_never_throws_on_flat_or_paged_memory()
    {
        var rng = new Random(2_5_2026);
        var flatBus = FlatBus.Allocate(16 * 4096);
        byte[] flat = flatBus.Memory;
        var flatCpu = new X86Cpu<FlatBus>(flatBus);
        var paged = new PagedTestMemory(frames: 16, virtualPages: 32);
        for (int p = 0; p < 12; p++)
            paged.Map((ulong)p * 4096, p, p % 4 == 3 ? PagePerm.UserRo : PagePerm.UserRw);   // pages 12-31 unmapped
        var pagedCpu = new X86Cpu<PagedTestBus>(new PagedTestBus(paged)) { TimerInterval = 7 };
        var stops = new Dictionary<StopReason, int>();
        for (int i = 0; i < 40_000; i++)
        {
            byte[] code = Code(rng);
            var regs = new ulong[16];
            for (int r = 0; r < 16; r++)
                regs[r] = rng.Next(3) == 0 ? (ulong)rng.Next(0x1000, 0xB000) : Extremes[rng.Next(Extremes.Length)] ^ (rng.Next(4) == 0 ? 1UL : 0);
            ulong rflags = (ulong)rng.Next() & 0xCD5;
            if (i % 2 == 0)
            {
                Array.Clear(flat);
                code.CopyTo(flat, 0x2000);
                Count(stops, Run(flatCpu, code, regs, rflags));
            }
            else
            {
                paged.Poke(0x2000, code);
                Count(stops, Run(pagedCpu, code, regs, rflags));
            }
        }
        // the input reached every way of stopping the kernel must handle
        foreach (StopReason s in new[] { StopReason.Fault, StopReason.InvalidOpcode, StopReason.Budget })
            Assert.True(stops.GetValueOrDefault(s) > 100, $"{s}: {stops.GetValueOrDefault(s)} runs; the generator is off");
    }

    private static StopReason Run<TBus>(X86Cpu<TBus> cpu, byte[] code, ulong[] regs, ulong rflags) where TBus : IMemoryBus
    {
        for (int r = 0; r < 16; r++) cpu[(Reg)r] = regs[r];
        cpu.Rip = 0x2000;
        cpu.Rflags = rflags;
        try
        {
            StopReason last = StopReason.Budget;
            for (int k = 0; k < 4 && last is StopReason.Budget or StopReason.Timer or StopReason.Syscall; k++)
                last = cpu.Run(40);
            return last;
        }
        catch (Exception e)
        {
            Assert.Fail($"{e.GetType().Name}: {e.Message}\n  code: {Convert.ToHexString(code)}\n  regs: "
                        + string.Join(' ', regs.Select(v => $"0x{v:x}")) + $"\n  rflags: 0x{rflags:x}\n{e.StackTrace}");
            throw;
        }
    }

    /// <summary>Random bytes, with the prefixes and opcodes of the risky classes made common: operand size and
    /// REX prefixes, rep/repne, lock, two-byte opcodes, and div/idiv of registers at every width.</summary>
    private static byte[] Code(Random rng)
    {
        var code = new List<byte>();
        while (code.Count < 64)
        {
            if (rng.Next(3) == 0)
            {
                int rm = new[] { 1, 3, 5, 6, 7 }[rng.Next(5)];
                if (rng.Next(4) != 0)   // rax, rdx and the divisor first (movabs), from the values division trips on
                    foreach (int r in new[] { 0, 2, rm })
                    {
                        code.Add(0x48);
                        code.Add((byte)(0xB8 + r));
                        code.AddRange(BitConverter.GetBytes(DivideEdges[rng.Next(DivideEdges.Length)]));
                    }
                if (rng.Next(3) == 0) code.Add(0x66);
                if (rng.Next(2) == 0) code.Add((byte)(0x48 | rng.Next(8)));
                code.Add((byte)(rng.Next(2) == 0 ? 0xF6 : 0xF7));
                code.Add((byte)(0xC0 | (rng.Next(6, 8) << 3) | rm));   // div/idiv r
                continue;
            }
            int prefixes = rng.Next(3);
            for (int p = 0; p < prefixes; p++)
                code.Add(new byte[] { 0x66, 0x67, 0xF2, 0xF3, 0xF0, 0x48, 0x41, 0x4C, 0x2E, 0x64 }[rng.Next(10)]);
            if (rng.Next(4) == 0) code.Add(0x0F);
            int n = rng.Next(1, 7);
            for (int b = 0; b < n; b++) code.Add((byte)rng.Next(256));
        }
        return code.ToArray();
    }

    private static void Count(Dictionary<StopReason, int> stops, StopReason s) => stops[s] = stops.GetValueOrDefault(s) + 1;
}
