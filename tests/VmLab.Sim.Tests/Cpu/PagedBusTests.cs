using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Exercises;
using VmLab.Sim.Paging;
using VmLab.Sim.X86;
using static Iced.Intel.AssemblerRegisters;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests.Cpu;

/// <summary>X86Cpu on the machine's own bus (<see cref="PagedBus"/>: TLB, 4-level walk, physical memory) over the
/// demo address space: each kind of bad access is a #PF with CR2 and the real x86 error code, the instruction
/// changes nothing, and it runs once the mapping is fixed.</summary>
public class PagedBusTests
{
    private sealed class Machine
    {
        public DemoMachine Demo { get; } = DemoMachine.Create();
        public Tlb Tlb { get; }
        public X86Cpu<PagedBus> Cpu { get; }

        public Machine(Action<Assembler> program)
        {
            var asm = new Assembler(64);
            program(asm);
            asm.ud2();
            var code = new CodeBytes();
            asm.Assemble(code, DemoMachine.UserCode);
            Demo.Memory.Write(Demo.Table.Iter(DemoMachine.UserCode).Pa, code.Bytes.ToArray());
            Tlb = new Tlb(Demo.Mmu);
            Tlb.LoadCr3(Demo.Table.Root);
            Cpu = new X86Cpu<PagedBus>(new PagedBus(Tlb)) { Rip = DemoMachine.UserCode, Privilege = Privilege.User };
        }
    }

    private sealed class CodeBytes : CodeWriter
    {
        public List<byte> Bytes { get; } = [];
        public override void WriteByte(byte value) => Bytes.Add(value);
    }

    public static TheoryData<string, ulong, bool, PageFaultError> BadAccesses => new()
    {
        { "null pointer read", 0x10, false, PageFaultError.User },
        { "write to read-only user code", DemoMachine.UserCode + 8, true, PageFaultError.User | PageFaultError.Write | PageFaultError.Present },
        { "read of a supervisor-only kernel page", 0x2000, false, PageFaultError.User | PageFaultError.Present },
        { "write to a supervisor-only kernel page", 0x2000, true, PageFaultError.User | PageFaultError.Write | PageFaultError.Present },
        { "entry with a reserved bit", DemoMachine.Corrupted, false, PageFaultError.User | PageFaultError.Present | PageFaultError.ReservedBit },
    };

    [Theory]
    [MemberData(nameof(BadAccesses))]
    public void A_bad_access_is_a_page_fault_with_the_x86_error_code_and_changes_nothing(string what, ulong va, bool write, PageFaultError error)
    {
        var m = new Machine(a =>
        {
            a.mov(rbx, (long)va);
            a.mov(rax, 0x1234);
            if (write) a.mov(__qword_ptr[rbx], rax); else a.mov(rax, __qword_ptr[rbx]);
        });
        Assert.Equal(StopReason.Fault, m.Cpu.Run(100));
        var before = m.Cpu.Registers;
        var f = m.Cpu.LastFault;
        Assert.True(f.Kind == FaultKind.PageFault, what);
        Assert.Equal(va, f.Address);
        Assert.Equal(error, f.ErrorCode);
        Assert.Equal(0x1234UL, m.Cpu[Reg.Rax]);
        Assert.Equal(2, m.Cpu.InstructionCount);
        // Nothing retires on a second try either: the same fault, the same registers.
        Assert.Equal(StopReason.Fault, m.Cpu.Run(100));
        Assert.Equal(f, m.Cpu.LastFault);
        Assert.True(before.SameAs(m.Cpu.Registers));
    }

    [Fact]
    public void Fetching_from_a_no_execute_data_page_is_an_instruction_fetch_fault()
    {
        var m = new Machine(a => { a.mov(rax, (long)DemoMachine.UserData); a.jmp(rax); });
        Assert.Equal(StopReason.Fault, m.Cpu.Run(100));
        var f = m.Cpu.LastFault;
        Assert.Equal(DemoMachine.UserData, f.Address);
        Assert.Equal(Access.Fetch, f.Access);
        Assert.Equal(PageFaultError.User | PageFaultError.Present | PageFaultError.InstructionFetch, f.ErrorCode);
        Assert.Equal(DemoMachine.UserData, m.Cpu.Rip);                        // the jump retired; the fetch did not
    }

    [Fact]
    public void A_page_mapped_after_the_fault_is_seen_once_its_stale_tlb_entry_is_gone()
    {
        const ulong heap = 0x110000;
        var m = new Machine(a => { a.mov(rbx, (long)heap); a.mov(eax, 7); a.mov(__qword_ptr[rbx], rax); a.mov(rcx, __qword_ptr[rbx]); });
        Assert.Equal(StopReason.Fault, m.Cpu.Run(100));
        Assert.Equal(PageFaultError.User | PageFaultError.Write, m.Cpu.LastFault.ErrorCode);
        ulong frame = m.Demo.Frames.Allocate(VmLab.Sim.Memory.FrameOwner.Process, 1);
        m.Demo.Table.Iter(heap).Map(frame, PTE_P | PTE_W | PTE_U | PTE_NX);
        m.Tlb.Invlpg(heap);
        Assert.Equal(StopReason.InvalidOpcode, m.Cpu.Run(100));
        Assert.Equal(7UL, m.Cpu[Reg.Rcx]);
        Assert.Equal(7UL, m.Demo.Memory.ReadU64(frame));
        ulong pte = m.Demo.Table.Iter(heap).Entry;
        Assert.True((pte & PTE_A) != 0 && (pte & PTE_D) != 0, "the walk sets accessed and dirty");
    }

    [Fact]
    public void Code_remapped_to_another_frame_between_runs_runs_from_the_new_frame()
    {
        // The decoded-instruction cache is keyed by frame: the same virtual rip on a new frame is new code.
        var m = new Machine(a => a.mov(eax, 1));
        Assert.Equal(StopReason.InvalidOpcode, m.Cpu.Run(100));
        Assert.Equal(1UL, m.Cpu[Reg.Rax]);

        var asm = new Assembler(64);
        asm.mov(eax, 2);
        asm.ud2();
        var code = new CodeBytes();
        asm.Assemble(code, DemoMachine.UserCode);
        ulong frame = m.Demo.Frames.Allocate(VmLab.Sim.Memory.FrameOwner.Process, 1);
        m.Demo.Memory.Write(frame, code.Bytes.ToArray());
        m.Demo.Table.Iter(DemoMachine.UserCode).Map(frame, PTE_P | PTE_U);
        m.Tlb.Invlpg(DemoMachine.UserCode);
        m.Cpu.Rip = DemoMachine.UserCode;
        Assert.Equal(StopReason.InvalidOpcode, m.Cpu.Run(100));
        Assert.Equal(2UL, m.Cpu[Reg.Rax]);
    }

    [Fact]
    public void User_code_may_write_the_console_page_and_supervisor_code_the_kernel_pages()
    {
        var m = new Machine(a => { a.mov(rbx, (long)DemoMachine.Console); a.mov(eax, 0x0741); a.mov(__word_ptr[rbx], ax); });
        Assert.Equal(StopReason.InvalidOpcode, m.Cpu.Run(100));
        Assert.Equal(0x41, m.Demo.Memory.ReadByte(DemoMachine.Console));

        var k = new Machine(a => { a.mov(rbx, 0x2000); a.mov(eax, 0x99); a.mov(__byte_ptr[rbx], al); });
        k.Cpu.Privilege = Privilege.Supervisor;
        Assert.Equal(StopReason.InvalidOpcode, k.Cpu.Run(100));
        Assert.Equal(0x99, k.Demo.Memory.ReadByte(0x2000));
    }
}
