using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Machine;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Tests.Kernel;

/// <summary>A syscall event's line is written when first read (a syscall-heavy run records far more than anyone
/// reads): it must read as it always did, the caller's end ("= -") included, and survive a checkpoint.</summary>
public class SyscallEventTextTests
{
    [Fact]
    public void Syscall_events_read_as_the_trace_writes_them()
    {
        var k = new SimKernel(new KernelOptions { CheckEvery = 1 }) { RecordEvents = true, TraceEnabled = true };
        k.Spawn(X86Program.Build(a =>
        {
            a.Syscall(SyscallAbi.GetPid, 0x1234);
            a.Syscall(SyscallAbi.PageAlloc, 0x110000);
            a.Syscall(SyscallAbi.Exit, 7);
        }), "texts");
        k.Run(1000);
        var calls = k.Events.Where(e => e.Kind == KernelEventKind.Syscall).Select(e => e.Text).ToList();
        Assert.Equal(["pid 1 getpid(0x1234, 0x0) = 1", "pid 1 page_alloc(0x110000, 0x0) = 0", "pid 1 exit(0x7, 0x0) = -"], calls);
        Assert.Contains(k.TraceLog, l => l.EndsWith("] pid 1 page_alloc(0x110000, 0x0) = 0", StringComparison.Ordinal));
        var unpacked = EventPacking.Unpack(EventPacking.Pack(k.Events)).Where(e => e.Kind == KernelEventKind.Syscall).Select(e => (e.Text, e.Syscall));
        Assert.Equal([("pid 1 getpid(0x1234, 0x0) = 1", "getpid"), ("pid 1 page_alloc(0x110000, 0x0) = 0", "page_alloc"), ("pid 1 exit(0x7, 0x0) = -", "exit")], unpacked);
    }
}
