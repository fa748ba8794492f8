using Iced.Intel;

namespace VmLab.X86.Tests.Diff;

/// <summary>
/// Random instruction sequences for the differential test. Instructions come from random bytes decoded by
/// Iced (so prefixes, REX, operand sizes and encodings are varied for free), kept when they are in the tested
/// classes, with every memory operand redirected rip-relative into the data page and re-encoded by Iced's
/// encoder. String instructions get their pointers and count set up first. The generator tracks which status
/// flags are undefined so far and never emits an instruction that reads one.
/// </summary>
internal sealed partial class SequenceGenerator(int seed)
{
    private static readonly HashSet<Mnemonic> Tested =
    [
        Mnemonic.Add, Mnemonic.Or, Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.And, Mnemonic.Sub, Mnemonic.Xor,
        Mnemonic.Cmp, Mnemonic.Test, Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Movsxd, Mnemonic.Lea,
        Mnemonic.Not, Mnemonic.Neg, Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Rcl,
        Mnemonic.Rcr, Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Shld, Mnemonic.Shrd,
        Mnemonic.Mul, Mnemonic.Imul, Mnemonic.Div, Mnemonic.Idiv, Mnemonic.Push, Mnemonic.Pop, Mnemonic.Cbw,
        Mnemonic.Cwde, Mnemonic.Cdqe, Mnemonic.Cwd, Mnemonic.Cdq, Mnemonic.Cqo, Mnemonic.Bt, Mnemonic.Bts,
        Mnemonic.Btr, Mnemonic.Btc, Mnemonic.Bsf, Mnemonic.Bsr, Mnemonic.Tzcnt, Mnemonic.Popcnt, Mnemonic.Bswap,
        Mnemonic.Xchg, Mnemonic.Cmpxchg, Mnemonic.Xadd, Mnemonic.Clc, Mnemonic.Stc, Mnemonic.Cmc, Mnemonic.Lahf,
        Mnemonic.Sahf, Mnemonic.Nop,
    ];

    private static readonly ulong[] Interesting =
    [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue, 63, 64, 31, 32, 0x1_0000_0000,
    ];

    private readonly Random _rng = new(seed);

    public X86Case Next()
    {
        var regs = new ulong[16];
        for (int i = 0; i < 16; i++) regs[i] = Value();
        regs[4] = X86Case.StackStart;
        var data = new byte[X86Case.DataSize];
        _rng.NextBytes(data);
        var tail = new byte[X86Case.TailSize];
        _rng.NextBytes(tail);
        ulong flags = ((ulong)_rng.Next() & Status) | 0x202;
        var code = new List<byte>();
        var undefinedAt = new Dictionary<ulong, ulong>();
        ulong undefined = 0;
        int depth = 0, count = _rng.Next(1, 13);
        // one case in six reaches for the read-only or unmapped page, or runs into the no-execute data page
        int faultAt = _rng.Next(6) == 0 ? _rng.Next(count) : -1;
        var fault = new FaultPlan();
        for (int k = 0; k < count; k++)
        {
            if (k == faultAt) FaultGroup(code, ref undefined, ref depth, undefinedAt, fault);
            else if (_rng.Next(14) == 0) DivideGroup(code, ref undefined, undefinedAt);
            else if (_rng.Next(20) == 0) BitCountGroup(code, ref undefined, undefinedAt);
            else if (_rng.Next(12) == 0) StringOp(code, ref undefined, undefinedAt);
            else if (_rng.Next(10) == 0) ControlFlow(code, ref undefined, ref depth, undefinedAt);
            else RandomInstruction(code, ref undefined, ref depth, undefinedAt);
        }
        undefinedAt[X86Case.CodeVa + (ulong)code.Count] = undefined;
        code.Add(0x0F);
        code.Add(0x0B);   // ud2
        if (fault.PageEnd is { } end)
        {
            // an instruction whose first bytes end the code page and whose rest would be on the data page
            while (code.Count < 4096 - end.Length) code.Add(0xCC);
            code.AddRange(end);
        }
        return new X86Case
        {
            Code = code.ToArray(), Regs = regs, Rflags = flags, Data = data, Tail = tail, UndefinedAt = undefinedAt,
            Faulting = faultAt >= 0, Straddles = fault.Straddles,
        };
    }

