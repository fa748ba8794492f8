using VmLab.Sim.X86;

namespace VmLab.X86.Tests;

public class DisassemblerTests
{
    // push rbp; mov rbp, rsp; call +0 (to 0x401009); (bad) 0x06; ret
    private static readonly byte[] Code = [0x55, 0x48, 0x89, 0xE5, 0xE8, 0x00, 0x00, 0x00, 0x00, 0x06, 0xC3];

    [Fact]
    public void Gnu_and_intel_syntax_name_the_same_instructions()
    {
        var gnu = X86Disassembler.Disassemble(Code, 0x401000);
        var intel = X86Disassembler.Disassemble(Code, 0x401000, X86Syntax.Intel);
        Assert.Equal(["push %rbp", "mov %rsp,%rbp", "call 0x401009", "(bad)", "ret"], gnu.Select(l => l.Text));
        Assert.Equal(["push rbp", "mov rbp,rsp", "call 0x401009", "(bad)", "ret"], intel.Select(l => l.Text));
        Assert.Equal([0x401000UL, 0x401001, 0x401004, 0x401009, 0x40100A], gnu.Select(l => l.Address));
        Assert.Equal("mov", gnu[1].Mnemonic);
        Assert.Equal(new byte[] { 0x48, 0x89, 0xE5 }, gnu[1].Bytes);
    }

    [Fact]
    public void Branch_targets_take_symbol_names_when_given()
    {
        var line = X86Disassembler.One(Code.AsSpan(4), 0x401004, symbols: a => a == 0x401009 ? "process_main" : null);
        Assert.Equal("call process_main", line.Text);
    }
}

public class TraceTests
{
    [Fact]
    public void The_cpu_disassembles_the_instruction_it_is_about_to_run()
    {
        var m = new X86Machine(a => { a.mov(Iced.Intel.AssemblerRegisters.eax, 7); a.nop(); });
        Assert.Equal("mov $0x7,%eax", m.Cpu.DisassembleAt(m.Cpu.Rip).Text);
        m.Cpu.Step();
        Assert.Equal("nop", m.Cpu.DisassembleAt(m.Cpu.Rip).Text);
        Assert.Equal("(bad)", m.Cpu.DisassembleAt(0x10).Text);   // nothing mapped there
    }
}
