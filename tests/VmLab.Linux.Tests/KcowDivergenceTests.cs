using VmLab.Linux.LazyCopy;

namespace VmLab.Linux.Tests;

/// <summary>kcow's reading of page-map entries: which pages mean "this view no longer reads like its file".</summary>
public class KcowDivergenceTests
{
    private const ulong Present = 1UL << 63, Swapped = 1UL << 62, File = 1UL << 61;

    [Theory]
    [InlineData(1), InlineData(3), InlineData(4), InlineData(8), InlineData(13), InlineData(512)]
    public void A_single_anonymous_or_swapped_page_anywhere_counts(int count)
    {
        for (int at = 0; at < count; at++)
        {
            foreach (ulong odd in new[] { Present | 0x1234, Swapped })
            {
                var entries = Enumerable.Repeat(Present | File | 0x42, count).ToArray();
                if (at % 2 == 1)
                    entries[at - 1] = 0;   // not present: never faulted in, reads the file
                entries[at] = odd;
                Assert.True(KcowBackend.AnyDiverged(entries), $"entry {at} of {count}: {odd:x}");
            }
        }
    }

    [Theory]
    [InlineData(0), InlineData(5), InlineData(16), InlineData(512)]
    public void File_pages_and_absent_pages_do_not_count(int count)
    {
        var entries = Enumerable.Range(0, count).Select(i => i % 3 == 0 ? 0UL : Present | File | (uint)i).ToArray();
        Assert.False(KcowBackend.AnyDiverged(entries));
    }
}
