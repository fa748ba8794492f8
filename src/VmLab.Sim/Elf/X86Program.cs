using Iced.Intel;
using Assembler = Iced.Intel.Assembler;
using static VmLab.Sim.Machine.MachineLayout;

namespace VmLab.Sim.Elf;

/// <summary>
/// A small x86-64 program written with Iced's code assembler, for probes that must do exactly one thing
/// (one syscall with chosen registers, one store to a chosen address) where a C program would let the
/// compiler decide: the kernel's tests and the lab grader. Text at <see cref="TextAddress"/>, optional
/// data at <see cref="DataAddress"/>, entry at the first instruction; the same layout as the C programs.
/// </summary>
public static class X86Program
{
    /// <summary>
    /// TextAddress: where the code goes (PROC_START_ADDR, 0x100000); DataAddress: the page after it, where the data
    /// goes.
    /// </summary>
    public const ulong TextAddress = ProcStartAddr, DataAddress = ProcStartAddr + PageSize;

    /// <summary>Assembles <paramref name="emit"/>'s instructions (at most one page) and adds data.</summary>
    public static ProgramImage Build(Action<Assembler> emit, ReadOnlySpan<byte> data = default)
    {
        var a = new Assembler(64);
        emit(a);
        using var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), TextAddress);
        byte[] text = stream.ToArray();
        if ((ulong)text.Length > PageSize) throw new ArgumentException($"x86 program: {text.Length} bytes of text, at most one page");
        var segments = new List<Segment> { new(SegmentKind.Text, TextAddress, text, PageSize) };
        if (!data.IsEmpty) segments.Add(new(SegmentKind.Data, DataAddress, data.ToArray(), PageSize));
        return new ProgramImage(segments, TextAddress, new Dictionary<string, ulong> { ["_start"] = TextAddress });
    }

    /// <summary>Emits "rax = number; rdi, rsi = arguments; syscall".</summary>
    public static void Syscall(this Assembler a, long number, ulong rdi = 0, ulong rsi = 0)
    {
        a.mov(AssemblerRegisters.rax, number);
        a.mov(AssemblerRegisters.rdi, rdi);
        a.mov(AssemblerRegisters.rsi, rsi);
        a.syscall();
    }
}
