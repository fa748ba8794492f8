using System.Text.RegularExpressions;

namespace VmLab.Cli.Tests;

/// <summary>
/// Every verb fed input a careless or hostile user could type: each answer is one line on stderr with the
/// documented exit code (2 bad input, 1 the machine refused), never an exception name, within a generous time
/// and allocation budget (an input that makes vmlab read /dev/zero or loop over 2^64 addresses would blow both).
/// </summary>
public sealed class HostileInputTests
{
    // the theories' cases name files here before any test runs: it goes when the test process ends
    private static readonly string Dir = TempDir.ForProcess("vmlab-hostile-");

    private static string File(string name, string text)
    {
        string path = Path.Combine(Dir, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private static string FileBytes(string name, byte[] bytes)
    {
        string path = Path.Combine(Dir, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A static x86-64 ELF whose one segment sits on the last page of the address space and runs past it.</summary>
    private static byte[] ElfAtTheTop()
    {
        var s = new MemoryStream();
        var w = new BinaryWriter(s);
        w.Write([0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        w.Write((ushort)2);             // ET_EXEC
        w.Write((ushort)62);            // EM_X86_64
        w.Write(1);                     // version
        w.Write(0xfffffffffffff000UL);  // entry
        w.Write(64UL);                  // program headers right after this header
        w.Write(0UL);                   // no section headers
        w.Write(0);                     // flags
        w.Write((ushort)64);
        w.Write((ushort)56);
        w.Write((ushort)1);             // one program header
        w.Write((ushort)64);
        w.Write((ushort)0);
        w.Write((ushort)0);
        w.Write(1);                     // PT_LOAD
        w.Write(5);                     // R+X
        w.Write(0UL);                   // offset
        w.Write(0xfffffffffffff000UL);  // vaddr
        w.Write(0xfffffffffffff000UL);  // paddr
        w.Write(8UL);                   // file size
        w.Write(0x2000UL);              // memory size: runs past the top
        w.Write(0x1000UL);              // align
        return s.ToArray();
    }

    public static TheoryData<int, string[]> Cases()
    {
        string source = File("prog.s", ".text\n_start: nop\n");
        string top = FileBytes("top.elf", ElfAtTheTop());
        string missing = Path.Combine(Dir, "no-such-file");
        var d = new TheoryData<int, string[]>
        {
            // From the issue.
            { 2, ["pagemap", "--range", "0-0xffffffffffffffff"] },
            { 2, ["pagemap", "--range", ""] },
            { 2, ["pagemap", "0xfffffffffffff000", "--pages", "3"] },
            { 2, ["pagemap", "--pages", "3"] },
            { 2, ["pagemap", "0x1000", "--top", "3"] },
            { 2, ["sim", "map-calls", "0x1000->0x2000", "--perm", "0x81"] },
            { 2, ["sim", "cpu", source] },
            { 2, ["sim", "disasm", source] },
            { 2, ["sim", "run", "--program", top] },
            { 2, ["sim", "cpu", top] },
            { 2, ["sim", "disasm", top] },
            { 2, ["sim", "cpu", "/dev/zero"] },
            { 2, ["sim", "disasm", "/dev/urandom"] },
            { 2, ["maze", "show", "--file", "/dev/zero"] },
            { 2, ["maze", "show", "--file", missing] },
            { 2, ["tour", "--only", "anon,bogus"] },
            // Directories, empty strings, missing files.
            { 2, ["sim", "cpu", Dir] },
            { 2, ["sim", "disasm", ""] },
            { 2, ["sim", "disasm", missing] },
            { 2, ["sim", "cpu", "--builtin", ""] },
            { 2, ["sim", "cpu", "--builtin", "../p-hello"] },
            { 2, ["maze", "boring", "--file", Dir] },
            { 2, ["maze", "walk", "--file", "", "1", "0"] },
            { 2, ["sim", "walk", "--va", ""] },
            { 2, ["sim", "map-calls", "0->0", "--perm", ""] },
            { 2, ["anon", "--bytes", ""] },
            { 2, ["mmap", "--file", ""] },
            { 2, ["friendly", "--messages", "", "--", "true"] },
            { 2, ["tour", "--only", ""] },
            { 2, ["sim", "check-mapping", "->"] },
            // Huge and out-of-range numbers.
            { 2, ["cow", "--pages", "99999999999999999999"] },
            { 2, ["pagemap", "--pid", "99999999999999999999"] },
            { 2, ["lazycopy", "--size", "99999999999999999999G"] },
            { 2, ["sim", "walk", "--va", "0x1ffffffffffffffff"] },
            { 2, ["sim", "pages", "--va", "0xfffffffffffff000", "--size", "0x2000"] },
            { 2, ["sim", "pages", "--aligned", "--size", "0"] },
            { 2, ["sim", "cpu", "--builtin", "hello", "--steps", "0"] },
            { 2, ["sim", "run", "forkexit", "--count", "10000000"] },
            { 2, ["sim", "run", "pipe", "--messages", "0"] },
            { 2, ["sim", "memory", "--limit", "0xffffffffffffffff"] },
            { 2, ["maze", "reach", "1", "--k", "65"] },
            { 2, ["maze", "walk", "1", new string('0', 5000)] },
            { 2, ["idempotent", "--seed", "-1"] },
            // Options that used to be ignored, and words that are not choices.
            { 2, ["sim", "disasm", "--builtin", "hello", "--source"] },
            { 2, ["sim", "cpu", "--builtin", "hello", top] },
            { 2, ["sim", "run", "--program", top, "hello"] },
            { 2, ["sim", "run", "--json", "fork"] },
            { 2, ["sim", "run", "hello", "--color"] },
            { 2, ["sim", "run", "pipe", "--kernel", ""] },
            { 2, ["completion", "fish"] },
            { 2, ["sim", "memory", "--demo", "nosuch"] },
            { 2, ["sim", "memory", "--limit", "0x1234"] },
            { 2, ["sim", "memory", "--color", "--no-color"] },
            { 2, ["web", "--port", "70000"] },
            { 2, ["web", "--port", "http"] },
            { 2, ["web", "--host", "not-an-address"] },
            { 2, ["sim"] },
        };
        // Every verb and group refuses an option it does not have, by name.
        foreach (var path in CommandLineTests.AllPaths(Program.Build(), []))
            d.Add(2, [.. path, "--zzz"]);
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_input_is_one_clear_line_and_the_documented_exit_code(int code, string[] args)
    {
        var r = RunBounded(args);
        string shown = string.Join(' ', args.Select(a => a.Length > 30 ? a[..30] + "…" : a));
        Assert.True(r.ExitCode == code, $"vmlab {shown}: exit {r.ExitCode}, expected {code}; stderr: {r.Err}");
        Assert.True(r.Err.TrimEnd('\n').Split('\n').Length == 1 && r.Err.Trim().Length > 0, $"vmlab {shown}: stderr is not one line: {r.Err}");
        Assert.DoesNotMatch(new Regex(@"\w+Exception|internal error|   at "), r.Err);
        Assert.StartsWith("vmlab", r.Err);
    }

    [Fact]
    public void A_maze_of_200000_rooms_is_answered_or_refused_in_bounded_time()
    {
        var rng = new Random(12);
        var text = new System.Text.StringBuilder();
        const int rooms = 200_000;
        for (int i = 0; i < rooms; i++)
            text.Append($"room r{i}: 0->r{rng.Next(rooms)} 1->{(i % 7 == 0 ? "pit" : $"r{rng.Next(rooms)}")}{(i % 5 == 0 ? " colour=blue" : "")}\n");
        string big = File("big.txt", text.ToString());
        foreach (string verb in new[] { "boring", "show", "reach-all", "unreachable" })
        {
            var r = RunBounded(["maze", verb, "--file", big, "--json"]);
            Assert.True(r.ExitCode is 0 or 1, $"maze {verb}: exit {r.ExitCode}: {r.Err}");
            Assert.Equal("", r.Err);
        }
        var refused = RunBounded(["maze", "boring", "--file", big, "--k", "40"]);
        System.IO.File.Delete(big);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("the limit is", refused.Err);
    }

    [Fact]
    public void A_pipe_run_that_runs_out_of_steps_says_so()
    {
        var r = RunBounded(["sim", "run", "pipe", "--messages", "1000", "--steps", "20000"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("ran out of its step budget", r.Out);
        Assert.DoesNotContain("lost", r.Out);
    }

    [Fact]
    public void Sim_pages_names_its_demonstration_limit()
    {
        var r = RunBounded(["sim", "pages", "--aligned", "--size", "1G"]);
        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain("{", r.Out);
        Assert.Matches(new Regex(@"more than \d+ pages"), r.Out);
    }

    [Theory]
    [InlineData("boring")]
    [InlineData("unreachable")]
    public void Maze_answers_that_cannot_fail_are_shown_as_answers(string verb)
    {
        var r = RunBounded(["maze", verb]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("answer: D", r.Out);
        Assert.DoesNotContain("CONFIRMED", r.Out);
    }

    /// <summary>Runs vmlab on its own thread: at most two minutes and 1 GiB allocated, whatever the input.</summary>
    private static CliRunner.Result RunBounded(string[] args)
    {
        CliRunner.Result? result = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            result = CliRunner.Run(args);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromMinutes(2)), $"vmlab {string.Join(' ', args.Take(4))} ran for more than 2 minutes");
        Assert.True(allocated < 1L << 30, $"vmlab {string.Join(' ', args.Take(4))} allocated {allocated >> 20} MiB");
        return result!;
    }
}
