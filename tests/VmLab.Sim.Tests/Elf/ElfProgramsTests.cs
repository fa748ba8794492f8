using System.Text;
using VmLab.Sim.Asm;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests.Elf;

/// <summary>The kernel's programs, compiled from native/user/p-*.c by the build and embedded as ELF.</summary>
public class ElfProgramsTests
{
    public static TheoryData<string> Programs => new(UserPrograms.Names);

    [Fact]
    public void Every_kernel_program_has_a_C_version()
    {
        Assert.Equal(UserPrograms.Names.Order(), ElfPrograms.Names);
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

    [Fact]
    public void The_programs_say_what_their_assembly_versions_say()
    {
        string Text(string name) => Encoding.Latin1.GetString(ElfPrograms.Image(name)!.Segments[0].Bytes);
        Assert.Contains("Hello, world! I am pid %d\n", Text("hello"));
        Assert.Contains("allocator pid %d: %lu pages, then page_alloc said no\n", Text("allocator"));
        Assert.Contains("pipewriter: %lu messages sent, checksum %lu\n", Text("pipewriter"));
        Assert.Contains("pipereader: %lu messages received, checksum %lu\n", Text("pipereader"));
        Assert.Contains("alice (pid %d): round %lu\n", Text("alice"));
        Assert.Contains("eve: page_alloc(%lu) succeeded? %lu\n", Text("eve"));
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
