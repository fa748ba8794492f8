namespace VmLab.Linux;

/// <summary>One run of segfault-test in the demonstration.</summary>
/// <param name="Mode">The segfault-test mode ("null", "readonly", "stack", "wild", "none").</param>
/// <param name="Expected">The classification the mode should get, or null for the run that does not fault.</param>
/// <param name="Run">What happened.</param>
/// <param name="MessageInList">True when the printed message is one of the library's active messages.</param>
public sealed record FriendlyDemoRun(string Mode, FaultClassification? Expected, FriendlyRun Run, bool MessageInList)
{
    /// <summary>A faulting mode: caught, classified as expected, with a message from the list. The quiet mode:
    /// no report, exit status 0, its one line on stdout.</summary>
    public bool AsExpected => Expected is null
        ? Run.Fault is null && Run.ExitStatus == 0 && Run.Stdout.Length > 0
        : Run.Caught && Run.Fault!.Classification == Expected && MessageInList;
}

/// <summary>The demonstration behind <c>vmlab friendly --demo</c>: the bundled segfault-test, faulting each way.</summary>
public static class FriendlyDemo
{
    /// <summary>The modes run, each with the classification it should get (null: no fault).</summary>
    public static IReadOnlyList<(string Mode, FaultClassification? Expected)> Modes { get; } =
    [
        ("null", FaultClassification.NullPointer),
        ("readonly", FaultClassification.ReadOnlyWrite),
        ("stack", FaultClassification.StackOverflow),
        ("wild", FaultClassification.InvalidAccess),
        ("none", null),
    ];

    /// <summary>The messages the library would choose from under <paramref name="environment"/>, as the library
    /// itself lists them (segfault-test messages).</summary>
    public static IReadOnlyList<string> Messages(IReadOnlyDictionary<string, string?>? environment = null)
    {
        var run = Friendly.RunCaptured(Friendly.TestProgramPath, ["messages"], environment, TimeSpan.FromMinutes(1));
        if (run.ExitStatus != 0)
            throw new InvalidOperationException($"segfault-test messages exited with status {run.ExitStatus}: {run.Stderr.Trim()}");
        return run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Runs every mode once with the library preloaded and reports what each did.</summary>
    public static IReadOnlyList<FriendlyDemoRun> Run()
    {
        var messages = Messages().ToHashSet(StringComparer.Ordinal);
        var runs = new List<FriendlyDemoRun>();
        foreach (var (mode, expected) in Modes)
        {
            var run = Friendly.RunCaptured(Friendly.TestProgramPath, [mode], timeout: TimeSpan.FromMinutes(1));
            runs.Add(new FriendlyDemoRun(mode, expected, run, run.Fault is { } f && messages.Contains(f.Message)));
        }
        return runs;
    }
}
