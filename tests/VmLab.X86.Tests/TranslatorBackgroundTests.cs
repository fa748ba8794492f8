using Iced.Intel;
using VmLab.Sim.Cpu;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// Regions compiled in the background (as `sim cpu` and the web view compile them) are compiled on a thread of
/// their own: a busy thread pool (the web server's requests, or every worker blocked) does not hold them back.
/// </summary>
public class TranslatorBackgroundTests
{
    private static void Loop(Assembler a)
    {
        var loop = a.CreateLabel();
        a.mov(ecx, 50000);
        a.xor(ebx, ebx);
        a.Label(ref loop);
        a.imul(rbx, rbx, 3);
        a.add(rbx, rcx);
        a.dec(ecx);
        a.jnz(loop);
        a.ud2();
    }

    /// <summary>Returns once the background JIT has compiled every region the machine queued (at most a minute).</summary>
    private static void WaitForJit(X86Machine t)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (t.Cpu.TranslationsPending > 0 && waited.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(1);
    }

    [Fact]
    public void With_the_jit_idle_the_regions_of_a_page_merge_after_a_sixteenth_of_the_jumps()
    {
        // The late block's 5,000 rounds jump between the loop's region and its own 10,000 times: under the 28,672
        // (4,096 for each of the 7 instructions compiled) after which the regions merge while the JIT is busy or
        // compiles on the run's own thread (TranslatorRegionTests: 2 regions), over the sixteenth of it they need
        // while the JIT has nothing to do.
        var t = new X86Machine(TranslatorRegionTests.LateBranch(20_000, 5_000));
        var i = new X86Machine(TranslatorRegionTests.LateBranch(20_000, 5_000));
        i.Cpu.Translation = false;
        t.Cpu.TranslateInBackground = true;
        StopReason st;
        do
        {
            st = t.Run(500);
            WaitForJit(t);
        }
        while (st == StopReason.Budget);
        Assert.Equal(StopReason.InvalidOpcode, st);
        Assert.Equal(StopReason.InvalidOpcode, i.Run(10_000_000));
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        Assert.Equal(3, t.Cpu.TranslationStats.Regions);
    }

    [Fact]
    public void A_region_compiled_in_the_background_does_not_wait_behind_a_blocked_thread_pool()
    {
        // more blocked work items than the pool has workers: work queued behind them runs only once the pool has
        // grown past them all, which it does slowly (a thread or two a second)
        ThreadPool.GetMinThreads(out int workers, out _);
        int blockers = workers + 16, started = 0;
        // not disposed: blocked items the pool starts after the test has ended still wait on it, and return at once
        var release = new ManualResetEventSlim();
        for (int k = 0; k < blockers; k++)
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                Interlocked.Increment(ref started);
                release.Wait();
            }, null);
        try
        {
            var (t, i) = TranslatorPair.Of(Loop);
            t.Cpu.TranslateInBackground = true;
            StopReason st = t.Run(2000);
            // queued (the JIT's thread may have compiled it already)
            Assert.True(t.Cpu.TranslationStats.Regions > 0, "no region was queued for the background JIT");
            WaitForJit(t);
            int startedWhenReady = Volatile.Read(ref started);
            Assert.Equal(0, t.Cpu.TranslationsPending);
            Assert.True(startedWhenReady < blockers,
                $"the region was compiled only after all {blockers} blocked work items had started");
            while (st == StopReason.Budget) st = t.Run(1_000_000);
            Assert.Equal(StopReason.InvalidOpcode, st);
            Assert.Equal(StopReason.InvalidOpcode, i.Run(10_000_000));
            Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
            Assert.True(t.Cpu.TranslationProfile.Translated > t.Cpu.InstructionCount / 2,
                $"{t.Cpu.TranslationProfile.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
        }
        finally
        {
            release.Set();
        }
    }
}
