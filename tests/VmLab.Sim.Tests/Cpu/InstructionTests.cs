using VmLab.Sim.Paging;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.Tests.Cpu;

public class InstructionTests
{
    private static ulong Rax(string body) => TestMachine.Exec(body)[Reg.Rax];

    [Theory]
    [InlineData("add", 7UL, 5UL, 12UL)]
    [InlineData("sub", 5UL, 7UL, 0xFFFF_FFFF_FFFF_FFFEUL)]
    [InlineData("and", 0b1100UL, 0b1010UL, 0b1000UL)]
    [InlineData("or", 0b1100UL, 0b1010UL, 0b1110UL)]
    [InlineData("xor", 0b1100UL, 0b1010UL, 0b0110UL)]
    [InlineData("shl", 3UL, 4UL, 48UL)]
    [InlineData("shl", 1UL, 65UL, 2UL)]                 // count is taken mod 64
    [InlineData("shr", 0x8000_0000_0000_0000UL, 63UL, 1UL)]
    [InlineData("sar", 0x8000_0000_0000_0000UL, 63UL, ulong.MaxValue)]
    [InlineData("mul", 6UL, 7UL, 42UL)]
    [InlineData("mul", 0xFFFF_FFFF_FFFF_FFFFUL, 2UL, 0xFFFF_FFFF_FFFF_FFFEUL)]
    [InlineData("udiv", 100UL, 7UL, 14UL)]
    [InlineData("urem", 100UL, 7UL, 2UL)]
    [InlineData("udiv", ulong.MaxValue, 2UL, ulong.MaxValue / 2)]
    [InlineData("sdiv", unchecked((ulong)-100L), 7UL, unchecked((ulong)-14L))]
    [InlineData("srem", unchecked((ulong)-100L), 7UL, unchecked((ulong)-2L))]
    [InlineData("mov", 1UL, 99UL, 99UL)]
    public void Register_register_arithmetic(string op, ulong a, ulong b, ulong expected)
    {
        Assert.Equal(expected, Rax($"movabs rax, {a}\nmovabs rbx, {b}\n{op} rax, rbx"));
    }

    [Theory]
    [InlineData("add", 7UL, -5L, 2UL)]
    [InlineData("sub", 7UL, 10L, ulong.MaxValue - 2)]
    [InlineData("and", ulong.MaxValue, 0xFF0L, 0xFF0UL)]
    [InlineData("and", ulong.MaxValue, -16L, ulong.MaxValue - 15)]  // the immediate is sign-extended
    [InlineData("or", 1UL, 6L, 7UL)]
    [InlineData("xor", 5UL, -1L, ~5UL)]
    [InlineData("shl", 1UL, 63L, 0x8000_0000_0000_0000UL)]
    [InlineData("shr", 256UL, 4L, 16UL)]
    [InlineData("sar", unchecked((ulong)-256L), 4L, unchecked((ulong)-16L))]
    [InlineData("mul", 3UL, -2L, unchecked((ulong)-6L))]
    [InlineData("udiv", 99UL, 10L, 9UL)]
    [InlineData("urem", 99UL, 10L, 9UL)]
    [InlineData("sdiv", unchecked((ulong)-99L), 10L, unchecked((ulong)-9L))]
    [InlineData("srem", unchecked((ulong)-99L), 10L, unchecked((ulong)-9L))]
    [InlineData("mov", 5UL, -7L, unchecked((ulong)-7L))]
    public void Register_immediate_arithmetic(string op, ulong a, long imm, ulong expected)
    {
        Assert.Equal(expected, Rax($"movabs rax, {a}\n{op} rax, {imm}"));
    }

    [Fact]
    public void Neg_not_lea_and_movabs()
    {
        Assert.Equal(unchecked((ulong)-5L), Rax("mov rax, 5\nneg rax"));
        Assert.Equal(~5UL, Rax("mov rax, 5\nnot rax"));
        Assert.Equal(0x1000UL - 24, Rax("mov rbx, 0x1000\nlea rax, [rbx - 24]"));
        Assert.Equal(0x1234_5678_9ABC_DEF0UL, Rax("movabs rax, 0x123456789abcdef0"));
        Assert.Equal(0x1_0000_0000UL, Rax("mov rax, 0x100000000"));   // too big for imm32: assembled as movabs
    }

