namespace VmLab.Sim.Cpu;

/// <summary>
/// The instruction set (docs/isa.md is the one-page reference). Every instruction is one 8-byte slot,
/// little-endian: byte 0 opcode, byte 1 registers (a = low nibble, b = high nibble), bytes 2-3 zero,
/// bytes 4-7 a signed 32-bit immediate. <c>movabs</c> is the one two-slot instruction: its second slot is the
/// 64-bit immediate. Opcode 0x00 is invalid on purpose, so running into zeroed memory stops at once.
/// </summary>
public enum Opcode : byte
{
    Invalid = 0x00,
    Nop = 0x01, Hlt = 0x02, Syscall = 0x03, Ret = 0x04, RepMovsb = 0x05, RepStosb = 0x06,

    // a = a OP b
    Mov = 0x10, Add, Sub, And, Or, Xor, Shl, Shr, Sar, Mul, Udiv, Urem, Sdiv, Srem, Cmp, Test,

    // a = a OP imm32 (sign-extended)
    MovI = 0x20, AddI, SubI, AndI, OrI, XorI, ShlI, ShrI, SarI, MulI, UdivI, UremI, SdivI, SremI, CmpI, TestI,

    Movabs = 0x30, Neg, Not, Push, Pop, JmpR, CallR,

    // a = memory[b + imm32] (ld: zero-extend, lds: sign-extend); lea: a = b + imm32
    Ld1 = 0x40, Ld2, Ld4, Ld8, Lds1, Lds2, Lds4, Lea,
    // memory[b + imm32] = a
    St1 = 0x48, St2, St4, St8,

    // rip = next + imm32
    Jmp = 0x50, Call, Je, Jne, Jl, Jge, Jle, Jg, Jb, Jae, Jbe, Ja,
}

/// <summary>The operand shape of an instruction: which fields of the slot mean something.</summary>
public enum Format : byte
{
    /// <summary>Not an instruction.</summary>
    None,
    /// <summary>No operands.</summary>
    Bare,
    /// <summary>One register (a).</summary>
    Reg,
    /// <summary>a, b.</summary>
    RegReg,
    /// <summary>a, imm32.</summary>
    RegImm,
    /// <summary>a, imm64 in the next slot.</summary>
    RegImm64,
    /// <summary>a, [b + imm32]: loads and lea.</summary>
    Load,
    /// <summary>[b + imm32], a: stores.</summary>
    Store,
    /// <summary>A target: rip-relative imm32.</summary>
    Branch,
}

/// <summary>What the assembler, the disassembler and the CPU agree on about each opcode.</summary>
public static class Isa
{
    /// <summary>Size of one instruction slot; rip is always a multiple of it.</summary>
    public const int SlotSize = 8;

    public static readonly string[] RegisterNames =
        ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

    private static readonly string?[] s_mnemonics = new string?[256];
    private static readonly Format[] s_formats = new Format[256];
    private static readonly ulong[] s_reserved = new ulong[256];
    private static readonly Dictionary<string, Opcode[]> s_byMnemonic = [];

    static Isa()
    {
        Add(Format.Bare, (Opcode.Nop, "nop"), (Opcode.Hlt, "hlt"), (Opcode.Syscall, "syscall"), (Opcode.Ret, "ret"),
            (Opcode.RepMovsb, "rep movsb"), (Opcode.RepStosb, "rep stosb"));
        string[] alu = ["mov", "add", "sub", "and", "or", "xor", "shl", "shr", "sar", "mul", "udiv", "urem", "sdiv", "srem", "cmp", "test"];
        for (int i = 0; i < alu.Length; i++)
        {
            Add(Format.RegReg, ((Opcode)(0x10 + i), alu[i]));
            Add(Format.RegImm, ((Opcode)(0x20 + i), alu[i]));
        }
        Add(Format.RegImm64, (Opcode.Movabs, "movabs"));
        Add(Format.Reg, (Opcode.Neg, "neg"), (Opcode.Not, "not"), (Opcode.Push, "push"), (Opcode.Pop, "pop"),
            (Opcode.JmpR, "jmp"), (Opcode.CallR, "call"));
        Add(Format.Load, (Opcode.Ld1, "ld1"), (Opcode.Ld2, "ld2"), (Opcode.Ld4, "ld4"), (Opcode.Ld8, "ld8"),
            (Opcode.Lds1, "lds1"), (Opcode.Lds2, "lds2"), (Opcode.Lds4, "lds4"), (Opcode.Lea, "lea"));
        Add(Format.Store, (Opcode.St1, "st1"), (Opcode.St2, "st2"), (Opcode.St4, "st4"), (Opcode.St8, "st8"));
        string[] br = ["jmp", "call", "je", "jne", "jl", "jge", "jle", "jg", "jb", "jae", "jbe", "ja"];
        for (int i = 0; i < br.Length; i++)
            Add(Format.Branch, ((Opcode)(0x50 + i), br[i]));
    }

