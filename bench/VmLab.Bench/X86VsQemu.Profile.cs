using System.Diagnostics;
using System.Runtime;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;

namespace VmLab.Bench;

internal static partial class X86VsQemu
{
    /// <summary>Where one translated in-process run spends its time: the instructions retired in compiled
    /// regions against those the interpreter ran, region entries and why they ended, the time spent building
    /// regions and JIT-compiling (all methods, the regions' and the runtime's own tier-ups), and the run.</summary>
    private sealed record Profile(double Seconds, double CpuSeconds, long Instructions, long Translated, long Regions, long RegionInstructions,
        long Entries, long ExitLeft, long ExitChained, long ExitBudget, long ExitEvent, double EmitMs, double JitMs, double RegionJitMs, long Ticks, long TicksPassed);

    /// <summary>The program on a kernel without the memory checker, in this process: the CPU's own speed.</summary>
    private static Profile InProcess(string elf, bool translation)
    {
        var image = ElfLoader.Load(File.ReadAllBytes(elf));
        // VMLAB_BENCH_QUANTUM: another timer quantum, to tell the tick's cost from the code's
        long quantum = long.TryParse(Environment.GetEnvironmentVariable("VMLAB_BENCH_QUANTUM"), out long q) && q > 0 ? q : 1000;
        var k = new Kernel(new KernelOptions { Quantum = quantum });
        k.Cpu.Translation = translation;
        // VMLAB_BENCH_TICKS=each: every timer tick enters the kernel, none is passed over (the cost of a tick)
        k.CoalesceTicks = Environment.GetEnvironmentVariable("VMLAB_BENCH_TICKS") != "each";
        // VMLAB_BENCH_PROCESSES=2: that many copies of the program, so that every tick switches processes
        int copies = int.TryParse(Environment.GetEnvironmentVariable("VMLAB_BENCH_PROCESSES"), out int c) && c is > 0 and < 16 ? c : 1;
        for (int i = 0; i < copies; i++) k.Spawn(image, "bench");
        // this thread's JIT time: the regions (compiled at their first call) and whatever the interpreter's
        // methods cost at first use; the runtime's background tier-ups run on other threads
        TimeSpan jit = JitInfo.GetCompilationTime(currentThread: true);
        // process CPU time too: on a loaded machine the wall time is mostly waiting for a core
        TimeSpan cpu = Environment.CpuUsage.TotalTime;
        var sw = Stopwatch.StartNew();
        k.Run(10_000_000_000);
        if (translation)
            Console.WriteLine($"  {Path.GetFileName(elf)}: {k.Cpu.TranslationForms.Direct} compiled instructions emitted as IL; calling " +
                              "their definition: " + string.Join(", ", k.Cpu.TranslationForms.Helpers.Select(h => $"{h.Key} {h.Value}")) +
                              $"; regions emitted again smaller, too large for the JIT to optimise: {k.Cpu.TranslationForms.Shrunk}" +
                              $"; exits at a host TLB miss: {k.Cpu.TranslationMisses.Exits} (pages compiled again with the slow path: {k.Cpu.TranslationMisses.Recompiled})");
        double seconds = sw.Elapsed.TotalSeconds, cpuSeconds = (Environment.CpuUsage.TotalTime - cpu).TotalSeconds;
        var stats = k.Cpu.TranslationStats;
        var p = k.Cpu.TranslationProfile;
        return new Profile(seconds, cpuSeconds, k.Instructions, p.Translated, stats.Regions, stats.Instructions, stats.Entries,
            p.ExitLeft, p.ExitChained, p.ExitBudget, p.ExitEvent, p.Emit.TotalMilliseconds, (JitInfo.GetCompilationTime(currentThread: true) - jit).TotalMilliseconds,
            p.Jit.TotalMilliseconds, k.TimerTicks, k.CoalescedTicks);
    }

    private static void PrintProfiles(List<Row> rows)
    {
        Console.WriteLine();
        Console.WriteLine("where the time goes: translated in-process runs (no memory checker; timer every quantum of instructions)");
        Console.WriteLine($"{"program",-8} {"run",7} {"cpu",7} {"transl.",8} {"regions",8} {"region ins",10} {"entries",11} {"ins/entry",9} " +
                          $"{"exit:left",10} {"chained",10} {"budget",9} {"event",7} {"emit",7} {"jit",7} {"regions' jit",12} {"timer ticks",11} {"passed over",11}");
        foreach (var r in rows)
        {
            Profile p = r.Core;
            Console.WriteLine($"{r.Name,-8} {p.Seconds * 1000,5:F0}ms {p.CpuSeconds * 1000,5:F0}ms {100.0 * p.Translated / p.Instructions,7:F1}% {p.Regions,8} " +
                              $"{p.RegionInstructions,10} {p.Entries,11:N0} {(double)p.Translated / Math.Max(1, p.Entries),9:F1} " +
                              $"{p.ExitLeft,10:N0} {p.ExitChained,10:N0} {p.ExitBudget,9:N0} {p.ExitEvent,7:N0} {p.EmitMs,5:F0}ms {p.JitMs,5:F0}ms {p.RegionJitMs,10:F0}ms {p.Ticks,11:N0} {p.TicksPassed,11:N0}" +
                              (r.Interpreted is { } i ? $"   interpreted: {i.Seconds * 1000:F0}ms (cpu {i.CpuSeconds * 1000:F0}ms)" : ""));
        }
        Console.WriteLine("cpu = the process's CPU time during the run (the background tier-up included); transl. = share of instructions retired in compiled regions; exit:left = a jump out of the region; chained = of those, the ones that went on into another region of the same page without the interpreter; " +
                          "budget = the quantum or budget ran out; event = syscall, fault or halt; emit = building regions and " +
                          "their IL; jit = this thread's JIT time during the run; regions' jit = the part of it compiling the regions' methods; " +
                          "passed over = timer ticks that would have resumed the only runnable process, run through without entering the kernel");
    }
}
