using System.Buffers.Binary;
using Iced.Intel;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Sim.Machine;
using VmLab.Sim.Memory;
using static Iced.Intel.AssemblerRegisters;
using static VmLab.Sim.Paging.Pte;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Tests.Kernel;

/// <summary>
/// The checker runs after every kernel entry at the cost of what the entry changed: each class of corruption is
/// injected by the path that changes it (a tracked write, a write through FrameSpan, a user store into a table page
/// mapped for users, the frame allocator alone, a new process) and must be reported at the very entry that did it.
/// </summary>
public class MemoryCheckerTests
{
    private const ulong Va = 0x110000, Spare = 0x130000, KernelFrame = 0x40000;

    // page_alloc(Va), getpid, getpid, exit: the page_alloc seam is the corruption under test.
    private static SimKernel Run(Func<SimKernel, Process, ulong, ulong> pageAlloc, int processes = 1, Action<SimKernel>? watch = null)
    {
        var seams = KernelSeams.Reference with { PageAlloc = new PageAllocBy(pageAlloc) };
        var k = new SimKernel(new KernelOptions { CheckEvery = 1, Seams = seams, Quantum = 100_000 }) { RecordEvents = true };
        watch?.Invoke(k);
        var image = X86Program.Build(a =>
        {
            a.Syscall(SyscallAbi.GetPid);
            a.cmp(rax, 1);
            var skip = a.CreateLabel();
            a.jne(skip);
            a.Syscall(SyscallAbi.PageAlloc, Va);
            a.Label(ref skip);
            a.Syscall(SyscallAbi.GetPid);
            a.Syscall(SyscallAbi.Exit, 0);
        }, "data"u8);
        for (int i = 0; i < processes; i++) k.Spawn(image, "victim");
        k.Run(1_000_000);
        return k;
    }

    private sealed class PageAllocBy(Func<SimKernel, Process, ulong, ulong> f) : IPageAlloc
    {
        public ulong PageAlloc(SimKernel k, Process p, ulong va) => f(k, p, va);
    }

    private static ulong Reference(SimKernel k, Process p, ulong va) => ReferenceSyscalls.Instance.PageAlloc(k, p, va);

    // The error was reported by the check right after the page_alloc entry, not later.
    private static string FoundAtPageAlloc(SimKernel k, string prefix)
    {
        long at = k.Events.First(e => e.Syscall == "page_alloc").Step;
        var found = k.Events.Where(e => e.Kind == KernelEventKind.CheckerError).ToList();
        Assert.Contains(found, e => e.Text.StartsWith(prefix, StringComparison.Ordinal));
        var first = found.First(e => e.Text.StartsWith(prefix, StringComparison.Ordinal));
        Assert.Equal(at, first.Step);
        return first.Text;
    }

    private static void WriteThroughSpan(SimKernel k, ulong entryPa, ulong value) =>
        BinaryPrimitives.WriteUInt64LittleEndian(k.Memory.FrameSpan(entryPa)[(int)(entryPa & 0xFFF)..], value);

    [Fact]
    public void A_leaked_frame_is_reported_at_the_entry_that_leaked_it()
    {
        ulong leaked = 0;
        var k = Run((k, p, va) => { leaked = k.Frames.Allocate(FrameOwner.Process, p.Pid); return Reference(k, p, va); });
        Assert.Equal($"leaked frame: 0x{leaked:x} (process, pid 1) is reachable from no page table", FoundAtPageAlloc(k, "leaked frame"));
    }

    [Fact]
    public void A_reference_count_changed_alone_is_reported_at_that_entry()
    {
        var k = Run((k, p, va) => { k.Frames.AddReference(p.PageTable.Iter(X86Program.TextAddress).Pa); return 0; });
        Assert.Matches(@"^reference count of 0x[0-9a-f]+ is 2 but 1 mapping\(s\) use it$", FoundAtPageAlloc(k, "reference count of"));
    }