    [Theory]
    [InlineData("udiv")]
    [InlineData("urem")]
    [InlineData("sdiv")]
    [InlineData("srem")]
    public void Division_by_zero_faults_without_changing_anything(string op)
    {
        var (cpu, _) = TestMachine.Flat($".text\nmov rax, 10\nmov rbx, 0\n{op} rax, rbx\nhlt");
        Assert.Equal(StopReason.Budget, cpu.Run(2));
        ulong rip = cpu.Rip;
        Assert.Equal(StopReason.Fault, cpu.Run(10));
        Assert.Equal(FaultKind.DivideError, cpu.LastFault.Kind);
        Assert.Equal(rip, cpu.Rip);
        Assert.Equal(10UL, cpu[Reg.Rax]);
        Assert.Equal(2, cpu.InstructionCount);
    }

    [Fact]
    public void Signed_division_overflow_faults()
    {
        var (cpu, _) = TestMachine.Flat(".text\nmovabs rax, 0x8000000000000000\nsdiv rax, -1\nhlt");
        Assert.Equal(StopReason.Fault, TestMachine.RunToStop(cpu));
        Assert.Equal(FaultKind.DivideError, cpu.LastFault.Kind);
    }

    [Theory]
    // a, b, jumps taken among: je jne jl jge jle jg jb jae jbe ja
    [InlineData(5L, 5L, "je jge jle jae jbe")]
    [InlineData(3L, 5L, "jne jl jle jb jbe")]
    [InlineData(5L, 3L, "jne jge jg jae ja")]
    [InlineData(-1L, 1L, "jne jl jle jae ja")]   // signed less, unsigned above
    [InlineData(1L, -1L, "jne jge jg jb jbe")]
    public void Compare_and_conditional_jumps(long a, long b, string taken)
    {
        foreach (string j in new[] { "je", "jne", "jl", "jge", "jle", "jg", "jb", "jae", "jbe", "ja" })
        {
            ulong r = Rax($"mov rbx, {a}\nmov rcx, {b}\nmov rax, 0\ncmp rbx, rcx\n{j} yes\njmp done\nyes: mov rax, 1\ndone:");
            Assert.True(r == (taken.Split(' ').Contains(j) ? 1UL : 0UL), $"{j} after cmp {a}, {b}");
            ulong ri = Rax($"mov rbx, {a}\nmov rax, 0\ncmp rbx, {b}\n{j} yes\njmp done\nyes: mov rax, 1\ndone:");
            Assert.Equal(r, ri);
        }
    }

    [Fact]
    public void Test_sets_zero_and_sign_from_the_and()
    {
        Assert.Equal(1UL, Rax("mov rax, 0\nmov rbx, 0b1010\ntest rbx, 0b0101\njne no\nmov rax, 1\nno:"));
        Assert.Equal(1UL, Rax("mov rax, 0\nmov rbx, -8\ntest rbx, rbx\njge no\nmov rax, 1\nno:"));
        Assert.Equal(7UL, Rax("mov rax, 7\nmov rbx, 1\ntest rbx, rbx\nje no\njl no\njmp done\nno: mov rax, 0\ndone:"));
    }

    [Fact]
    public void Arithmetic_does_not_touch_the_flags()
    {
        Assert.Equal(1UL, Rax("mov rax, 0\nmov rbx, 1\ncmp rbx, 1\nsub rbx, 1\nadd rbx, 5\nje yes\nhlt\nyes: mov rax, 1"));
    }

    [Theory]
    [InlineData("ld1", 0x80UL)]
    [InlineData("ld2", 0x8180UL)]
    [InlineData("ld4", 0x83828180UL)]
    [InlineData("ld8", 0x8786858483828180UL)]
    [InlineData("lds1", 0xFFFF_FFFF_FFFF_FF80UL)]
    [InlineData("lds2", 0xFFFF_FFFF_FFFF_8180UL)]
    [InlineData("lds4", 0xFFFF_FFFF_8382_8180UL)]
    public void Loads_of_every_size_zero_or_sign_extend(string op, ulong expected)
    {
        string src = $".text\n_start: mov rbx, val\n{op} rax, [rbx]\nhlt\n.data\nval: .byte 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87";
        var (cpu, _) = TestMachine.Flat(src);
        Assert.Equal(StopReason.Halt, TestMachine.RunToStop(cpu));
        Assert.Equal(expected, cpu[Reg.Rax]);
    }

