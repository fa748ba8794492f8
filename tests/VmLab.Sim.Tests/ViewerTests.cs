using VmLab.Sim.Memory;
using VmLab.Sim.Paging;
using VmLab.Sim.Viewer;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Tests;

/// <summary>The memory viewer draws exactly what the allocator and the page tables record.</summary>
public class ViewerTests
{
    private const ulong Frame = 0x1000;

    /// <summary>128 frames: frame 0 reserved, frames 1-4 kernel, frame 5 pid 2, frame 70 the console.</summary>
    private static FrameAllocator Machine()
    {
        var frames = new FrameAllocator(new PhysicalMemory(128 * Frame));
        frames.Reserve(0, Frame, FrameOwner.Reserved);
        frames.Reserve(70 * Frame, Frame, FrameOwner.Console);
        for (int i = 0; i < 4; i++) frames.Allocate(FrameOwner.Kernel);
        Assert.Equal(5 * Frame, frames.Allocate(FrameOwner.Process, 2));
        return frames;
    }

    private static string NoAnsi(string s) => s.Contains('\e') ? throw new Xunit.Sdk.XunitException("ANSI escape in plain output") : s;

    [Fact]
    public void Each_frame_shows_its_owner_at_its_row_and_column()
    {
        var view = new MemoryViewer(Machine(), []).Physical();
        Assert.Equal(2, view.Rows.Count);                       // 128 frames, 64 a row
        Assert.Equal(0x40000UL, view.Rows[1].Address);
        Assert.Equal("RKKKK2" + new string('.', 58), view.Rows[0].Text);
        Assert.Equal('C', view.Rows[1].Text[70 - 64]);
        Assert.Equal(new MapCell('2', FrameOwner.Process, 2, ' '), view.CellAt(5 * Frame + 123));
        Assert.Equal(121UL, view.FreeFrames);
        Assert.Equal(1UL, view.Owners["reserved"]);
        Assert.Equal(4UL, view.Owners["kernel"]);
        Assert.Equal(1UL, view.Owners["console"]);
        Assert.Equal(1UL, view.Owners["pid_2"]);
    }

    [Fact]
    public void The_text_puts_the_physical_address_left_of_each_row_and_always_has_legend_and_counts()
    {
        string text = NoAnsi(new MemoryViewer(Machine(), []).RenderPhysical());
        Assert.Contains("0x000000  RKKKK2....", text);
        Assert.Contains("0x040000  ......C", text);
        Assert.Contains("legend: . free  R reserved  K kernel  C console  P page-table page  S shared", text);
        Assert.Contains("free=121 reserved=1 kernel=4 console=1 page_table=0 process=1 pid_2=1 shared=0", text);
    }

    [Fact]
    public void Page_table_pages_are_marked_P_and_counted_by_owner()
    {
        var frames = Machine();
        var pt = PageTable.Create(frames, 3);                   // frame 6
        pt.Iter(0x1000).Map(frames.Allocate(FrameOwner.Process, 3), PTE_P | PTE_W | PTE_U);   // page 7, tables 8-10
        var view = new MemoryViewer(frames, []).Physical();
        Assert.Equal("RKKKK2P3PPP", view.Rows[0].Text[..11]);
        Assert.Equal(4UL, view.PageTablesByPid[3]);
        Assert.Equal(4UL, view.Owners["page_table"]);
    }

    [Fact]
    public void A_frame_with_more_than_one_reference_is_marked_shared()
    {
        var frames = Machine();
        frames.AddReference(5 * Frame);
        var view = new MemoryViewer(frames, []).Physical();
        Assert.Equal('S', view.Rows[0].Text[5]);
        Assert.Equal(1UL, view.SharedFrames);
        frames.Free(5 * Frame);
        Assert.Equal('2', new MemoryViewer(frames, []).Physical().Rows[0].Text[5]);
    }

    [Fact]
    public void Virtual_pages_show_the_frame_they_map_blank_when_unmapped_and_their_access_class()
    {
        var frames = Machine();
        var pt = PageTable.Create(frames, 2);
        var it = pt.Iter();
        it.Find(0x1000).Map(1 * Frame, PTE_P | PTE_W);          // kernel frame, kernel-only writable
        it.Find(0x2000).Map(2 * Frame, PTE_P);                  // kernel-only read-only
        it.Find(0x3000).Map(5 * Frame, PTE_P | PTE_W | PTE_U);  // own frame, user writable
        it.Find(0x4000).Map(5 * Frame, PTE_P | PTE_U);          // same frame, user read-only
        it.Find(0x41000).Map(70 * Frame, PTE_P | PTE_W | PTE_U);
        var p = new ViewerProcess(2, "bob", pt);
        var view = new MemoryViewer(frames, [p]).Virtual(p);

        Assert.Equal(12, view.Rows.Count);                      // 0x300000 / 4 KiB / 64
        Assert.Equal(" KK22", view.Rows[0].Text[..5]);
        Assert.Equal(" KkUu", view.Rows[0].AccessText[..5]);
        Assert.Equal(new MapCell('C', FrameOwner.Console, 0, 'U'), view.CellAt(0x41000));
        Assert.Equal(MapCell.Unmapped, view.CellAt(0x5000).Glyph);
        Assert.Equal(MapCell.Unmapped, view.CellAt(0x2FF000).Glyph);
        Assert.Equal((5UL, 2UL, 1UL, 1UL, 1UL), (view.MappedPages, view.UserWritable, view.UserReadOnly, view.KernelWritable, view.KernelReadOnly));

        string text = NoAnsi(new MemoryViewer(frames, [p]).RenderVirtual(p));
        Assert.Contains("pid 2 (bob)", text);
        Assert.Contains("0x000000   KK22", text);
        Assert.Contains("U user read/write  u user read-only  K kernel-only read/write  k kernel-only read-only", text);
        Assert.Contains("(nothing mapped up to 0x300000)", text);
    }

