using System.Linq.Expressions;

namespace VmLab.Linux.Tests;

[Collection(ProcessMemory.Collection)]
public class ForkTests
{
    [LinuxFact]
    public unsafe void Child_writes_stay_in_the_child()
    {
        using var m = Mapping.Anonymous(2 * 4096);
        var words = (ulong*)m.Pointer;
        words[0] = 11;
        words[512] = 12;
        var r = Fork.Touch(new ForkTouchPlan(m.Address, 2, 1, 99));
        Assert.True(r.Exit.Succeeded);
        Assert.NotEqual(Environment.ProcessId, r.Exit.Pid);
        Assert.Equal(11UL, r.ValueBefore);
        Assert.Equal(99UL, r.ValueAfter);
        Assert.Equal(11UL, words[0]);
        Assert.Equal(12UL, words[512]);
        Assert.Equal(2, r.EntriesBefore.Count);
        Assert.All(r.EntriesAfter, e => Assert.True(e.IsPresent && e.IsExclusive));
        Assert.All(r.EntriesBefore, e => Assert.False(e.IsExclusive));   // shared with the parent until written
    }

    [LinuxFact]
    public void Interleaved_passes_time_every_page_in_each_pass_and_the_child_ends_with_every_page_its_own()
    {
        using var m = Mapping.Anonymous(8 * 4096);
        m.Span.Fill(1);
        var r = Fork.Touch(new ForkTouchPlan(m.Address, 8, 512, 7, Passes: 3, Interleave: true));
        Assert.Equal(3, r.PageNanoseconds.Count);
        for (int pass = 0; pass < 3; pass++)
        {
            Assert.All(r.PageNanoseconds[pass], ns => Assert.True(ns > 0));
            Assert.Equal(r.PassNanoseconds[pass], r.PageNanoseconds[pass].Sum());   // a pass is its pages, nothing else
        }
        Assert.Equal(7UL, r.ValueAfter);
        Assert.All(r.EntriesAfter, e => Assert.True(e.IsPresent && e.IsExclusive));
        Assert.All(m.Span.ToArray(), b => Assert.Equal(1, b));   // the parent's pages never changed
    }

    [LinuxFact]
    public void Fifty_forks_in_a_row_leave_the_parent_healthy()
    {
        using var m = Mapping.Anonymous(16 * 4096);
        m.Span.Fill(1);
        // Another thread allocates the whole time, so some forks happen while a GC is running or pending:
        // the case that deadlocks a child running managed code.
        using var stop = new CancellationTokenSource();
        using var churning = new ManualResetEventSlim();
        var churn = Task.Factory.StartNew(() =>
        {
            long n = 0;
            while (!stop.IsCancellationRequested)
            {
                n += new byte[1024 + (int)(n % 7919)].Length;
                churning.Set();
            }
            return n;
        }, TaskCreationOptions.LongRunning);
        Assert.True(churning.Wait(TimeSpan.FromSeconds(30)), "the allocating thread never started");
        for (int i = 0; i < 50; i++)
        {
            var r = Fork.Touch(new ForkTouchPlan(m.Address, 16, 512, (ulong)i + 2, Passes: 2));
            Assert.True(r.Exit.Succeeded, r.Exit.ToString());
            Assert.Equal((ulong)i + 2, r.ValueAfter);
            // The parent keeps JIT-compiling new code, allocating and collecting after every fork.
            var x = Expression.Parameter(typeof(int));
            var f = Expression.Lambda<Func<int, int>>(Expression.Add(x, Expression.Constant(i)), x).Compile();
            Assert.Equal(i + 1, f(1));
            var list = Enumerable.Range(0, 1000).Select(k => k.ToString()).ToList();
            Assert.Equal(1000, list.Count);
            if (i % 10 == 0)
                GC.Collect();
        }
        stop.Cancel();
        Assert.True(churn.Result > 0);
        Assert.All(m.Span.ToArray(), b => Assert.Equal(1, b));
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [LinuxFact]
    public void A_child_that_crashes_is_reported_not_hidden()
    {
        // Page 0 is never mapped: the child's first store faults and it dies of SIGSEGV.
        var e = Assert.Throws<InvalidOperationException>(() =>
            Fork.Touch(new ForkTouchPlan(4096, 1, 1, 1), TimeSpan.FromSeconds(20)));
        Assert.Contains("child", e.Message);
    }

    [LinuxFact]
    public void Bad_plans_are_rejected_before_forking()
    {
        using var m = Mapping.Anonymous(4096);
        Assert.Throws<ArgumentOutOfRangeException>(() => Fork.Touch(new ForkTouchPlan(m.Address, 0, 1, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Fork.Touch(new ForkTouchPlan(m.Address, 1, 513, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Fork.Touch(new ForkTouchPlan(m.Address, 1, 1, 1, Passes: 5)));
        Assert.Throws<ArgumentException>(() => Fork.Touch(new ForkTouchPlan(m.Address + 8, 1, 1, 1)));
    }

    [RootFact]
    public unsafe void Child_shares_the_frame_until_it_writes_then_gets_its_own()
    {
        using var map = PageMap.OpenSelf();
        using var m = Mapping.Anonymous(4096);
        *(ulong*)m.Pointer = 5;
        ulong? parent = map.Read(m.Address).Pfn;
        var r = Fork.Touch(new ForkTouchPlan(m.Address, 1, 1, 6));
        Assert.NotNull(parent);
        Assert.Equal(parent, r.EntriesBefore[0].Pfn);
        Assert.NotEqual(parent, r.EntriesAfter[0].Pfn);
        Assert.Equal(2, r.MapCountBefore[0]);
        Assert.Equal(1, r.MapCountAfter[0]);
        Assert.Equal(parent, map.Read(m.Address).Pfn);
    }
}