    [Fact]
    public void A_mapped_frame_freed_is_reported_at_that_entry()
    {
        var k = Run((k, p, va) => { k.Frames.Free(p.PageTable.Iter(X86Program.DataAddress).Pa); return 0; });
        Assert.StartsWith($"freed but mapped: pid 1 maps 0x{X86Program.DataAddress:x} to free frame", FoundAtPageAlloc(k, "freed but mapped"));
    }

    [Fact]
    public void A_page_table_entry_written_through_FrameSpan_alone_is_seen()
    {
        // No tracked write and no allocation: only the lent frame tells the checker its walk may be stale.
        var k = Run((k, p, va) => { WriteThroughSpan(k, p.PageTable.Iter(Spare).EntryAddress, KernelFrame | PTE_P | PTE_W | PTE_U); return 0; });
        Assert.Equal($"kernel frame mapped for users: pid 1 0x{Spare:x} -> 0x{KernelFrame:x} (kernel)", FoundAtPageAlloc(k, "kernel frame mapped for users"));
    }

    [Fact]
    public void A_page_table_page_reached_from_two_processes_is_reported()
    {
        var k = Run((k, p, va) =>
        {
            ulong otherPdpt = k.Memory.ReadU64(k.Find(2)!.PageTable.Root) & PTE_PAMASK;
            k.Memory.WriteU64(p.PageTable.Root + 8, otherPdpt | PTE_P | PTE_W);     // pml4[1] -> pid 2's PDPT
            return 0;
        }, processes: 2);
        Assert.Matches(@"^page-table page of another process: 0x[0-9a-f]+ in the table of pid 1 belongs to pid 2$",
            FoundAtPageAlloc(k, "page-table page of another process"));
    }

    [Fact]
    public void A_page_table_page_in_two_tables_and_a_freed_one_are_reported()
    {
        var k = Run((k, p, va) =>
        {
            ulong otherPdpt = k.Memory.ReadU64(k.Find(2)!.PageTable.Root) & PTE_PAMASK;
            k.Memory.WriteU64(p.PageTable.Root + 8, otherPdpt | PTE_P | PTE_W);
            return 0;
        }, processes: 2);
        var twice = k.Events.First(e => e.Kind == KernelEventKind.CheckerError
            && System.Text.RegularExpressions.Regex.IsMatch(e.Text, @"^page-table page of another process: 0x[0-9a-f]+ is in the tables of pid 1 and pid 2$"));
        Assert.Equal(k.Events.First(e => e.Syscall == "page_alloc").Step, twice.Step);
        k = Run((k, p, va) =>
        {
            var leaves = new List<ulong>();
            for (var it = p.PageTable.TablePages(); !it.Done; it.Next())
                if (it.Level == 0) leaves.Add(it.Pa);
            k.Frames.Free(leaves[^1]);
            return 0;
        });
        Assert.Matches(@"^freed but mapped: page-table page 0x[0-9a-f]+ of pid 1 is free$", FoundAtPageAlloc(k, "freed but mapped: page-table page"));
    }

    [Fact]
    public void A_page_table_page_with_a_second_reference_is_reported()
    {
        var k = Run((k, p, va) => { k.Frames.AddReference(p.PageTable.Root); return 0; });
        Assert.Matches(@"^page-table page shared: 0x[0-9a-f]+ in the table of pid 1 has reference count 2; a page-table page belongs to exactly one table$",
            FoundAtPageAlloc(k, "page-table page shared"));
    }

    [Fact]
    public void A_kernel_page_unmapped_in_a_process_and_a_console_not_user_are_reported()
    {
        var k = Run((k, p, va) => { p.PageTable.Iter(KernelFrame).Map(0, 0); return 0; });
        Assert.Equal($"kernel mapping missing: pid 1's page table does not map the kernel as kernel_pagetable does: va 0x{KernelFrame:x} maps nothing, the kernel maps 0x{KernelFrame:x} PTE_P|PTE_W",
            FoundAtPageAlloc(k, "kernel mapping missing"));
        k = Run((k, p, va) => { p.PageTable.Iter(KernelLayout.ConsoleAddr).Map(KernelLayout.ConsoleAddr, PTE_P | PTE_W); return 0; });
        Assert.Equal("kernel mapping missing: pid 1 maps the console 0xb8000 to 0xb8000 PTE_P|PTE_W; every process maps it to 0xb8000 PTE_P | PTE_W | PTE_U",
            FoundAtPageAlloc(k, "kernel mapping missing"));
    }

