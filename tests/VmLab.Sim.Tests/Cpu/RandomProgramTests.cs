using System.Text;
using VmLab.Sim.Asm;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.Tests.Cpu;

/// <summary>
/// Fixed-seed random programs (arithmetic, compares with forward branches, loads and stores into a buffer)
/// run on the CPU and on a straightforward C# model; every register, the flags and the buffer must agree.
/// </summary>
public class RandomProgramTests
{
    private static readonly string[] s_alu = ["mov", "add", "sub", "and", "or", "xor", "shl", "shr", "sar", "mul", "udiv", "urem", "sdiv", "srem"];
    private static readonly string[] s_jcc = ["je", "jne", "jl", "jge", "jle", "jg", "jb", "jae", "jbe", "ja"];
    private const int Buf = 256;        // bytes of scratch memory at r15

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_programs_match_the_reference_model(int seed)
    {
        var rng = new Random(seed * 7919);
        var model = new Model();
        var src = new StringBuilder(".text\n_start:\n    mov r15, buf\n");
        for (int r = 0; r < 14; r++)       // random initial values in rax..r13 (not rsp, r14, r15)
        {
            int reg = r == 4 ? 14 : r;     // rsp stays the stack; r14 takes its place
            ulong v = RandomValue(rng);
            model.R[reg] = v;
            src.AppendLine($"    movabs {Isa.RegisterNames[reg]}, 0x{v:x}");
        }
        for (int i = 0; i < 2000; i++)
            src.AppendLine("    " + Next(rng, model, i));
        src.AppendLine("    hlt\n.data\nbuf: .zero " + Buf);

        var (cpu, image) = TestMachine.Flat(src.ToString());
        model.R[15] = image.Symbols["buf"];
        model.R[4] = cpu[Reg.Rsp];
        Assert.Equal(StopReason.Halt, TestMachine.RunToStop(cpu));
        for (int r = 0; r < 16; r++)
            Assert.True(model.R[r] == cpu.Registers.Gpr[r], $"seed {seed}: {Isa.RegisterNames[r]} is 0x{cpu.Registers.Gpr[r]:x}, model says 0x{model.R[r]:x}");
        Assert.Equal(model.Flags, cpu.Registers.Flags);
        Assert.Equal(model.Mem, cpu.Bus.Memory.AsSpan((int)image.Symbols["buf"], Buf).ToArray());
    }

    private static ulong RandomValue(Random rng) => rng.Next(4) switch
    {
        0 => (ulong)rng.Next(-4, 5),
        1 => (ulong)rng.Next(),
        _ => (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63),
    };

    private static int Dest(Random rng)
    {
        int r = rng.Next(14);
        return r == 4 ? 14 : r;
    }

    /// <summary>One random statement, applied to the model as it is generated.</summary>
    private static string Next(Random rng, Model m, int i)
    {
        int a = Dest(rng), b = Dest(rng);   // rsp and r15 are not known to the model while generating
        string ra = Isa.RegisterNames[a], rb = Isa.RegisterNames[b];
        switch (rng.Next(10))
        {
            case < 4:
            {
                string op = s_alu[rng.Next(s_alu.Length)];
                if (!m.Alu(op, a, m.R[b])) return "nop";       // would divide by zero: skip
                return $"{op} {ra}, {rb}";
            }
            case < 7:
            {
                string op = s_alu[rng.Next(s_alu.Length)];
                int imm = rng.Next(3) == 0 ? rng.Next(-70, 70) : rng.Next(int.MinValue, int.MaxValue);
                if (!m.Alu(op, a, (ulong)(long)imm)) return "nop";
                return $"{op} {ra}, {imm}";
            }
            case 7:
            {
                // cmp/test then a jcc over one add: taken or not, per the model
                bool test = rng.Next(3) == 0;
                ulong x = m.R[a], y = m.R[b];
                m.Flags = test ? (((x & y) == 0 ? CpuFlags.Zero : 0) | ((long)(x & y) < 0 ? CpuFlags.Less : 0))
                               : (x == y ? CpuFlags.Zero : 0) | ((long)x < (long)y ? CpuFlags.Less : 0) | (x < y ? CpuFlags.Below : 0);
                string j = s_jcc[rng.Next(s_jcc.Length)];
                if (!Isa.Taken(Isa.ByMnemonic(j)[0], m.Flags)) m.R[a] += 1;
                return $"{(test ? "test" : "cmp")} {ra}, {rb}\n    {j} skip{i}\n    add {ra}, 1\nskip{i}:";
            }
            default:
            {
                int size = 1 << rng.Next(4);
                int off = rng.Next(Buf / size) * size;
                if (rng.Next(2) == 0)
                {
                    for (int k = 0; k < size; k++) m.Mem[off + k] = (byte)(m.R[a] >> (8 * k));
                    return $"st{size} [r15 + {off}], {ra}";
                }
                bool signed = size < 8 && rng.Next(2) == 0;
                ulong v = 0;
                for (int k = 0; k < size; k++) v |= (ulong)m.Mem[off + k] << (8 * k);
                int shift = 64 - 8 * size;
                m.R[a] = signed ? (ulong)((long)(v << shift) >> shift) : v;
                return $"ld{(signed ? "s" : "")}{size} {ra}, [r15 + {off}]";
            }
        }
    }

    private sealed class Model
    {
        public readonly ulong[] R = new ulong[16];
        public readonly byte[] Mem = new byte[Buf];
        public CpuFlags Flags;

        /// <summary>Applies a = a op b; false (and no change) when the CPU would raise a divide error.</summary>
        public bool Alu(string op, int a, ulong b)
        {
            ulong x = R[a];
            if (op is "udiv" or "urem" or "sdiv" or "srem" && (b == 0 || (op[0] == 's' && (long)x == long.MinValue && (long)b == -1)))
                return false;
            R[a] = op switch
            {
                "mov" => b,
                "add" => x + b,
                "sub" => x - b,
                "and" => x & b,
                "or" => x | b,
                "xor" => x ^ b,
                "shl" => x << (int)(b % 64),
                "shr" => x >> (int)(b % 64),
                "sar" => (ulong)((long)x >> (int)(b % 64)),
                "mul" => x * b,
                "udiv" => x / b,
                "urem" => x % b,
                "sdiv" => (ulong)((long)x / (long)b),
                _ => (ulong)((long)x % (long)b),
            };
            return true;
        }
    }

    [Fact]
    public void Random_programs_round_trip_through_the_disassembler()
    {
        var rng = new Random(3);
        var src = new StringBuilder(".text\n_start:\n");
        var m = new Model();
        for (int i = 0; i < 500; i++) src.AppendLine("    " + Next(rng, m, i));
        src.AppendLine("hlt\n.data\nbuf: .zero 256");
        var image = Assembler.Assemble(src.ToString());
        var again = Assembler.Assemble(Disassembler.ToSource(image));
        Assert.Equal(image.Get(SegmentKind.Text)!.Bytes, again.Get(SegmentKind.Text)!.Bytes);
        Assert.Equal(image.Entry, again.Entry);
    }
}
