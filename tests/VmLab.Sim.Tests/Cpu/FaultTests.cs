using VmLab.Sim.Paging;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.Tests.Cpu;

public class FaultTests
{
    /// <summary>Runs to the fault, checks nothing changed, lets fix() repair it, and checks the re-run.</summary>
    private static MemoryFault FaultFixRerun(PagedMachine m, Action fix, int instructionsBefore)
    {
        var cpu = m.Cpu;
        Assert.Equal(StopReason.Budget, cpu.Run(instructionsBefore));
        RegisterFile before = cpu.Registers;
        byte[] memBefore = (byte[])m.Memory.Physical.Clone();
        Assert.Equal(StopReason.Fault, cpu.Run(1000));
        MemoryFault fault = cpu.LastFault;
        Assert.True(cpu.Registers.SameAs(before), "a faulting instruction changed registers");
        Assert.Equal(memBefore, m.Memory.Physical);
        Assert.Equal(instructionsBefore, cpu.InstructionCount);
        Assert.Equal(StopReason.Fault, cpu.Run(1000));   // nothing fixed: the same fault again
        Assert.Equal(fault, cpu.LastFault);
        fix();
        Assert.Equal(StopReason.Halt, cpu.Run(1000));
        return fault;
    }

    [Fact]
    public void Load_from_a_missing_page_faults_then_reexecutes()
    {
        var m = new PagedMachine(".text\nmov rbx, 0x200010\nmov rax, 5\nld8 rax, [rbx]\nadd rax, 1\nhlt");
        var f = FaultFixRerun(m, () => m.MapFresh(0x200000, PagePerm.UserRw), 2);
        Assert.Equal(FaultKind.PageFault, f.Kind);
        Assert.Equal(0x200010UL, f.Address);
        Assert.Equal(Access.Read, f.Access);
        Assert.Equal(PageFaultError.User, f.ErrorCode);   // not present, read, user
        Assert.Equal(1UL, m.Cpu[Reg.Rax]);
        Assert.Equal("PAGE FAULT on 0x200010 (user read, missing page)", f.WeensyText());
    }

    [Fact]
    public void Store_to_a_read_only_page_is_a_protection_fault()
    {
        var m = new PagedMachine(".text\n_start: mov rbx, v\nmov rax, 9\nst8 [rbx], rax\nhlt\n.data\nv: .quad 3");
        m.Memory.Protect(m.Sym("v"), PagePerm.UserRo);
        var f = FaultFixRerun(m, () => m.Memory.Protect(m.Sym("v"), PagePerm.UserRw), 2);
        Assert.Equal(PageFaultError.Present | PageFaultError.Write | PageFaultError.User, f.ErrorCode);
        Assert.Equal(9UL, BitConverter.ToUInt64(m.Memory.Peek(m.Sym("v"), 8)));
    }

    [Fact]
    public void Supervisor_pages_are_out_of_reach_of_user_code()
    {
        var m = new PagedMachine(".text\n_start: mov rbx, v\nld8 rax, [rbx]\nhlt\n.data\nv: .quad 3");
        m.Memory.Protect(m.Sym("v"), PagePerm.Present | PagePerm.Writable);
        var f = FaultFixRerun(m, () => m.Cpu.Privilege = Privilege.Supervisor, 1);
        Assert.Equal(PageFaultError.Present | PageFaultError.User, f.ErrorCode);
        Assert.Equal(3UL, m.Cpu[Reg.Rax]);
    }

    [Fact]
    public void Push_and_call_on_a_missing_stack_page_change_nothing()
    {
        var m = new PagedMachine(".text\nmov rsp, 0x280000\nmov rax, 1\ncall f\nhlt\nf: mov rax, 2\nret");
        var f = FaultFixRerun(m, () => m.MapFresh(0x27F000, PagePerm.UserRw), 2);
        Assert.Equal(0x27FFF8UL, f.Address);
        Assert.Equal(Access.Write, f.Access);
        Assert.Equal(2UL, m.Cpu[Reg.Rax]);
        Assert.Equal(0x280000UL, m.Cpu[Reg.Rsp]);
    }

    [Fact]
    public void Ret_and_pop_from_a_missing_page_change_nothing()
    {
        var m = new PagedMachine(".text\nmov rsp, 0x280000\nmov rbx, 0x100020\npop rax\njmp rax\nhlt");
        Action fix = () =>
        {
            m.MapFresh(0x280000, PagePerm.UserRw);
            m.Memory.Poke(0x280000, BitConverter.GetBytes(0x100020UL));
        };
        var f = FaultFixRerun(m, fix, 2);
        Assert.Equal(Access.Read, f.Access);
        Assert.Equal(0x280008UL, m.Cpu[Reg.Rsp]);
    }

