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
    public void A_three_operand_imul_keeps_its_three_operands_when_source_and_destination_are_the_same_register()
    {
        // imul $0x64,%rsi,%rsi; imul $0x7,%rsi,%rdx; imul %rdx,%rsi: objdump -d prints the first with three operands
        byte[] code = [0x48, 0x6B, 0xF6, 0x64, 0x48, 0x6B, 0xD6, 0x07, 0x48, 0x0F, 0xAF, 0xF2];
        Assert.Equal(["imul $0x64,%rsi,%rsi", "imul $0x7,%rsi,%rdx", "imul %rdx,%rsi"],
            X86Disassembler.Disassemble(code, 0x100027).Select(l => l.Text));
        Assert.Equal(["imul rsi,rsi,0x64", "imul rdx,rsi,0x7", "imul rsi,rdx"],
            X86Disassembler.Disassemble(code, 0x100027, X86Syntax.Intel).Select(l => l.Text));
    }

    [Fact]
    public void A_branch_target_reads_as_objdump_prints_it_address_then_symbol_in_both_syntaxes()
    {
        X86Symbol? Main(ulong a) => a >= 0x401009 ? new X86Symbol(0x401009, "process_main") : null;
        Assert.Equal("call 401009 <process_main>", X86Disassembler.One(Code.AsSpan(4), 0x401004, symbols: Main).Text);
        Assert.Equal("call 401009 <process_main>",
            X86Disassembler.One(Code.AsSpan(4), 0x401004, X86Syntax.Intel, Main).Text);
    }

    [Fact]
    public void A_target_inside_a_function_is_the_function_plus_its_offset()
    {
        // jne -8 at 0x401010: back to 0x40100a, 0xa into the function that starts at 0x401000
        byte[] loop = [0x75, 0xF8];
        X86Symbol? Func(ulong a) => a >= 0x401000 ? new X86Symbol(0x401000, "sys_exit") : null;
        Assert.Equal("jne 40100a <sys_exit+0xa>", X86Disassembler.One(loop, 0x401010, symbols: Func).Text);
        Assert.Equal("jne 40100a <sys_exit+0xa>", X86Disassembler.One(loop, 0x401010, X86Syntax.Intel, Func).Text);
        Assert.Equal("jne 0x40100a", X86Disassembler.One(loop, 0x401010).Text);   // no symbols: a stripped file
    }

    [Fact]
    public void An_immediate_stays_a_number_even_where_a_symbol_starts()
    {
        // mov $0x109000,%esi: objdump names branch targets, not constants that happen to be addresses
        byte[] mov = [0xBE, 0x00, 0x90, 0x10, 0x00];
        Assert.Equal("mov $0x109000,%esi",
            X86Disassembler.One(mov, 0x100000, symbols: a => new X86Symbol(0x109000, "message")).Text);
    }

    [Fact]
    public void Every_line_of_the_built_in_programs_reads_as_the_hosts_objdump_prints_it()
    {
        if (HostObjdump.Path is null) return;   // no binutils here: nothing to compare with
        foreach (string program in VmLab.Sim.Elf.ElfPrograms.Names)
            foreach (var syntax in new[] { X86Syntax.Gnu, X86Syntax.Intel })
            {
                var image = VmLab.Sim.Elf.ElfPrograms.Image(program)!;
                var lines = HostObjdump.Disassemble(program, syntax == X86Syntax.Intel ? ["-M", "intel"] : []);
                var compared = lines.Where(l => l.Text != "(bad)").ToList();     // every line that is an instruction
                Assert.True(compared.Count > lines.Count * 98 / 100, $"{program}: {lines.Count - compared.Count} of {lines.Count} lines set aside");
                // among them the direct branches and calls: "call 100020 <process_main>", "jne 100060 <process_main+0x40>"
                int branches = compared.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l.Text, @"^(bnd )?(call|j[a-z]+|loop[a-z]*) [0-9a-f]+ <"));
                Assert.True(branches > 10, $"{program}: {branches} direct branches compared");
                foreach (var (at, text) in compared)
                    Assert.Equal($"{at:x} {text}",
                        $"{at:x} " + HostObjdump.Squeeze(X86Disassembler.One(HostObjdump.Bytes(program, at), at, syntax, image.SymbolFor).Text));
            }
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

public class RipRelativeTests
{
    // mov %rdi,0x1ff9(%rip) at 0x100000 (7 bytes): reaches 0x102000, where crt0 keeps process_arg
    private static readonly byte[] Store = [0x48, 0x89, 0x3D, 0xF9, 0x1F, 0x00, 0x00];

    private static X86Symbol? ProcessArg(ulong a) => a >= 0x102000 ? new X86Symbol(0x102000, "process_arg") : null;

    [Fact]
    public void A_rip_relative_operand_shows_its_displacement_with_the_address_and_symbol_in_a_comment()
    {
        Assert.Equal("mov %rdi,0x1ff9(%rip)        # 102000 <process_arg>",
            X86Disassembler.One(Store, 0x100000, X86Syntax.Gnu, ProcessArg).Text);
        Assert.Equal("mov QWORD PTR [rip+0x1ff9],rdi        # 102000 <process_arg>",
            X86Disassembler.One(Store, 0x100000, X86Syntax.Intel, ProcessArg).Text);
        // no symbols (a stripped file): the address alone, as objdump prints it there
        Assert.Equal("mov %rdi,0x1ff9(%rip)        # 0x102000", X86Disassembler.One(Store, 0x100000).Text);
        // the address depends on where the instruction is; the displacement does not
        Assert.Equal("mov %rdi,0x1ff9(%rip)        # 103000 <process_arg+0x1000>",
            X86Disassembler.One(Store, 0x101000, X86Syntax.Gnu, ProcessArg).Text);
    }

    [Fact]
    public void Rip_relative_lines_of_the_built_in_programs_read_as_the_hosts_objdump_prints_them()
    {
        if (HostObjdump.Path is null) return;   // no binutils here: nothing to compare with
        foreach (string program in VmLab.Sim.Elf.ElfPrograms.Names)
        {
            var image = VmLab.Sim.Elf.ElfPrograms.Image(program)!;
            // "mov %rdi,0x1ff9(%rip) # 102000 <process_arg>"
            var lines = HostObjdump.Disassemble(program).Where(l => l.Text.Contains("(%rip)")).ToList();
            Assert.NotEmpty(lines);
            foreach (var (at, text) in lines)
                Assert.Equal(text, HostObjdump.Squeeze(X86Disassembler.One(HostObjdump.Bytes(program, at), at, X86Syntax.Gnu, image.SymbolFor).Text));
        }
    }
}