    /// <summary>One random instruction from the tested classes (retrying until one is acceptable).</summary>
    private void RandomInstruction(List<byte> code, ref ulong undefined, ref int depth, Dictionary<ulong, ulong> undefinedAt, ulong? target = null)
    {
        for (int tries = 0; tries < 500; tries++)
        {
            undefinedAt[X86Case.CodeVa + (ulong)code.Count] = undefined;
            if (TryRandom(code, ref undefined, ref depth, undefinedAt, target)) break;
        }
    }

    public const ulong Status = 0x8D5;   // CF PF AF ZF SF OF

    private ulong Value() => _rng.Next(3) == 0 ? Interesting[_rng.Next(Interesting.Length)]
        : _rng.Next(3) == 0 ? (ulong)_rng.Next(-300, 300) : (ulong)_rng.NextInt64() ^ ((ulong)_rng.Next() << 63);

    private bool TryRandom(List<byte> code, ref ulong undefined, ref int depth, Dictionary<ulong, ulong> undefinedAt,
        ulong? target = null)
    {
        ulong ip = X86Case.CodeVa + (ulong)code.Count;
        var bytes = new byte[16];
        _rng.NextBytes(bytes);
        int prefix = 0;
        if (_rng.Next(8) == 0) bytes[prefix++] = 0x66;
        if (_rng.Next(2) == 0) bytes[prefix++] = (byte)(0x40 | _rng.Next(16));
        if (_rng.Next(4) == 0) bytes[prefix] = 0x0F;
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes), ip);
        decoder.Decode(out Instruction ins);
        if (ins.IsInvalid || !Acceptable(ins, ref depth)) return false;
        // vendors differ on movsxd r16, m16: AMD reads four bytes where Intel's manual (and VmLab) reads two, so
        // across the end of a page the host would fault where the machine VmLab models does not
        if (target is not null && ins.Code == Code.Movsxd_r16_rm16) return false;
        if ((IcedFlags(ins.RflagsRead) & undefined) != 0) return false;
        bool keepsMemory = ins.Mnemonic is Mnemonic.Lea or Mnemonic.Nop;
        var setup = new List<byte>();
        bool memory = ins.Op0Kind == OpKind.Memory || ins.Op1Kind == OpKind.Memory;
        if (target is not null && (!memory || keepsMemory)) return false;
        if (memory && !keepsMemory)
        {
            if (target is { } at0)
            {
                ins.MemoryBase = Register.RIP;
                ins.MemoryIndex = Register.None;
                ins.MemoryIndexScale = 1;
                ins.MemoryDisplacement64 = at0;
                ins.MemoryDisplSize = 8;
            }
            else if (_rng.Next(3) == 0)
            {
                // base + index * scale + disp8: set the two registers up first, so the address lands in the data
                Register b = Gprs[_rng.Next(Gprs.Length)], x = Gprs[_rng.Next(Gprs.Length)];
                if (b == x) return false;
                Encode(setup, Instruction.Create(Code.Lea_r64_m, b, new MemoryOperand(Register.RIP,
                    (long)(X86Case.DataVa + (ulong)_rng.Next(64, 320)))), ip);
                Encode(setup, Instruction.Create(Code.Mov_r32_imm32, Gpr32(x), _rng.Next(16)), ip + (ulong)setup.Count);
                ins.MemoryBase = b;
                ins.MemoryIndex = x;
                ins.MemoryIndexScale = 1 << _rng.Next(4);
                ins.MemoryDisplacement64 = (ulong)(long)_rng.Next(-64, 64);
                ins.MemoryDisplSize = 1;
            }
            else
            {
                ins.MemoryBase = Register.RIP;
                ins.MemoryIndex = Register.None;
                ins.MemoryIndexScale = 1;
                ins.MemoryDisplacement64 = X86Case.DataVa + (ulong)_rng.Next(0, 512);
                ins.MemoryDisplSize = 8;
            }
        }
        ulong at = ip + (ulong)setup.Count;
        var writer = new Writer();
        if (!Encoder.Create(64, writer).TryEncode(ins, at, out _, out _)) return false;
        byte[] encoded = writer.Bytes.ToArray();
        var check = Decoder.Create(64, new ByteArrayCodeReader(encoded), at);
        check.Decode(out Instruction again);
        if (again.IsInvalid || again.Length != encoded.Length || again.Mnemonic != ins.Mnemonic) return false;
        for (int k = 0; k < setup.Count; k++) undefinedAt[ip + (ulong)k] = undefined;
        undefinedAt[at] = undefined;
        code.AddRange(setup);
        code.AddRange(encoded);
        ulong modified = IcedFlags(ins.RflagsModified), undef = IcedFlags(ins.RflagsUndefined);
        undefined = MayLeaveFlagsAlone(ins) ? undefined | undef : (undefined & ~modified) | undef;
        undefined |= ShiftUndefined(ins);
        return true;
    }

    /// <summary>In the tested classes, on general registers, not touching rsp (but push/pop within the
    /// stack area), without lock or fs/gs, and not one of the encodings whose result the SDM leaves undefined.</summary>
    private static bool Acceptable(in Instruction ins, ref int depth)
    {
        if (!Tested.Contains(ins.Mnemonic) && !IsCc(ins.Mnemonic)) return false;
        if (ins.HasLockPrefix || ins.SegmentPrefix is Register.FS or Register.GS) return false;
        for (int i = 0; i < ins.OpCount; i++)
        {
            switch (ins.GetOpKind(i))
            {
                case OpKind.Register:
                    Register r = ins.GetOpRegister(i);
                    if (!r.IsGPR() || r.GetFullRegister() == Register.RSP) return false;
                    break;
                case OpKind.Memory:
                    if (ins.MemoryBase == Register.RSP || ins.MemoryIndex == Register.RSP) return false;
                    break;
                case OpKind.NearBranch16 or OpKind.NearBranch32 or OpKind.NearBranch64 or OpKind.FarBranch16
                    or OpKind.FarBranch32:
                    return false;
            }
        }
        int size = ins.Op0Kind == OpKind.Register ? ins.Op0Register.GetSize() : ins.MemorySize.GetSize();
        switch (ins.Mnemonic)
        {
            case Mnemonic.Bswap when size == 2: return false;                       // undefined result
            case Mnemonic.Shld or Mnemonic.Shrd when size == 2: return false;       // counts > 16 undefined
            case Mnemonic.Bt or Mnemonic.Bts or Mnemonic.Btr or Mnemonic.Btc
                when ins.Op0Kind == OpKind.Memory && ins.Op1Kind == OpKind.Register:
                return false;   // a bit string offset reaches far outside the data page
            case Mnemonic.Push:
                int push = ins.Code is Code.Pushw_imm8 or Code.Push_imm16 or Code.Push_r16 or Code.Push_rm16 ? 2 : 8;
                if (depth + push > 128) return false;
                depth += push;
                break;
            case Mnemonic.Pop:
                int pop = ins.Code is Code.Pop_r16 or Code.Pop_rm16 ? 2 : 8;
                if (depth < pop) return false;
                depth -= pop;
                break;
        }
        return true;
    }

    private static bool IsCc(Mnemonic m) => m is (>= Mnemonic.Seta and <= Mnemonic.Sets) or (>= Mnemonic.Cmova and <= Mnemonic.Cmovs);

    /// <summary>Shifts and rotates by cl (or by an immediate that masks to 0) may change no flag at all.</summary>
    private static bool MayLeaveFlagsAlone(in Instruction ins)
    {
        if (ins.Mnemonic is not (Mnemonic.Rol or Mnemonic.Ror or Mnemonic.Rcl or Mnemonic.Rcr or Mnemonic.Shl
            or Mnemonic.Sal or Mnemonic.Shr or Mnemonic.Sar or Mnemonic.Shld or Mnemonic.Shrd))
            return false;
        int countOp = ins.Mnemonic is Mnemonic.Shld or Mnemonic.Shrd ? 2 : 1;
        if (ins.GetOpKind(countOp) == OpKind.Register) return true;
        int size = ins.Op0Kind == OpKind.Register ? ins.Op0Register.GetSize() : ins.MemorySize.GetSize();
        return (ins.GetImmediate(countOp) & (size == 8 ? 63UL : 31UL)) == 0;
    }

    /// <summary>A branch group: a jcc (or jmp) over one random instruction, a call over one followed by a
    /// pop of the return address, or a jmp/call/ret through a register or the stack to the next instruction.</summary>
    private void ControlFlow(List<byte> code, ref ulong undefined, ref int depth, Dictionary<ulong, ulong> undefinedAt)
    {
        int start = code.Count;
        ulong before = undefined;
        var regs = new[] { Register.RAX, Register.RCX, Register.RDX, Register.RBX, Register.RBP, Register.RSI,
            Register.RDI, Register.R8, Register.R9, Register.R10, Register.R11, Register.R12, Register.R13, Register.R14, Register.R15 };
        Register r = regs[_rng.Next(regs.Length)], r2 = regs[_rng.Next(regs.Length)];
        switch (_rng.Next(5))
        {
            case 0 or 1:   // jcc/jmp rel8 or jcc rel32 over one instruction
            {
                int cc = _rng.Next(16);
                bool canTest = (CcFlags[cc] & undefined) == 0, near = _rng.Next(3) == 0;
                byte[] head = canTest
                    ? near ? [0x0F, (byte)(0x80 | cc), 0, 0, 0, 0] : [(byte)(0x70 | cc), 0]
                    : near ? [0xE9, 0, 0, 0, 0] : [0xEB, 0];
                code.AddRange(head);
                int at = code.Count;
                undefinedAt[X86Case.CodeVa + (ulong)start] = before;
                for (int tries = 0; tries < 500; tries++)
                {
                    undefinedAt[X86Case.CodeVa + (ulong)code.Count] = undefined;
                    if (TryRandom(code, ref undefined, ref depth, undefinedAt)) break;
                }
                int len = code.Count - at;
                if (head.Length == 2) code[start + 1] = (byte)len;
                else for (int b = 0; b < 4; b++) code[at - 4 + b] = (byte)(len >> (8 * b));
                undefined |= before;
                return;
            }
            case 2:   // call over one instruction, then pop the return address
            {
                code.AddRange(new byte[] { 0xE8, 0, 0, 0, 0 });
                int at = code.Count;
                undefinedAt[X86Case.CodeVa + (ulong)start] = before;
                for (int tries = 0; tries < 500; tries++)
                {
                    int d = depth;
                    ulong u = undefined;
                    if (TryRandom(code, ref u, ref d, new())) break;   // never runs: state unchanged
                }
                int len = code.Count - at;
                for (int b = 0; b < 4; b++) code[start + 1 + b] = (byte)(len >> (8 * b));
                undefinedAt[X86Case.CodeVa + (ulong)code.Count] = undefined;
                Emit(code, Instruction.Create(Code.Pop_r64, r));
                break;
            }
            default:   // lea target; then jmp r, call r (+ pop), or push r; ret
            {
                int kind = _rng.Next(3);
                int tail = kind == 2 ? (r >= Register.R8 ? 2 : 1) + 1 : (r >= Register.R8 ? 3 : 2);
                ulong target = X86Case.CodeVa + (ulong)code.Count + 7 + (ulong)tail;
                undefinedAt[X86Case.CodeVa + (ulong)start] = before;
                Emit(code, Instruction.Create(Code.Lea_r64_m, r, new MemoryOperand(Register.RIP, (long)target)));
                undefinedAt[X86Case.CodeVa + (ulong)code.Count] = undefined;
                if (kind == 0) Emit(code, Instruction.Create(Code.Jmp_rm64, r));
                else if (kind == 1) Emit(code, Instruction.Create(Code.Call_rm64, r));
                else
                {
                    Emit(code, Instruction.Create(Code.Push_r64, r));
                    undefinedAt[X86Case.CodeVa + (ulong)code.Count] = undefined;
                    code.Add(0xC3);
                }
                if (X86Case.CodeVa + (ulong)code.Count != target) throw new InvalidOperationException("branch target miscomputed");
                if (kind == 1)
                {
                    undefinedAt[X86Case.CodeVa + (ulong)code.Count] = undefined;
                    Emit(code, Instruction.Create(Code.Pop_r64, r2));
                }
                break;
            }
        }
    }

    // the flags each condition code reads (o no b ae e ne be a s ns p np l ge le g)
    private static readonly ulong[] CcFlags =
        [0x800, 0x800, 1, 1, 0x40, 0x40, 0x41, 0x41, 0x80, 0x80, 4, 4, 0x880, 0x880, 0x8C0, 0x8C0];

    /// <summary>What the SDM leaves undefined by count, which Iced's per-encoding flags cannot say: OF for
    /// any shift or rotate count but 1, CF for shl/shr counts at or past the operand width.</summary>
    private static ulong ShiftUndefined(in Instruction ins)
    {
        if (ins.Mnemonic is not (Mnemonic.Rol or Mnemonic.Ror or Mnemonic.Rcl or Mnemonic.Rcr or Mnemonic.Shl
            or Mnemonic.Sal or Mnemonic.Shr or Mnemonic.Sar or Mnemonic.Shld or Mnemonic.Shrd))
            return 0;
        int countOp = ins.Mnemonic is Mnemonic.Shld or Mnemonic.Shrd ? 2 : 1;
        int size = ins.Op0Kind == OpKind.Register ? ins.Op0Register.GetSize() : ins.MemorySize.GetSize();
        if (ins.GetOpKind(countOp) == OpKind.Register) return 0x800 | (size < 4 ? 1UL : 0);
        ulong count = ins.GetImmediate(countOp) & (size == 8 ? 63UL : 31UL);
        ulong u = count == 1 ? 0 : 0x800UL;
        if (ins.Mnemonic is Mnemonic.Shl or Mnemonic.Sal or Mnemonic.Shr && count >= (ulong)size * 8) u |= 1;
        return u;
    }

    /// <summary>A string instruction with rsi/rdi in the data page and a small count in rcx.</summary>
    private void StringOp(List<byte> code, ref ulong undefined, Dictionary<ulong, ulong> undefinedAt)
    {
        int op = _rng.Next(5), size = 1 << _rng.Next(4), k = _rng.Next(0, 10);
        int rep = op >= 3 ? _rng.Next(3) : _rng.Next(2);
        bool down = _rng.Next(5) == 0;
        int start = code.Count;
        Emit(code, Instruction.Create(Code.Lea_r64_m, Register.RSI, new MemoryOperand(Register.RIP, (long)(X86Case.DataVa + (ulong)(down ? _rng.Next(80, 500) : _rng.Next(0, 420))))));
        Emit(code, Instruction.Create(Code.Lea_r64_m, Register.RDI, new MemoryOperand(Register.RIP, (long)(X86Case.DataVa + (ulong)(down ? _rng.Next(80, 500) : _rng.Next(0, 420))))));
        Emit(code, Instruction.Create(Code.Mov_r32_imm32, Register.ECX, k));
        if (down) code.Add(0xFD);   // std
        if (rep == 1) code.Add(0xF3);
        if (rep == 2) code.Add(0xF2);
        if (size == 2) code.Add(0x66);
        if (size == 8) code.Add(0x48);
        byte[] opcodes = [0xA4, 0xAA, 0xAC, 0xA6, 0xAE];   // movs stos lods cmps scas
        code.Add((byte)(opcodes[op] + (size == 1 ? 0 : 1)));
        if (down) code.Add(0xFC);   // cld
        for (int at = start; at < code.Count; at++) undefinedAt[X86Case.CodeVa + (ulong)at] = undefined;
        if (op >= 3 && (rep == 0 || k > 0)) undefined &= ~Status;
    }

    private static readonly Register[] Gprs =
    [
        Register.RAX, Register.RCX, Register.RDX, Register.RBX, Register.RBP, Register.RSI, Register.RDI, Register.R8,
        Register.R9, Register.R10, Register.R11, Register.R12, Register.R13, Register.R14, Register.R15,
    ];

    private static Register Gpr32(Register r64) => Register.EAX + (r64 - Register.RAX);

    private static void Encode(List<byte> code, Instruction ins, ulong ip)
    {
        var writer = new Writer();
        Encoder.Create(64, writer).Encode(ins, ip);
        code.AddRange(writer.Bytes);
    }

    private static void Emit(List<byte> code, Instruction ins)
    {
        var writer = new Writer();
        Encoder.Create(64, writer).Encode(ins, X86Case.CodeVa + (ulong)code.Count);
        code.AddRange(writer.Bytes);
    }

    /// <summary>Iced's RflagsBits as RFLAGS bit positions.</summary>
    private static ulong IcedFlags(RflagsBits b) =>
        ((b & RflagsBits.CF) != 0 ? 1UL : 0) | ((b & RflagsBits.PF) != 0 ? 4UL : 0) | ((b & RflagsBits.AF) != 0 ? 0x10UL : 0)
        | ((b & RflagsBits.ZF) != 0 ? 0x40UL : 0) | ((b & RflagsBits.SF) != 0 ? 0x80UL : 0) | ((b & RflagsBits.OF) != 0 ? 0x800UL : 0);

    private sealed class Writer : CodeWriter
    {
        public readonly List<byte> Bytes = new();
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
