using Iced.Intel;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Machine;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.Sim.Tests.Kernel;

/// <summary>A fault that ends a process says where (symbol+offset, the instruction) and why; the stack grows on
/// demand down to its limit and a fault past it is a stack overflow.</summary>
public class FaultReportTests
{
    private static (VmLab.Sim.Kernel.Kernel K, Process P) RunAlone(Action<Assembler> emit)
    {
        var k = new VmLab.Sim.Kernel.Kernel(new KernelOptions { CheckEvery = 1 });
        Assert.Equal(1, k.Spawn(X86Program.Build(emit), "probe"));
        k.Run(5_000_000);
        Assert.Null(k.Panic);
        Assert.Empty(k.CheckerErrors);
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
        return (k, k.History[0]);
    }

    [Fact]
    public void A_null_dereference_is_named_with_the_instruction_and_its_symbol()
    {
        var (k, p) = RunAlone(a => { a.xor(eax, eax); a.mov(edx, __dword_ptr[rax + 8]); });
        var f = Assert.Single(k.Faults);
        Assert.Equal(("NULL pointer dereference", "_start+0x2", "mov 0x8(%rax),%edx", 14, "SIGSEGV"),
            (f.Cause, f.Where, f.Instruction, f.Vector, f.Signal));
        Assert.EndsWith("page fault at 0x8 reading (NULL pointer dereference), in _start+0x2: mov 0x8(%rax),%edx", p.KillReason);
        Assert.Contains(p.KillReason!, k.Console);
    }

    [Fact]
    public void Divide_errors_say_divide_by_zero_or_quotient_overflow()
    {
        var (k1, _) = RunAlone(a => { a.mov(eax, 7); a.xor(ecx, ecx); a.cdq(); a.idiv(ecx); });
        Assert.Equal(("divide by zero", "idiv %ecx", "SIGFPE", 0), (k1.Faults[0].Cause, k1.Faults[0].Instruction, k1.Faults[0].Signal, k1.Faults[0].Vector));
        var (k2, p2) = RunAlone(a => { a.mov(eax, 0x8000); a.mov(edx, -1); a.mov(ecx, -1); a.idiv(cx); });   // dx:ax = -32768
        Assert.Equal(("quotient overflow", "idiv %cx"), (k2.Faults[0].Cause, k2.Faults[0].Instruction));
        Assert.Contains("DIVIDE ERROR", p2.KillReason);
    }

    [Fact]
    public void The_stack_grows_on_demand_and_a_recursion_past_its_limit_is_a_stack_overflow()
    {
        // 256 KiB of pushes below the first stack page: the kernel maps the pages, the program exits 0.
        var (_, deep) = RunAlone(a =>
        {
            a.mov(ecx, 32 * 1024);
            var loop = a.CreateLabel();
            a.Label(ref loop);
            a.push(rcx);
            a.dec(ecx);
            a.jnz(loop);
            a.mov(rdi, __qword_ptr[rsp]);
            a.Syscall(SyscallAbi.Exit, 0);
        });
        Assert.Equal(0, deep.ExitStatus);

        // Endless recursion: the call that reaches the guard page under the 1 MiB stack is the stack overflow.
        var (k, p) = RunAlone(a =>
        {
            var self = a.CreateLabel();
            a.Label(ref self);
            a.call(self);
        });
        var f = Assert.Single(k.Faults);
        Assert.Equal(MachineLayout.StackLimit - 8, f.Address);
        Assert.StartsWith("stack overflow", f.Cause);
        Assert.Equal(("_start", "call 100000 <_start>"), (f.Where, f.Instruction));
        Assert.Contains("guard page", p.KillReason);
    }

    [Fact]
    public void A_store_far_below_the_stack_pointer_is_no_stack_growth()
    {
        var (k, _) = RunAlone(a => { a.mov(rax, 0x250000); a.mov(__qword_ptr[rax], rax); });
        Assert.Equal("missing page", Assert.Single(k.Faults).Cause);
    }

    [Fact]
    public void A_call_through_a_null_pointer_names_where_it_came_from_and_ud2_is_invalid_everywhere()
    {
        var (k, p) = RunAlone(a => { a.xor(eax, eax); a.call(rax); });
        Assert.Equal("NULL function pointer", k.Faults[0].Cause);
        Assert.EndsWith("in 0x0 (the return address on the stack is _start+0x4)", p.KillReason);
        var (k2, _) = RunAlone(a => a.ud2());
        Assert.Equal(("invalid everywhere", "ud2", "SIGILL"), (k2.Faults[0].Cause, k2.Faults[0].Instruction, k2.Faults[0].Signal));
    }
}