    [Fact]
    public void Colour_is_optional_and_only_decorates()
    {
        var frames = Machine();
        var p = new ViewerProcess(2, "bob", PageTable.Create(frames, 2));
        p.PageTable.Iter(0x1000).Map(5 * Frame, PTE_P | PTE_U);
        string plain = new MemoryViewer(frames, [p]).Render();
        string colour = new MemoryViewer(frames, [p], options: new ViewerOptions { Color = true }).Render();
        Assert.DoesNotContain('\e', plain);
        Assert.Contains("\e[", colour);
        Assert.Contains("\e[0;1;33;7mP", colour);                 // pid 2's page-table pages: its colour, reversed
        string stripped = System.Text.RegularExpressions.Regex.Replace(colour, "\e\\[[0-9;]*m", "");
        Assert.Equal(plain.Replace("\n", "").Replace(" ", ""), stripped.Replace("\n", "").Replace(" ", ""));
    }

    [Fact]
    public void Large_memory_is_summarised_several_frames_per_cell()
    {
        var frames = new FrameAllocator(new PhysicalMemory(64UL << 20));   // 16384 frames
        frames.Reserve(0x2000000, Frame, FrameOwner.Kernel);               // one kernel frame in a group of 4
        var viewer = new MemoryViewer(frames, []);
        var view = viewer.Physical();
        Assert.Equal(4UL, view.FramesPerCell);
        Assert.Equal(64, view.Rows.Count);
        Assert.Equal('K', view.CellAt(0x2003000).Glyph);
        Assert.Equal(4095, view.Rows.Sum(r => r.Text.Count(c => c == '.')));
        string text = viewer.RenderPhysical();
        Assert.Contains("one cell per 4 frames (16 KiB)", text);
        Assert.Contains("grouped:", text);
        Assert.True(text.Length < 8000, $"{text.Length} characters");
        Assert.Equal(1UL << 16, new MemoryViewer(new FrameAllocator(new PhysicalMemory(1UL << 40)), []).Physical().FramesPerCell);   // 1 TiB
    }

    [Fact]
    public void A_wide_virtual_range_is_grouped_and_large_pages_are_seen_page_by_page()
    {
        var frames = Machine();
        var pt = PageTable.Create(frames, 1);
        pt.Iter(0x4000_0000).MapLarge(0, PTE_P | PTE_W | PTE_U, 2);        // 1 GiB page over all of memory and beyond
        var p = new ViewerProcess(1, "big", pt);
        var view = new MemoryViewer(frames, [p], options: new ViewerOptions { VirtualLimit = 0x8000_0000 }).Virtual(p);
        Assert.Equal(128UL, view.PagesPerCell);                             // 2^19 pages in 4096 cells
        Assert.Equal(MapCell.Unmapped, view.CellAt(0x1000).Glyph);
        Assert.Equal('K', view.CellAt(0x4000_0000).Glyph);                  // frames 0-127: R, K, 2, P and C beat the free ones
        Assert.Equal(MapCell.OutsideMemory, view.CellAt(0x4010_0000).Glyph);
        Assert.Equal(1UL << 18, view.MappedPages);
        Assert.Throws<ArgumentException>(() => new MemoryViewer(frames, [p], options: new ViewerOptions { VirtualLimit = 0x1234 }).Virtual(p));
    }

    [Theory]
    [InlineData(0, '0')]
    [InlineData(9, '9')]
    [InlineData(10, 'a')]
    [InlineData(35, 'z')]
    [InlineData(36, '@')]
    public void Pids_have_one_character_each(int pid, char glyph) => Assert.Equal(glyph, MapCell.PidGlyph(pid));

    [Theory]
    [InlineData("processes")]
    [InlineData("large")]
    public void The_demos_show_everything_they_promise(string name)
    {
        var demo = ViewerDemo.Create(name);
        Assert.All(demo.Observe(), o => Assert.True(o.Holds, o.Claim));
        string text = demo.Viewer(color: false).Render();
        Assert.DoesNotContain('\e', text);
        Assert.Contains("pid 1 (alice)", text);
        Assert.Contains("pid 2 (bob)", text);
    }
}