    private static void Add(Format format, params (Opcode Op, string Name)[] ops)
    {
        foreach (var (op, name) in ops)
        {
            s_mnemonics[(byte)op] = name;
            s_formats[(byte)op] = format;
            s_reserved[(byte)op] = format switch
            {
                Format.Bare => ~0xFFUL,
                Format.Reg or Format.RegImm64 => ~0xFFFUL,
                Format.RegReg => ~0xFFFFUL,
                Format.RegImm => 0xFFFFF000UL,
                Format.Load or Format.Store => 0xFFFF0000UL,
                _ => 0xFFFFFF00UL,   // Branch
            };
            s_byMnemonic[name] = s_byMnemonic.TryGetValue(name, out var list) ? [.. list, op] : [op];
        }
    }

    /// <summary>The mnemonic of op, or null when op is not an instruction.</summary>
    public static string? Mnemonic(Opcode op) => s_mnemonics[(byte)op];

    /// <summary>The operand shape of op (None when op is not an instruction).</summary>
    public static Format FormatOf(Opcode op) => s_formats[(byte)op];

    /// <summary>Bits of the slot that must be zero for op (all of them for undefined opcodes).</summary>
    internal static ulong ReservedBits(Opcode op) => s_reserved[(byte)op];

    /// <summary>Table form of <see cref="ReservedBits"/> for the CPU's hot path.</summary>
    internal static ulong[] ReservedTable => s_reserved;

    /// <summary>The opcodes spelled by a mnemonic ("add" has a register and an immediate form).</summary>
    public static IReadOnlyList<Opcode> ByMnemonic(string mnemonic) =>
        s_byMnemonic.TryGetValue(mnemonic, out var list) ? list : [];

    /// <summary>True when the slot is a well-formed instruction (defined opcode, reserved bits zero).</summary>
    public static bool IsValid(ulong slot)
    {
        var op = (Opcode)(byte)slot;
        return s_formats[(byte)op] != Format.None && (slot & s_reserved[(byte)op]) == 0;
    }

    /// <summary>How many bytes op occupies: 16 for movabs, 8 for every other instruction.</summary>
    public static int Length(Opcode op) => op == Opcode.Movabs ? 16 : SlotSize;

    /// <summary>Register number of a name ("rax" → 0), or -1.</summary>
    public static int RegisterNumber(string name) => Array.IndexOf(RegisterNames, name.ToLowerInvariant());

    /// <summary>Packs one slot.</summary>
    public static ulong Encode(Opcode op, int a = 0, int b = 0, int imm = 0) =>
        (byte)op | (ulong)(a & 15) << 8 | (ulong)(b & 15) << 12 | (ulong)(uint)imm << 32;

    /// <summary>Whether a conditional jump is taken for the given flags.</summary>
    public static bool Taken(Opcode op, CpuFlags f)
    {
        bool z = (f & CpuFlags.Zero) != 0, l = (f & CpuFlags.Less) != 0, bl = (f & CpuFlags.Below) != 0;
        return op switch
        {
            Opcode.Je => z,
            Opcode.Jne => !z,
            Opcode.Jl => l,
            Opcode.Jge => !l,
            Opcode.Jle => l || z,
            Opcode.Jg => !(l || z),
            Opcode.Jb => bl,
            Opcode.Jae => !bl,
            Opcode.Jbe => bl || z,
            Opcode.Ja => !(bl || z),
            _ => false,
        };
    }
}
