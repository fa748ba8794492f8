using BenchmarkDotNet.Attributes;
using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using VmLab.Sim.X86;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.Bench;

/// <summary>
/// x86-64 instructions per second with paging on: the CPU runs user code through PagedBus (TLB + 4-level MMU
/// + physical memory), exactly <see cref="Instructions"/> instructions per invocation, so instructions/s =
/// Instructions / mean time. Tight: a register loop (add, xor, cmp, jne). Compute: what gcc -O2 makes of a
/// hash over an array: a load, imul, xor, rol, index arithmetic and a counted loop.
/// </summary>
[MemoryDiagnoser]
public class X86CpuBench
{
    public const long Instructions = 10_000_000;
    private const ulong CodeVa = 0x400000, DataVa = 0x600000;

    private X86Cpu<PagedBus> _tight = null!, _compute = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tight = Machine(a =>
        {
            var loop = a.CreateLabel();
            a.Label(ref loop);
            a.add(rax, 1);
            a.xor(rbx, rax);
            a.cmp(rax, rcx);
            a.jne(loop);
            a.jmp(loop);
        });
        _compute = Machine(a =>
        {
            var start = a.CreateLabel();
            var loop = a.CreateLabel();
            a.Label(ref start);
            a.mov(edi, (uint)DataVa);
            a.mov(ecx, 100_000);
            a.xor(edx, edx);
            a.Label(ref loop);
            a.mov(eax, __dword_ptr[rdi + rdx * 4]);
            a.imul(eax, eax, unchecked((int)0x9E3779B1));
            a.xor(ebx, eax);
            a.rol(ebx, 5);
            a.add(rdx, 1);
            a.and(edx, 1023);
            a.dec(rcx);
            a.jnz(loop);
            a.jmp(start);
        });
    }

    /// <summary>Code user read-only at CodeVa, one data page user read/write (NX) at DataVa, in a real page
    /// table walked by the MMU, user privilege.</summary>
    private static X86Cpu<PagedBus> Machine(Action<Assembler> program)
    {
        var asm = new Assembler(64);
        program(asm);
        var writer = new Writer();
        asm.Assemble(writer, CodeVa);
        var frames = new FrameAllocator(new PhysicalMemory());
        var pt = PageTable.Create(frames, 1);
        ulong code = frames.Allocate(FrameOwner.Process, 1), data = frames.Allocate(FrameOwner.Process, 1);
        pt.Iter(CodeVa).Map(code, Pte.PTE_P | Pte.PTE_U);
        pt.Iter(DataVa).Map(data, Pte.PTE_P | Pte.PTE_W | Pte.PTE_U | Pte.PTE_NX);
        frames.Memory.Write(code, writer.Bytes.ToArray());
        var tlb = new Tlb(new Mmu(frames.Memory));
        tlb.LoadCr3(pt.Root);
        return new X86Cpu<PagedBus>(new PagedBus(tlb)) { Rip = CodeVa, Privilege = Privilege.User };
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = (int)Instructions)]
    public StopReason TightLoopMmu() => _tight.Run(Instructions);

    [Benchmark(OperationsPerInvoke = (int)Instructions)]
    public StopReason ComputeLoopMmu() => _compute.Run(Instructions);

    /// <summary>Rounds of each loop, alternating, printed as instructions per second of process CPU time, so that
    /// other load on the machine skews the ratio less than the absolute numbers.</summary>
    public static void Quick()
    {
        var b = new X86CpuBench();
        b.Setup();
        var i = new X86CpuBench();
        i.Setup();
        i._tight.Translation = i._compute.Translation = false;
        var runs = new (string Name, Func<StopReason> Run)[]
        {
            ("tight, translated", b.TightLoopMmu), ("compute, translated", b.ComputeLoopMmu),
            ("tight, interpreted", i.TightLoopMmu), ("compute, interpreted", i.ComputeLoopMmu),
        };
        for (int round = 0; round < 5; round++)
            foreach (var (name, run) in runs)
            {
                var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                for (int k = 0; k < 5; k++) run();
                var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0;
                Console.WriteLine($"{name,-22} {Instructions * 5 / cpu.TotalSeconds / 1e6,7:F1} M instructions/s");
            }
    }

    private sealed class Writer : CodeWriter
    {
        public readonly List<byte> Bytes = new();
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
