using VmLab.Sim.Memory;

namespace VmLab.Sim.Tests;

public class MemoryTests
{
    [Fact]
    public void Large_memory_costs_nothing_until_a_frame_is_written()
    {
        var m = new PhysicalMemory(64UL << 30);
        Assert.Equal(0, m.TouchedFrames);
        Assert.Equal(0UL, m.ReadU64(0xF_0000_0000));
        Assert.Equal(0, m.TouchedFrames);
        m.WriteU64(0xF_0000_0008, 0x1122334455667788);
        Assert.Equal(1, m.TouchedFrames);
        Assert.Equal(0x1122334455667788UL, m.ReadU64(0xF_0000_0008));
        Assert.Equal(0x88, m.ReadByte(0xF_0000_0008));   // little-endian, as x86
    }

    [Fact]
    public void An_eight_byte_access_may_straddle_two_frames()
    {
        var m = new PhysicalMemory();
        m.WriteU64(0x1FFC, 0xAABBCCDD_11223344);
        Assert.Equal(0xAABBCCDD_11223344UL, m.ReadU64(0x1FFC));
        Assert.Equal(0x44, m.ReadByte(0x1FFC));
        Assert.Equal(0xDD, m.ReadByte(0x2000));
    }

    [Fact]
    public void Access_beyond_the_end_is_refused_with_the_address()
    {
        var m = new PhysicalMemory();
        var e = Assert.Throws<PhysicalAddressException>(() => m.ReadU64(0x200000));
        Assert.Contains("0x200000", e.Message);
    }

    [Fact]
    public void Double_free_is_a_kernel_panic_naming_the_frame()
    {
        var frames = new FrameAllocator(new PhysicalMemory());
        ulong pa = 0;
        for (int i = 0; i < 6; i++) pa = frames.Allocate(FrameOwner.Process, 1);
        Assert.Equal(0x5000UL, pa);
        frames.Free(0x5000);
        var e = Assert.Throws<InvalidOperationException>(() => frames.Free(0x5000));
        Assert.Equal("kfree: double free of 0x5000", e.Message);
    }

    [Fact]
    public void Allocator_tracks_owners_zeroes_frames_and_reports_leaks()
    {
        var memory = new PhysicalMemory();
        var frames = new FrameAllocator(memory);
        frames.Reserve(0, 0x1000, FrameOwner.Reserved);
        frames.Reserve(0xB8000, 0x1000, FrameOwner.Console);
        ulong a = frames.Allocate(FrameOwner.Process, 7), t = frames.Allocate(FrameOwner.PageTable, 7);
        Assert.NotEqual(0UL, a);
        Assert.Equal(new FrameInfo(FrameOwner.Process, 7, 1), frames.Info(a));
        Assert.Equal(FrameOwner.Console, frames.Info(0xB8000).Owner);
        memory.WriteByte(a, 0xCC);
        frames.Free(a);
        Assert.Equal(FrameOwner.Free, frames.Info(a).Owner);
        Assert.Equal(a, frames.Allocate(FrameOwner.Process, 8));   // freed frames come back first
        Assert.Equal(0, memory.ReadByte(a));                       // and zeroed
        var leaks = frames.Leaks([a]);
        Assert.Equal(t, Assert.Single(leaks).Pa);
        Assert.Throws<InvalidOperationException>(() => frames.Free(0xB8000));
        Assert.Equal([a], frames.Owned(FrameOwner.Process, 8));
    }

    [Fact]
    public void Shared_frames_are_freed_by_their_last_reference()
    {
        var frames = new FrameAllocator(new PhysicalMemory());
        ulong a = frames.Allocate(FrameOwner.Process, 1);
        Assert.Equal(2, frames.AddReference(a));
        frames.Free(a);
        Assert.Equal(FrameOwner.Process, frames.Info(a).Owner);
        frames.Free(a);
        Assert.Equal(FrameOwner.Free, frames.Info(a).Owner);
    }

    [Fact]
    public void Exhaustion_is_reported_not_hidden()
    {
        var frames = new FrameAllocator(new PhysicalMemory(0x4000));
        for (int i = 0; i < 4; i++) frames.Allocate(FrameOwner.Kernel);
        Assert.False(frames.TryAllocate(FrameOwner.Kernel, 0, out _));
        Assert.Throws<InvalidOperationException>(() => frames.Allocate(FrameOwner.Kernel));
    }

    [Fact]
    public void A_zeroed_frames_host_array_goes_to_the_next_frame_touched_and_holds_none_of_its_old_bytes()
    {
        var m = new PhysicalMemory();
        m.FillFrame(0x5000, 0xAB);
        byte[] first = m.FrameArray(0x5000);
        m.ZeroFrame(0x5000);
        Assert.False(m.IsTouched(0x5000));
        m.WriteByte(0x9001, 7);
        // the pinned array is reused (a fork/exit loop no longer allocates one per page), cleared
        Assert.Same(first, m.FrameArray(0x9000));
        var bytes = new byte[PhysicalMemory.FrameSize];
        m.Read(0x9000, bytes);
        Assert.Equal(7, bytes[1]);
        bytes[1] = 0;
        Assert.All(bytes, b => Assert.Equal(0, b));
        Assert.Equal(0, m.ReadByte(0x5000));
        Assert.Equal(1, m.TouchedFrames);
    }
}