    [Fact]
    public void A_writable_frame_shared_by_a_seam_is_reported()
    {
        var k = Run((k, p, va) =>
        {
            ulong theirs = k.Find(2)!.PageTable.Iter(X86Program.DataAddress).Pa;
            k.Frames.AddReference(theirs);
            p.PageTable.Iter(Spare).Map(theirs, PTE_P | PTE_W | PTE_U | PTE_NX);
            return 0;
        }, processes: 2);
        Assert.Matches(@"^writable frame shared between processes: 0x[0-9a-f]+ \(va 0x[0-9a-f]+\) is mapped by pids 1, 2$",
            FoundAtPageAlloc(k, "writable frame shared"));
    }

    [Fact]
    public void A_pte_corrupted_through_the_student_api_between_entries_is_seen_at_the_next_entry()
    {
        long injected = -1;
        var k = Run(Reference, watch: k => k.Entered += kk =>
        {
            if (injected >= 0 || kk.Find(1) is not { } p || p.Syscalls != 1) return;
            p.PageTable.Iter(Spare).Map(KernelFrame, PTE_P | PTE_U);     // after the first getpid, before its check
            injected = kk.Instructions;
        });
        var found = k.Events.First(e => e.Kind == KernelEventKind.CheckerError);
        Assert.Equal($"kernel frame mapped for users: pid 1 0x{Spare:x} -> 0x{KernelFrame:x} (kernel)", found.Text);
        Assert.Equal(injected, found.Step);
    }

    [Fact]
    public void A_user_store_into_its_own_page_table_is_seen_at_the_next_getpid()
    {
        const ulong Window = 0x1f0000;
        var k = new SimKernel(new KernelOptions { CheckEvery = 1, Quantum = 100_000 }) { RecordEvents = true };
        k.Spawn(X86Program.Build(a =>
        {
            a.Syscall(SyscallAbi.GetPid);                      // the hook maps the process's own leaf table at Window
            a.mov(rax, KernelFrame | PTE_P | PTE_W | PTE_U);
            a.mov(rbx, Window + ((Spare >> 12) & 511) * 8);
            a.mov(__qword_ptr[rbx], rax);                      // a user store makes Spare map a kernel frame
            a.Syscall(SyscallAbi.GetPid);
            a.Syscall(SyscallAbi.Exit, 0);
        }), "self-mapper");
        k.Entered += kk =>
        {
            // A and D already set: the MMU writes nothing into the table, so only the store itself changes it.
            if (kk.Find(1) is { Syscalls: 1 } p && !p.PageTable.Iter(Window).Present)
                p.PageTable.Iter(Window).Map(p.PageTable.Iter(Spare).EntryAddress & ~0xFFFUL, PTE_P | PTE_W | PTE_U | PTE_NX | PTE_A | PTE_D);
        };
        k.Run(100_000);
        var errors = k.Events.Where(e => e.Kind == KernelEventKind.CheckerError).ToList();
        Assert.StartsWith($"kernel frame mapped for users: pid 1 0x{Window:x} -> ", errors[0].Text);
        var store = errors.Single(e => e.Text == $"kernel frame mapped for users: pid 1 0x{Spare:x} -> 0x{KernelFrame:x} (kernel)");
        var second = k.Events.Where(e => e.Syscall == "getpid").ElementAt(1);
        Assert.Equal(second.Step, store.Step);
    }