    [Theory]
    [InlineData("st1", 1)]
    [InlineData("st2", 2)]
    [InlineData("st4", 4)]
    [InlineData("st8", 8)]
    public void Stores_write_exactly_their_size(string op, int size)
    {
        string src = $".text\n_start: mov rbx, buf\nmovabs rax, 0x1122334455667788\n{op} [rbx + 8], rax\nhlt\n.data\nbuf: .zero 24";
        var (cpu, image) = TestMachine.Flat(src);
        Assert.Equal(StopReason.Halt, TestMachine.RunToStop(cpu));
        ulong buf = image.Symbols["buf"];
        byte[] mem = cpu.Bus.Memory;
        byte[] expected = BitConverter.GetBytes(0x1122334455667788UL);
        for (int i = 0; i < 24; i++)
            Assert.Equal(i >= 8 && i < 8 + size ? expected[i - 8] : (byte)0, mem[(int)buf + i]);
    }

    [Theory]
    [InlineData("ld2 rax, [rbx]", Access.Read)]
    [InlineData("ld4 rax, [rbx + 2]", Access.Read)]
    [InlineData("ld8 rax, [rbx + 4]", Access.Read)]
    [InlineData("st8 [rbx + 12], rax", Access.Write)]
    [InlineData("jmp rbx", Access.Fetch)]
    public void Misaligned_accesses_fault(string insn, Access access)
    {
        var (cpu, _) = TestMachine.Flat($".text\nmov rbx, 0x180001\n{insn}\nhlt");
        Assert.Equal(StopReason.Fault, TestMachine.RunToStop(cpu));
        Assert.Equal(FaultKind.Alignment, cpu.LastFault.Kind);
        Assert.Equal(access, cpu.LastFault.Access);
    }

    [Fact]
    public void Push_pop_call_ret_use_a_stack_in_memory()
    {
        var cpu = TestMachine.Exec("""
            mov rax, 11
            push rax
            mov rax, 22
            push rax
            pop rbx
            pop rcx
            mov rdx, rsp
            call f
            mov r8, rax
            mov r9, f
            call r9
            jmp end
            f:  mov rax, 77
                ld8 r10, [rsp]       # the return address
                ret
            end:
            """);
        ulong top = 2 << 20;
        Assert.Equal(22UL, cpu[Reg.Rbx]);
        Assert.Equal(11UL, cpu[Reg.Rcx]);
        Assert.Equal(top, cpu[Reg.Rdx]);
        Assert.Equal(top, cpu[Reg.Rsp]);
        Assert.Equal(77UL, cpu[Reg.R8]);
        Assert.Equal(TestMachine.Base + 11 * 8, cpu[Reg.R10]);   // return address of "call r9"
        Assert.Equal(0UL, cpu.Bus.Memory[0]);
        Assert.Equal(TestMachine.Base + 11 * 8, BitConverter.ToUInt64(cpu.Bus.Memory, (int)top - 8));   // the last call's push
    }

    [Fact]
    public void Push_rsp_pushes_the_old_value_and_pop_rsp_loads()
    {
        var cpu = TestMachine.Exec("mov rax, rsp\npush rsp\npop rbx\npush rax\npop rsp");
        Assert.Equal(cpu[Reg.Rax], cpu[Reg.Rbx]);
        Assert.Equal(cpu[Reg.Rax], cpu[Reg.Rsp]);
    }

    [Fact]
    public void Syscall_and_hlt_stop_after_themselves()
    {
        var (cpu, _) = TestMachine.Flat(".text\nmov rax, 7\nsyscall\nnop\nhlt\nnop");
        Assert.Equal(StopReason.Syscall, TestMachine.RunToStop(cpu));
        Assert.Equal(7UL, cpu[Reg.Rax]);
        Assert.Equal(TestMachine.Base + 16, cpu.Rip);
        Assert.Equal(2, cpu.InstructionCount);
        Assert.Equal(StopReason.Halt, TestMachine.RunToStop(cpu));
        Assert.Equal(TestMachine.Base + 32, cpu.Rip);
        Assert.Equal(4, cpu.InstructionCount);
    }

    [Fact]
    public void Rep_stosb_fills_and_rep_with_zero_count_does_nothing()
    {
        var (cpu, image) = TestMachine.Flat(".text\n_start: mov rdi, buf + 3\nmov rcx, 21\nmov rax, 0x1AB\nrep stosb\nmov rcx, 0\nrep movsb\nhlt\n.data\nbuf: .zero 32");
        Assert.Equal(StopReason.Halt, TestMachine.RunToStop(cpu));
        int buf = (int)image.Symbols["buf"];
        for (int i = 0; i < 32; i++)
            Assert.Equal(i is >= 3 and < 24 ? 0xAB : 0, cpu.Bus.Memory[buf + i]);
        Assert.Equal(0UL, cpu[Reg.Rcx]);
        Assert.Equal((ulong)buf + 24, cpu[Reg.Rdi]);
    }
}
