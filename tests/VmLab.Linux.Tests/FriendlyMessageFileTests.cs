namespace VmLab.Linux.Tests;

/// <summary>FRIENDLY_SEGV_MESSAGES: a file replaces the list; a bad one falls back and says so once.</summary>
public sealed class FriendlyMessageFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vmlab-friendly-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static FriendlyRun Fault(string? messagesPath) =>
        FriendlyTests.RunWith(new() { [Friendly.MessagesVariable] = messagesPath }, Friendly.TestProgramPath, "null");

    private string File(string name, string text)
    {
        string path = Path.Combine(_dir.FullName, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private static int Count(string text, string part)
    {
        int n = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
            n++;
        return n;
    }

    [LinuxFact]
    public void A_message_file_replaces_the_list()
    {
        string path = File("mine.txt", "You can do it.\r\n\r\nOne more try!\n");
        var env = new Dictionary<string, string?> { [Friendly.MessagesVariable] = path };
        Assert.Equal(["You can do it.", "One more try!"], FriendlyDemo.Messages(env));
        for (int i = 0; i < 5; i++)
        {
            var run = Fault(path);
            Assert.Equal(Friendly.FaultExitStatus, run.ExitStatus);
            Assert.Contains(run.Fault!.Message, new[] { "You can do it.", "One more try!" });
            Assert.Null(run.Fault.Notice);
        }
    }

    [LinuxFact]
    public void Bytes_a_terminal_would_act_on_or_reorder_are_shown_as_question_marks()
    {
        // a right-to-left override (U+202E, three bytes) and a lone 0x9b, the 8-bit CSI to some terminals
        string path = Path.Combine(_dir.FullName, "bidi.txt");
        System.IO.File.WriteAllBytes(path, [(byte)'A', 0xe2, 0x80, 0xae, (byte)'B', 0x9b, (byte)'C', (byte)'\n']);
        var run = Fault(path);
        Assert.Equal(Friendly.FaultExitStatus, run.ExitStatus);
        Assert.Equal("A???B?C", run.Fault!.Message);
    }

    [LinuxFact]
    public void An_empty_file_falls_back_to_the_built_in_list_with_one_notice()
    {
        var run = Fault(File("empty.txt", "\n\n"));
        Assert.Equal(Friendly.FaultExitStatus, run.ExitStatus);
        Assert.Contains(run.Fault!.Message, FriendlyTests.BuiltIn);
        Assert.Equal(1, Count(run.Stderr, "using the built-in messages"));
        Assert.Contains("has no messages", run.Fault.Notice);
    }

    [LinuxFact]
    public void An_unreadable_file_falls_back_with_one_notice_naming_the_reason()
    {
        foreach (string path in new[] { Path.Combine(_dir.FullName, "missing.txt"), _dir.FullName })
        {
            var run = Fault(path);
            Assert.Equal(Friendly.FaultExitStatus, run.ExitStatus);
            Assert.Contains(run.Fault!.Message, FriendlyTests.BuiltIn);
            Assert.Equal(1, Count(run.Stderr, "using the built-in messages"));
            Assert.Contains("cannot be read", run.Fault.Notice);
            Assert.Contains(path, run.Fault.Notice);
        }
    }

    [LinuxFact]
    public void A_bad_file_says_nothing_while_the_program_does_not_fault()
    {
        var run = FriendlyTests.RunWith(new() { [Friendly.MessagesVariable] = Path.Combine(_dir.FullName, "missing.txt") },
            Friendly.TestProgramPath, "none");
        Assert.Equal((0, ""), (run.ExitStatus, run.Stderr));
    }
}