    [Fact]
    public void A_getpid_loop_walks_no_page_table_after_the_first_entries()
    {
        var k = new SimKernel(new KernelOptions { CheckEvery = 1 });
        var loop = X86Program.Build(a =>
        {
            var top = a.CreateLabel();
            a.mov(rbx, 1_000_000);
            a.Label(ref top);
            a.mov(rax, SyscallAbi.GetPid);
            a.syscall();
            a.mov(rax, SyscallAbi.Yield);
            a.syscall();
            a.dec(rbx);
            a.jne(top);
            a.Syscall(SyscallAbi.Exit, 0);
        });
        k.Spawn(loop, "a");
        k.Spawn(loop, "b");
        k.Run(50_000);
        var early = k.CheckerWork;
        k.Run(1_000_000);
        Assert.True(k.SyscallCount > 60_000, $"{k.SyscallCount} syscalls");
        Assert.Equal(early, k.CheckerWork);      // tens of thousands of entries checked, nothing walked or judged again
        Assert.Empty(k.CheckerErrors);
    }

    [Fact]
    public void After_every_entry_the_incremental_check_finds_what_a_full_walk_finds()
    {
        var rng = new Random(61);
        foreach (var fork in new IFork[] { CopyFork.Instance, CowFork.Instance })
        {
            int compared = 0, corrupted = 0;
            // A corrupted machine often panics soon (exit frees what a bad entry maps): boot another until enough was seen.
            for (int boot = 0; boot < 40 && (compared < 1000 || corrupted < 8); boot++)
            {
                var k = new SimKernel(new KernelOptions { CheckEvery = 1, Quantum = 500, Seams = KernelSeams.Reference with { Fork = fork } });
                k.Entered += kk =>
                {
                    if (kk.Panic is not null) return;
                    if (rng.Next(60) == 0 && Corrupt(kk, rng)) corrupted++;
                    Assert.Equal(MemoryChecker.Check(kk).Errors, kk.Check().Errors);     // kk.Check is what the entry's check sees
                    compared++;
                };
                Assert.True(k.Spawn("forkexit", 40) > 0 && k.Spawn("allocator") > 0 && k.Spawn("allocator") > 0 && k.Spawn("forker") > 0);
                for (long run = 0; run < 2_000_000 && k.Panic is null && compared < 1000 * (boot + 1) / 4 + 250; run += 20_000)
                    if (k.Run(20_000) == 0) break;
            }
            Assert.True(compared >= 1000 && corrupted >= 8, $"{compared} entries compared, {corrupted} corruptions");
        }
    }

    // One random corruption of a live process: a leaf entry rewritten (tracked or through FrameSpan), a reference
    // added, or a frame leaked. Entries stay inside physical memory, so the walks stay well-formed.
    private static bool Corrupt(SimKernel k, Random rng)
    {
        var live = k.Processes;
        if (live.Count == 0) return false;
        var p = live[rng.Next(live.Count)];
        switch (rng.Next(4))
        {
            case 0 or 1:
                var leaves = new List<ulong>();
                for (var it = p.PageTable.TablePages(); !it.Done; it.Next())
                    if (it.Level == 0) leaves.Add(it.Pa);
                ulong entry = leaves[rng.Next(leaves.Count)] + (ulong)rng.Next(512) * 8;
                ulong[] perms = [0, PTE_P | PTE_U, PTE_P | PTE_W | PTE_U, PTE_P | PTE_W | PTE_U | PTE_NX, PTE_P | PTE_W];
                ulong value = ((ulong)rng.Next((int)(KernelLayout.MemSizePhysical >> 12)) << 12) | perms[rng.Next(perms.Length)];
                if (rng.Next(2) == 0) k.Memory.WriteU64(entry, value);
                else WriteThroughSpan(k, entry, value);
                return true;
            case 2:
                var mine = k.Frames.Owned(FrameOwner.Process, p.Pid);
                if (mine.Count == 0) return false;
                k.Frames.AddReference(mine[rng.Next(mine.Count)]);
                return true;
            default:
                return k.Frames.FreeFrames > 8 && k.Frames.TryAllocate(FrameOwner.Process, p.Pid, out _);
        }
    }
}
