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

public class RipRelativeTests
{
    // mov %rdi,0x1ff9(%rip) at 0x100000 (7 bytes): reaches 0x102000, where crt0 keeps process_arg
    private static readonly byte[] Store = [0x48, 0x89, 0x3D, 0xF9, 0x1F, 0x00, 0x00];

    private static string? ProcessArg(ulong a) => a == 0x102000 ? "process_arg" : null;

    [Fact]
    public void A_rip_relative_operand_shows_its_displacement_with_the_address_and_symbol_in_a_comment()
    {
        Assert.Equal("mov %rdi,0x1ff9(%rip)        # 102000 <process_arg>",
            X86Disassembler.One(Store, 0x100000, X86Syntax.Gnu, ProcessArg).Text);
        Assert.Equal("mov [rip+0x1ff9],rdi        # 102000 <process_arg>",
            X86Disassembler.One(Store, 0x100000, X86Syntax.Intel, ProcessArg).Text);
        Assert.Equal("mov %rdi,0x1ff9(%rip)        # 102000", X86Disassembler.One(Store, 0x100000).Text);
        // the address depends on where the instruction is; the displacement does not
        Assert.Equal("mov %rdi,0x1ff9(%rip)        # 103000", X86Disassembler.One(Store, 0x101000).Text);
    }

    [Fact]
    public void Rip_relative_lines_of_a_built_in_program_read_as_the_hosts_objdump_prints_them()
    {
        byte[]? elf = VmLab.Sim.Elf.ElfPrograms.Bytes("hello");
        string? objdump = Environment.GetEnvironmentVariable("PATH")?.Split(':')
            .Select(d => Path.Combine(d, "objdump")).FirstOrDefault(File.Exists);
        if (objdump is null) return;   // no binutils here: nothing to compare with
        Assert.NotNull(elf);           // where binutils are, so is the C compiler that built the programs
        string file = Path.Combine(Path.GetTempPath(), $"vmlab-rip-{Environment.ProcessId}.elf");
        File.WriteAllBytes(file, elf);
        try
        {
            // "0000000000102000 g     O .bss\t0000000000000008 process_arg"
            var symbols = Run(objdump, "-t", file).Split('\n').Select(l => l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length >= 4 && f[0].Length == 16 && (f[1] == "g" || f[1] == "l"))
                .Select(f => (Address: Convert.ToUInt64(f[0], 16), Name: f[^1])).ToList();
            string? Symbol(ulong a) => symbols.FirstOrDefault(s => s.Address == a).Name;
            var lines = Run(objdump, "-d", "--no-show-raw-insn", file).Split('\n').Where(l => l.Contains("(%rip)")).ToList();
            Assert.NotEmpty(lines);
            foreach (string line in lines)
            {
                // "  100000:\tmov    %rdi,0x1ff9(%rip)        # 102000 <process_arg>"
                string[] parts = line.Split('\t');
                ulong at = Convert.ToUInt64(parts[0].Trim().TrimEnd(':'), 16);
                byte[] bytes = Bytes(elf, at);
                string ours = X86Disassembler.One(bytes, at, X86Syntax.Gnu, Symbol).Text;
                Assert.Equal(Squeeze(parts[1]), Squeeze(ours));
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Run(string program, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(program, args) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    private static string Squeeze(string s) => System.Text.RegularExpressions.Regex.Replace(s.Trim(), @"\s+", " ");

    /// <summary>15 bytes of the program at virtual address at, found through the ELF program headers.</summary>
    private static byte[] Bytes(byte[] elf, ulong at)
    {
        ulong phoff = BitConverter.ToUInt64(elf, 0x20);
        int phentsize = BitConverter.ToUInt16(elf, 0x36), phnum = BitConverter.ToUInt16(elf, 0x38);
        for (int i = 0; i < phnum; i++)
        {
            int h = (int)phoff + i * phentsize;
            if (BitConverter.ToUInt32(elf, h) != 1) continue;   // PT_LOAD
            ulong offset = BitConverter.ToUInt64(elf, h + 8), vaddr = BitConverter.ToUInt64(elf, h + 16);
            ulong filesz = BitConverter.ToUInt64(elf, h + 32);
            if (at >= vaddr && at < vaddr + filesz)
            {
                int start = (int)(offset + (at - vaddr));
                return elf[start..Math.Min(elf.Length, start + 15)];
            }
        }
        throw new InvalidOperationException($"0x{at:x} is in no loaded segment");
    }
}