    [Fact]
    public void Fetch_from_a_missing_or_no_execute_page_faults_with_the_fetch_bit()
    {
        var m = new PagedMachine(".text\nmov rax, 0x200000\njmp rax\nhlt");
        var f = FaultFixRerun(m, () =>
        {
            m.MapFresh(0x200000, PagePerm.UserRo);
            m.Memory.Poke(0x200000, BitConverter.GetBytes(Isa.Encode(Opcode.Hlt)));
        }, 2);
        Assert.Equal(Access.Fetch, f.Access);
        Assert.Equal(0x200000UL, f.Address);
        Assert.Equal(PageFaultError.User | PageFaultError.InstructionFetch, f.ErrorCode);

        var nx = new PagedMachine(".text\nnop\nhlt");
        nx.Memory.Protect(TestMachine.Base, PagePerm.UserRo | PagePerm.NoExecute);
        Assert.Equal(StopReason.Fault, nx.Cpu.Run(10));
        Assert.Equal(PageFaultError.Present | PageFaultError.User | PageFaultError.InstructionFetch, nx.Cpu.LastFault.ErrorCode);
        Assert.Equal(0, nx.Cpu.InstructionCount);
    }

    [Fact]
    public void Movabs_whose_immediate_is_on_a_missing_page_changes_nothing()
    {
        // 510 nops, then movabs in the last slot of the page: its immediate lies on the next page.
        var src = ".text\n" + string.Concat(Enumerable.Repeat("nop\n", 511)) + "movabs rax, 0x1122334455667788\nhlt";
        var m = new PagedMachine(src);
        ulong second = TestMachine.Base + 4096;
        byte[] rest = m.Memory.Peek(second, 16);
        m.Memory.Unmap(second);
        var f = FaultFixRerun(m, () => { m.MapFresh(second, PagePerm.UserRo); m.Memory.Poke(second, rest); }, 511);
        Assert.Equal(second, f.Address);
        Assert.Equal(0x1122334455667788UL, m.Cpu[Reg.Rax]);
    }

    [Fact]
    public void Mapping_changes_between_runs_are_seen_by_the_fetch_path()
    {
        var m = new PagedMachine(".text\nnop\nnop\nhlt");
        Assert.Equal(StopReason.Budget, m.Cpu.Run(1));
        m.Memory.Unmap(TestMachine.Base);
        Assert.Equal(StopReason.Fault, m.Cpu.Run(1));
        Assert.Equal(Access.Fetch, m.Cpu.LastFault.Access);
    }

    [Fact]
    public void Zeroed_memory_and_reserved_bits_are_invalid_opcodes()
    {
        var (cpu, _) = TestMachine.Flat(".text\nnop\n.quad 0\n");
        Assert.Equal(StopReason.InvalidOpcode, cpu.Run(100));
        Assert.Equal(TestMachine.Base + 8, cpu.Rip);
        Assert.Equal(1, cpu.InstructionCount);

        foreach (ulong bad in new[] { Isa.Encode(Opcode.Ret, a: 1), Isa.Encode(Opcode.Add) | 1UL << 20, Isa.Encode(Opcode.Jmp, b: 3), 0xFFUL, 0x3FUL })
        {
            var (c2, _) = TestMachine.Flat($".text\n.quad 0x{bad:x}\n");
            RegisterFile before = c2.Registers;
            Assert.Equal(StopReason.InvalidOpcode, c2.Run(100));
            Assert.True(c2.Registers.SameAs(before));
            Assert.False(Isa.IsValid(bad));
        }
    }
}

public class CodeWindowTests
{
    [Fact]
    public void Stores_into_the_code_page_are_seen_by_the_next_fetch()
    {
        // The program overwrites the instruction after the store with hlt; the CPU must execute the new bytes.
        var cpu = TestMachine.Flat(".text\n_start: mov rbx, patch\nmov rax, 0x02\nst8 [rbx], rax\npatch: mov rcx, 1\nmov rcx, 2\nhlt").Cpu;
        Assert.Equal(StopReason.Halt, cpu.Run(100));
        Assert.Equal(0UL, cpu[Reg.Rcx]);
        Assert.Equal(TestMachine.Base + 32, cpu.Rip);
    }

    [Fact]
    public void Code_spanning_pages_runs_across_the_boundary()
    {
        var src = ".text\n" + string.Concat(Enumerable.Repeat("add rax, 1\n", 1100)) + "hlt";
        var m = new PagedMachine(src);
        Assert.Equal(StopReason.Halt, m.Cpu.Run(10_000));
        Assert.Equal(1100UL, m.Cpu[Reg.Rax]);
    }
}
