using VmLab.Linux.Timing;

namespace VmLab.Linux.Tests;

/// <summary>Pinning the whole process for a measurement, and giving every thread its CPUs back.</summary>
public class ProcessPinTests
{
    [LinuxFact]
    public void Every_thread_runs_on_the_pinned_cpu_until_dispose_then_gets_its_cpus_back()
    {
        using var parked = new ManualResetEventSlim();
        var helper = new Thread(() => parked.Wait()) { IsBackground = true };
        helper.Start();
        try
        {
            var before = AllowedLists();
            int last = Environment.ProcessorCount - 1;
            using (var pin = new ProcessPin(last))
            {
                Assert.Equal(last, pin.Cpu);
                Assert.True(pin.PinnedThreads >= 2);
                var during = AllowedLists();
                Assert.All(during.Where(t => before.ContainsKey(t.Key)), t => Assert.Equal(last.ToString(), t.Value));
            }
            var after = AllowedLists();
            Assert.All(before.Where(t => after.ContainsKey(t.Key)), t => Assert.Equal(t.Value, after[t.Key]));
        }
        finally
        {
            parked.Set();
            helper.Join();
        }
    }

    [LinuxFact]
    public void A_cpu_out_of_range_is_refused_before_anything_changes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessPin(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessPin(4096));
    }

    /// <summary>Cpus_allowed_list of every thread, by thread id.</summary>
    private static Dictionary<int, string> AllowedLists()
    {
        var lists = new Dictionary<int, string>();
        foreach (string dir in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                string? line = File.ReadLines(Path.Combine(dir, "status")).FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
                if (line is not null)
                    lists[int.Parse(Path.GetFileName(dir))] = line["Cpus_allowed_list:".Length..].Trim();
            }
            catch (IOException)
            {
                // the thread exited between the listing and the read
            }
        }
        return lists;
    }
}
