using VmLab.Linux;
using VmLab.Linux.LazyCopy;
using VmLab.Linux.Seams;
using VmLab.Linux.Timing;
using static VmLab.Labs.Grading.TestContext;

namespace VmLab.Labs.Grading;

/// <summary>
/// The seed's two timing claims for the student's copy_lazy, judged exactly as `vmlab lazycopy` judges them
/// (<see cref="LazyCopyJudge"/>): eager copy (fresh memory + memcpy, the grader's own) and the student's lazy
/// copy measured in interleaved pairs, order swapped every round, and the per-pair ratios judged. A claim that
/// holds is confirmed. One that does not hold is explained by this machine's costs, which passes only when the
/// copies in the same run were lazy and correct: an eager copy_lazy cannot hide behind a slow machine.
/// </summary>
internal static class LazyCopyTiming
{
    private const int Rounds = 8, PerRound = 4, Size = LazyCopySeam.ChunkSize;

    private sealed class Run
    {
        public readonly PairRecorder Copy = new(), FirstWrite = new();
        public string? NotLazy, Wrong;
    }

    public static void Claim(TestContext t, bool firstWrite)
    {
        var impl = t.LazyCopy!;
        Measure(impl, new Run(), rounds: 1);     // JIT, the first faults, the student's bookkeeping: discarded
        var run = Measure(impl, new Run(), Rounds);
        var copy = run.Copy.ToTimings();
        var write = run.FirstWrite.ToTimings();
        var point = new SweepPoint(LazyCopyStrategy.Segv, Size, copy.SpreadA.Median, copy.SpreadB.Median,
            write.SpreadA.Median, write.SpreadB.Median, copy.AOverB, write.BOverA, Correct: run.Wrong is null);
        var verdict = Judge(point, firstWrite);
        t.Notes.Add($"{verdict.Claim}: {verdict.Status}: {verdict.Reason}");
        t.Verdict = Decide(verdict, run.NotLazy, run.Wrong);
    }

    /// <summary>The claim's verdict from one measured point, as `vmlab lazycopy` computes it.</summary>
    internal static Verdict Judge(SweepPoint point, bool firstWrite)
    {
        var v = firstWrite ? LazyCopyJudge.FirstWrite(point) : LazyCopyJudge.Copy(point, model: null);
        return v with { Claim = firstWrite ? LazyCopyJudge.FirstWriteClaim : LazyCopyJudge.MuchFasterClaim };
    }

    /// <summary>
    /// Pass or fail, from the verdict and what the same run saw: copies that read wrong fail; a confirmed claim
    /// passes; a claim that did not hold passes as explained only when every copy was lazy
    /// (<paramref name="notLazy"/> null), since only then can this machine's costs be the reason. The text for a
    /// passing test; a <see cref="GradeFailure"/> otherwise.
    /// </summary>
    internal static string Decide(Verdict verdict, string? notLazy, string? wrong)
    {
        Require(wrong is null, $"during the timing run {wrong} (lazy_copy_stress says more)");
        if (verdict.Status == VerdictStatus.Confirmed)
            return $"confirmed: {verdict.Reason}";
        Require(notLazy is null, $"\"{verdict.Claim}\" does not hold here ({verdict.Reason}), and this machine cannot be the reason: {notLazy}, so copy_lazy copied the chunk");
        return $"explained (the copies were lazy; the claim depends on this machine's costs): {verdict.Reason}";
    }

    private static Run Measure(ILazyCopy impl, Run run, int rounds)
    {
        var r = new Random(0x5eed);
        var pattern = new byte[Size];
        for (int round = 0; round < rounds; round++)
        {
            var eager = new List<Mapping>();
            try
            {
                for (int k = 0; k < PerRound; k++)
                    Pair(impl, run, round, r, pattern, eager);
            }
            finally
            {
                eager.ForEach(m => m.Dispose());
            }
        }
        return run;
    }

    private static void Pair(ILazyCopy impl, Run run, int round, Random r, byte[] pattern, List<Mapping> eager)
    {
        nint src = impl.Allocate();
        r.NextBytes(pattern);
        Step("filling a chunk from Allocate", "a fresh chunk must be readable and writable");
        pattern.CopyTo(LazyCopyTests.Memory(src));
        Mapping? e = null;
        nint lazy = 0;
        Step("running copy_lazy on a filled chunk", "copy_lazy itself crashed");
        var (ec, lc) = Interleaved.Pair(round,
            () => Clock.Time(() => e = EagerCopy(src)),
            () => Clock.Time(() => lazy = impl.CopyLazy(src)));
        eager.Add(e!);
        run.Copy.Add(ec, lc);
        if (run.NotLazy is null && LazyCopyTests.SharingFailure(src, lazy) is { } why)
            run.NotLazy = why;
        if (run.Wrong is null && !LazyCopyTests.Memory(lazy).SequenceEqual(pattern))
            run.Wrong = "a lazy copy did not read like its source";
        int at = r.Next(Size);
        Step($"writing a lazy copy for the first time, at offset 0x{at:x}", "a write to a lazily copied chunk faulted and nothing split it");
        var (ew, lw) = Interleaved.Pair(round, () => Clock.Time(() => Flip(e!.Address, at)), () => Clock.Time(() => Flip(lazy, at)));
        run.FirstWrite.Add(ew, lw);
        if (run.Wrong is null && !LazyCopyTests.Memory(lazy).SequenceEqual(e!.Span))
            run.Wrong = $"after its first write (offset 0x{at:x}) a lazy copy did not read like an eager copy written the same way";
        if (run.Wrong is null && !LazyCopyTests.Memory(src).SequenceEqual(pattern))
            run.Wrong = $"writing a lazy copy at offset 0x{at:x} changed its source";
    }

    /// <summary>The eager copy the seed compares against: fresh shared memory, then memcpy.</summary>
    private static Mapping EagerCopy(nint src)
    {
        var m = Mapping.Anonymous(Size, Prot.ReadWrite, MapFlags.MAP_SHARED);
        LazyCopyTests.Memory(src).CopyTo(m.Span);
        return m;
    }

    private static unsafe void Flip(nint chunk, int at) => ((byte*)chunk)[at] ^= 0x5a;
}
