using VmLab.Labs.Grading;
using VmLab.Linux.LazyCopy;
using VmLab.Linux.Timing;

namespace VmLab.Labs.Tests;

/// <summary>How the lazy_copy timing tests turn `vmlab lazycopy`'s verdicts into OK or FAIL, on synthetic
/// measurements (no clock): a claim this machine explains never fails a lazy copy, and never excuses an eager one.</summary>
public class LazyCopyTimingTests
{
    // Per pair: eager/lazy copy ratio, and lazy/eager first-write ratio.
    private static SweepPoint Point(double copyRatio, double firstWriteRatio) =>
        new(LazyCopyStrategy.Segv, 64 * 1024, 200_000, 200_000 / copyRatio, 1_000, 1_000 * firstWriteRatio,
            new Spread(copyRatio, copyRatio * 0.8, copyRatio * 1.2), new Spread(firstWriteRatio, firstWriteRatio * 0.8, firstWriteRatio * 1.2), true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_claim_that_holds_is_confirmed(bool firstWrite)
    {
        var v = LazyCopyTiming.Judge(Point(5, 800), firstWrite);
        Assert.Equal(VerdictStatus.Confirmed, v.Status);
        Assert.StartsWith("confirmed: ", LazyCopyTiming.Decide(v, notLazy: "page 0 of the copy is other memory", wrong: null));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_claim_that_fails_here_passes_as_explained_when_the_copies_were_lazy(bool firstWrite)
    {
        var v = LazyCopyTiming.Judge(Point(0.6, 0.7), firstWrite);
        Assert.Equal(VerdictStatus.Explained, v.Status);
        string text = LazyCopyTiming.Decide(v, notLazy: null, wrong: null);
        Assert.StartsWith("explained (the copies were lazy", text);
        Assert.Contains(v.Reason, text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_eager_copy_cannot_hide_behind_the_machine(bool firstWrite)
    {
        var v = LazyCopyTiming.Judge(Point(1.0, 1.0), firstWrite);
        var e = Assert.Throws<GradeFailure>(() => LazyCopyTiming.Decide(v, notLazy: "page 0 of the copy is other memory than the source's", wrong: null));
        Assert.Contains($"\"{v.Claim}\" does not hold here", e.Message);
        Assert.Contains("this machine cannot be the reason: page 0 of the copy is other memory than the source's, so copy_lazy copied the chunk", e.Message);
    }

    [Fact]
    public void Copies_that_read_wrong_fail_even_when_the_claim_holds()
    {
        var v = LazyCopyTiming.Judge(Point(5, 800), firstWrite: true);
        var e = Assert.Throws<GradeFailure>(() => LazyCopyTiming.Decide(v, null, "writing a lazy copy at offset 0x10 changed its source"));
        Assert.StartsWith("during the timing run writing a lazy copy at offset 0x10 changed its source", e.Message);
    }
}
