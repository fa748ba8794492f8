using VmLab.Labs.Grading;

namespace VmLab.Labs.Tests;

/// <summary>The reference kernel through the student's path, and wrong implementations that must lose points
/// with the reason a student would need. Wrong implementations live in this assembly (Wrong/); the grader
/// loads it in its child process exactly as it loads a student's Lab.dll.</summary>
public class GraderTests
{
    private static GradeReport GradeWrong(string exercise, string type, string test, int timeoutSeconds = 30) =>
        Grader.Grade(new GradeOptions
        {
            Assembly = typeof(GraderTests).Assembly.Location,
            Types = new Dictionary<string, string> { [exercise] = type },
            Exercises = [Catalog.Find(exercise)!],
            Filter = test,
            TestTimeout = TimeSpan.FromSeconds(timeoutSeconds),
        });

    [Fact]
    public void The_reference_scores_full_marks_through_the_student_path()
    {
        var report = Grader.Grade(new GradeOptions());
        Assert.All(report.Tests, t => Assert.True(t.Passed, $"{t.Name}: {t.Reason}"));
        Assert.Equal(report.MaxScore, report.Score);
        Assert.True(report.FullMarks);
        Assert.Equal(Catalog.Tests.Count, report.Tests.Count);
        Assert.Equal(Catalog.Exercises.Select(e => e.Name).Order(), report.Tests.Select(t => t.Exercise).Distinct().Order());
    }

    [Theory]
    [InlineData("bigdata", "NoRemap", "bigdata_prints", "bigdata printed \"Boo!")]
    [InlineData("bigdata", "RawRemap", "bigdata_no_writes", "remap l")]                 // leaked / left a reference count wrong
    [InlineData("bigdata", "WritingRemap", "bigdata_no_writes", "remap wrote memory")]
    [InlineData("copy_mappings", "UserOnlyCopy", "copy_mappings_process", "but dst maps nothing")]
    [InlineData("copy_mappings", "FrameCopyingCopy", "copy_mappings_process", "allocated")]
    [InlineData("copy_mappings", "UnboundedCopy", "copy_mappings_sparse", "at or above MEMSIZE_VIRTUAL")]
    [InlineData("free_everything", "PagesOnlyFree", "free_everything_all", "page-table page(s) still allocated")]
    [InlineData("free_everything", "FromZeroFree", "free_everything_all", "kernel panic: kfree: 0xb8000 is a console frame")]
    [InlineData("free_everything", "RootlessFree", "free_everything_all", "(the root among them)")]
    [InlineData("fork", "SharingFork", "fork_isolation", "child write reached the parent: fork shares a writable frame at va 0x")]
    [InlineData("fork", "CopyEverythingFork", "fork_sharing", "is read-only: the child should share")]
    [InlineData("fork", "UncountedFork", "fork_isolation", "reference count")]
    [InlineData("fork", "NullFork", "fork_isolation", "your code threw NullReferenceException")]
    [InlineData("fork", "LeakyFork", "fork_out_of_memory", "fork left a reference count wrong")]
    [InlineData("exit", "PagesOnlyExit", "exit_forkexit", "free the page-table pages too")]
    [InlineData("exit", "WritableOnlyExit", "exit_forkexit", "exit left a reference count wrong")]
    [InlineData("spawn", "TrustingSpawn", "spawn_alice", "started 0 process(es), want 2")]
    [InlineData("spawn", "UncheckedSpawn", "spawn_bad_pointers", "kernel memory holding \"alice\") returned")]
    [InlineData("page_alloc", "DeputyPageAlloc", "page_alloc_friends", "wipe alice's page table")]
    [InlineData("page_alloc", "OverwritingPageAlloc", "page_alloc_bad_addresses", "the caller's own data page) returned 0, want -1")]
    [InlineData("page_alloc", "UnboundedPageAlloc", "page_alloc_bad_addresses", "(MEMSIZE_VIRTUAL)) returned 0, want -1")]
    [InlineData("pipe", "PollingPipe", "pipe_two_syscalls", "pipe syscalls per message; the minimum is 2")]
    [InlineData("pipe", "LateCheckPipe", "pipe_bad_buffers", "pipewrite(0x40000, 16) to a full pipe never returned")]
    [InlineData("pipe", "SleepyPipe", "pipe_intact", "the programs did not finish")]
    [InlineData("lazy_copy", "EagerLazyCopy", "lazy_copy_is_lazy", "copy_lazy copied the chunk")]
    [InlineData("lazy_copy", "EagerLazyCopy", "lazy_copy_faster", "this machine cannot be the reason: page 0 of the copy is other memory than the source's")]
    [InlineData("lazy_copy", "UnprotectedSourceLazyCopy", "lazy_copy_stress", "to the source (chunk")]
    [InlineData("lazy_copy", "NeverSplitLazyCopy", "lazy_copy_first_write", "during the timing run writing a lazy copy at offset 0x")]
    [InlineData("lazy_copy", "NeverSplitLazyCopy", "lazy_copy_stress", "copy_lazy shares a writable page")]
    [InlineData("lazy_copy", "NoHandlerLazyCopy", "lazy_copy_stress", "the test process crashed while writing")]
    public void A_wrong_implementation_fails_with_the_reason(string exercise, string type, string test, string reason)
    {
        var report = GradeWrong(exercise, type, test);
        var result = Assert.Single(report.Tests, t => t.Name == test);
        Assert.False(result.Passed, $"{type} passed {test}");
        Assert.Contains(reason, result.Reason);
        Assert.True(report.Score < report.MaxScore);
        Assert.False(report.FullMarks);
    }

    [Theory]
    [InlineData("OneMessage", "friendly_messages", "1 different message(s) in 40 runs, want at least 8")]
    [InlineData("NoAltStack", "friendly_kinds", "a stack overflow: the program was killed by SIGSEGV: no handler ran (a stack overflow needs sigaltstack")]
    public void A_wrong_friendly_library_fails_with_the_reason(string source, string test, string reason)
    {
        string code = (string)typeof(Wrong.WrongFriendly).GetField(source)!.GetValue(null)!;
        var report = Grader.Grade(new GradeOptions { Library = Wrong.WrongFriendly.Build(code), Exercises = [Catalog.Find("friendly")!], Filter = test });
        var result = Assert.Single(report.Tests);
        Assert.False(result.Passed);
        Assert.Contains(reason, result.Reason);
    }

    [Fact]
    public void A_looping_implementation_times_out_and_the_next_test_still_runs()
    {
        var report = Grader.Grade(new GradeOptions
        {
            Assembly = typeof(GraderTests).Assembly.Location,
            Types = new Dictionary<string, string> { ["fork"] = "LoopingFork" },
            Exercises = [Catalog.Find("fork")!],
            TestTimeout = TimeSpan.FromSeconds(4),
        });
        Assert.Equal(["fork_isolation", "fork_sharing", "fork_out_of_memory"], report.Tests.Select(t => t.Name));
        Assert.All(report.Tests, t => Assert.StartsWith("timed out after 4 s", t.Reason));
        Assert.All(report.Tests, t => Assert.InRange(t.Seconds, 3.5, 30));
        Assert.Equal(0, report.Score);
    }

    [Fact]
    public void A_stack_overflow_fails_the_test_instead_of_the_grader()
    {
        var result = Assert.Single(GradeWrong("fork", "RecursiveFork", "fork_isolation").Tests);
        Assert.False(result.Passed);
        Assert.Contains("stack overflow", result.Reason);
    }
}
