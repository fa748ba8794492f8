using System.Text;
using System.Text.RegularExpressions;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests.Elf;

/// <summary>The kernel's programs, compiled from native/user/p-*.c by the build and embedded as ELF.</summary>
public class ElfProgramsTests
{
    public static TheoryData<string> Programs => new(ElfPrograms.Names);

    [Fact]
    public void The_kernel_ships_the_seeds_programs_by_name()
    {
        Assert.Equal(["alice", "allocator", "bigdata", "eve", "forker", "forkexit", "hello", "hostile", "pipereader", "pipewriter", "spawner"],
            ElfPrograms.Names);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Each_program_loads_where_the_kernel_expects_it(string name)
    {
        var image = ElfPrograms.Image(name)!;
        var text = image.Segments.First();
        Assert.Equal(SegmentKind.Text, text.Kind);
        Assert.Equal(KernelLayout.ProcStartAddr, text.Address);
        Assert.Equal(image.Symbols["_start"], image.Entry);
        Assert.InRange(image.Entry, text.Address, text.End - 1);
        Assert.True(image.Symbols.ContainsKey("process_main"));
        Assert.All(image.Segments.Skip(1), s => Assert.True(s.Writable));
        Assert.True(image.Extent.End <= 0x110000, $"{name} ends at 0x{image.Extent.End:x}, inside the heap at 0x110000");
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Process_setup_maps_each_program_text_read_only_and_data_no_execute(string name)
    {
        var image = ElfPrograms.Image(name)!;
        var k = new VmLab.Sim.Kernel.Kernel();
        int pid = k.Spawn(image, name, 7);
        Assert.True(pid > 0);
        var p = k.Find(pid)!;
        Assert.Equal(image.Entry, p.Registers.Rip);
        foreach (var seg in image.Segments)
            foreach (var (va, bytes) in seg.Pages())
            {
                var it = p.PageTable.Iter(va);
                Assert.True(it.User, $"0x{va:x} not mapped for the user");
                Assert.Equal(seg.Writable, it.Writable);
                Assert.Equal(seg.Writable, (it.Perm & PTE_NX) != 0);
                Assert.True(bytes.Span.SequenceEqual(k.Memory.FrameSpan(it.Pa)[..bytes.Length]));
            }
    }

    [Fact]
    public void Bigdata_keeps_message_and_amazing_on_pages_of_their_own()
    {
        var image = ElfPrograms.Image("bigdata")!;
        ulong message = image.Symbols["message"], amazing = image.Symbols["amazing"];
        Assert.Equal(0UL, message % 4096);
        Assert.Equal(0UL, amazing % 4096);
        Assert.NotEqual(message, amazing);
        var data = image.Segments.Single(s => s.Address <= message && message < s.End);
        string at(ulong va) => Encoding.ASCII.GetString(data.Bytes, (int)(va - data.Address), 17);
        Assert.Equal("Boo! This big dat", at(message));
        Assert.Equal("CS 61 Is Amazing\n", at(amazing));
        // nothing else lives on message's page, so remapping it hides no other variable
        Assert.DoesNotContain(image.Symbols, kv => kv.Key != "message" && kv.Value / 4096 == message / 4096);
    }

    /// <summary>Runs the programs (name, spawn argument) as processes 1, 2, ... on a fresh kernel until all end.</summary>
    private static VmLab.Sim.Kernel.Kernel RunAll(params (string Name, ulong Arg)[] programs)
    {
        var k = new VmLab.Sim.Kernel.Kernel(new KernelOptions { CheckEvery = 1000 });
        foreach (var (name, arg) in programs) Assert.True(k.Spawn(name, arg) > 0, $"spawn {name}");
        k.Run(200_000_000);
        Assert.Null(k.Panic);
        Assert.Empty(k.Processes);
        Assert.Empty(k.CheckerErrors);
        return k;
    }

    [Theory]
    [InlineData("hello", 0, "Hello, world! I am pid 1\n")]
    [InlineData("bigdata", 0, "Boo! This big data is boring.\n")]
    [InlineData("alice", 3, "alice (pid 1): round 1\nalice (pid 1): round 2\nalice (pid 1): round 3\n")]
    [InlineData("eve", 0, "eve: page_alloc(1114112) succeeded? 1\n")]
    [InlineData("forker", 0, "child: set x = 2\nparent: x = 1\n")]
    [InlineData("forkexit", 5, "forkexit: 5 children forked and exited\n")]
    public void Each_program_prints_what_it_is_for_and_exits_zero(string name, ulong arg, string console)
    {
        var k = RunAll((name, arg));
        Assert.Equal(console, k.Console);
        Assert.Equal(0, k.History.Single(p => p.Pid == 1).ExitStatus);
        Assert.All(k.History.Where(p => p.Pid != 1), p => Assert.Equal(name == "forkexit" ? 7 : 0, p.ExitStatus));
    }

    [Fact]
    public void The_allocator_takes_heap_pages_until_the_kernel_says_no()
    {
        var k = RunAll(("allocator", 0));
        var m = Regex.Match(k.Console, @"^allocator pid 1: (\d+) pages, then page_alloc said no\n$");
        Assert.True(m.Success, k.Console);
        Assert.InRange(int.Parse(m.Groups[1].Value), 100, 512);
    }

    [Fact]
    public void The_spawner_starts_two_alices_that_run_side_by_side()
    {
        var k = RunAll(("spawner", 0));
        string[] lines = k.Console.TrimEnd('\n').Split('\n');
        Assert.Contains("spawner: spawn(\"alice\") = 2", lines);
        Assert.Contains("spawner: spawn(\"alice\") = 3", lines);
        for (int round = 1; round <= 5; round++)
        {
            Assert.Contains($"alice (pid 2): round {round}", lines);
            Assert.Contains($"alice (pid 3): round {round}", lines);
        }
        Assert.Equal(["alice", "alice", "spawner"], k.History.Select(p => p.Name).Order());
    }

    [Fact]
    public void The_pipe_pair_delivers_every_message_with_the_same_checksum()
    {
        var k = RunAll(("pipewriter", 30), ("pipereader", 30));
        var sent = Regex.Match(k.Console, @"pipewriter: 30 messages sent, checksum (\d+)\n");
        var got = Regex.Match(k.Console, @"pipereader: 30 messages received, checksum (\d+)\n");
        Assert.True(sent.Success && got.Success, k.Console);
        Assert.Equal(sent.Groups[1].Value, got.Groups[1].Value);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Each_program_ships_its_C_source(string name)
    {
        Assert.Contains("void process_main(void)", ElfPrograms.Source(name));
    }

    [Fact]
    public void An_unknown_name_is_null_not_an_error()
    {
        Assert.Null(ElfPrograms.Image("no-such-program"));
        Assert.Null(ElfPrograms.Bytes("../p-hello"));
        Assert.Null(ElfPrograms.Source("no-such-program"));
    }
}
