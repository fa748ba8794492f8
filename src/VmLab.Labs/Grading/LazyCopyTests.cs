using VmLab.Linux;
using VmLab.Linux.Seams;
using static VmLab.Labs.Grading.TestContext;

namespace VmLab.Labs.Grading;

/// <summary>
/// Graded tests of seed 001 B: the student's copy_lazy against a model of plain byte arrays (what eager copying
/// gives), whether copies share the source's memory until a write, and the seed's two timing claims.
/// Writes go through raw pointers from C#, as a program's would: the first write to a shared chunk faults and
/// must be split by the fault handler.
/// </summary>
internal static class LazyCopyTests
{
    private const int Size = LazyCopySeam.ChunkSize, Ops = 400, MaxChunks = 32, Seed = 0x001b;

    public static IReadOnlyList<GradedTest> All { get; } =
    [
        new("lazy_copy_stress", "lazy_copy", 10, $"{Ops} seeded random allocations, lazy copies and writes (anywhere in a chunk, to sources and copies, before and after splits) on up to {MaxChunks} chunks; after each one every chunk reads exactly like the eager model", Stress),
        new("lazy_copy_is_lazy", "lazy_copy", 6, "right after copy_lazy, and after reading it whole, every page of the copy is the source's own memory (same object and offset in /proc/self/maps): nothing was copied before a write", IsLazy),
        new("lazy_copy_faster", "lazy_copy", 2, "the seed's claim \"lazy copying is much faster than eager copying\", measured in interleaved pairs against fresh memory + memcpy; passes when confirmed, or when explained by this machine's costs for a copy that is lazy", t => LazyCopyTiming.Claim(t, firstWrite: false)),
        new("lazy_copy_first_write", "lazy_copy", 2, "the seed's claim \"writing to a lazy copy is slower than writing to an eager copy\" (the first write pays for the split), measured the same way", t => LazyCopyTiming.Claim(t, firstWrite: true)),
    ];

    /// <summary>One chunk of the stress test and what it should hold.</summary>
    private sealed class Slot(int id, nint address, byte[] model)
    {
        public int Id { get; } = id;
        public nint Address { get; } = address;
        public byte[] Model { get; } = model;
        public Slot? Partner { get; set; }      // the other side of its lazy copy
        public bool IsCopy { get; set; }
        public string Role => Partner is null ? $"chunk {Id}" : IsCopy ? $"the copy (chunk {Id})" : $"the source (chunk {Id})";
    }

    private static void Stress(TestContext t)
    {
        var impl = t.LazyCopy!;
        var r = new Random(Seed);
        var slots = new List<Slot>();
        for (int op = 0; op < Ops; op++)
        {
            int dice = r.Next(100);
            var eligible = slots.Where(s => s.Partner is null).ToList();
            if (slots.Count < 3 || (dice < 12 && slots.Count < MaxChunks))
            {
                var s = new Slot(slots.Count, Checked(impl.Allocate(), "Allocate", slots), new byte[Size]);
                slots.Add(s);
                Compare(slots, $"allocating chunk {s.Id}", s, null, -1, 0);
            }
            else if (dice < 32 && eligible.Count > 0 && slots.Count < MaxChunks)
            {
                var src = eligible[r.Next(eligible.Count)];
                Step($"running copy_lazy(chunk {src.Id})", "copy_lazy itself crashed");
                var copy = new Slot(slots.Count, Checked(impl.CopyLazy(src.Address), "copy_lazy", slots), (byte[])src.Model.Clone())
                    { Partner = src, IsCopy = true };
                src.Partner = copy;
                slots.Add(copy);
                Compare(slots, $"copy_lazy(chunk {src.Id})", copy, src, -1, 0);
            }
            else
            {
                // Mostly chunks in a lazy copy, so that splits and writes after splits both happen often.
                var shared = slots.Where(s => s.Partner is not null).ToList();
                var s = shared.Count > 0 && r.Next(4) > 0 ? shared[r.Next(shared.Count)] : slots[r.Next(slots.Count)];
                int at = r.Next(Size), len = r.Next(4) switch { 0 => 1, 1 => 8, 2 => 1 + r.Next(256), _ => 1 + r.Next(PageSize.Value * 2) };
                len = Math.Min(len, Size - at);
                var bytes = new byte[len];
                r.NextBytes(bytes);
                string doing = $"writing {len} byte(s) to {s.Role} at offset 0x{at:x}";
                Step(doing, "a write to a lazily copied chunk faulted and nothing split it (a write fault must reach a fault region with a policy that splits, and the region must stay registered)");
                bytes.CopyTo(Memory(s.Address).Slice(at, len));
                bytes.CopyTo(s.Model.AsSpan(at, len));
                Compare(slots, doing, s, s.Partner, at, len);
            }
        }
        Require(slots.Any(s => s.Partner is not null), "the test made no lazy copy (a bug in the grader)");
    }

    /// <summary>Every chunk against its model; the first difference is said in terms of what was just done.</summary>
    private static void Compare(List<Slot> slots, string doing, Slot touched, Slot? partner, int at, int len)
    {
        Step($"reading every chunk after {doing}", "reading a chunk faulted: chunks must stay readable (PROT_READ) while they share memory");
        foreach (var s in slots)
        {
            var mem = Memory(s.Address);
            int d = mem.CommonPrefixLength(s.Model);
            if (d == Size)
                continue;
            string got = $"reads 0x{mem[d]:x2} at offset 0x{d:x} (page {d / PageSize.Value}) where it should read 0x{s.Model[d]:x2}";
            if (at < 0 && s == touched && partner is not null)
                throw new GradeFailure($"right after {doing}, the copy (chunk {s.Id}) {got}: a lazy copy must read exactly like its source");
            if (at < 0 && s == touched)
                throw new GradeFailure($"a fresh chunk from Allocate {got}: chunks start zero-filled");
            if (at < 0 && s == partner)
                throw new GradeFailure($"{doing} changed the source (chunk {s.Id}): it {got}");
            if (s == partner)
                throw new GradeFailure($"after {doing}, {s.Role} changed: it {got}. copy_lazy shares a writable page (both chunks must stay read-only until a write splits them, and the split must give the written chunk memory of its own)");
            if (s == touched && d >= at && d < at + len)
                throw new GradeFailure($"after {doing}, {s.Role} {got}: the write did not land where it was made");
            if (s == touched)
                throw new GradeFailure($"after {doing}, {s.Role} {got}: the split lost the chunk's bytes (copy them into the new memory before the write goes on)");
            throw new GradeFailure($"after {doing}, chunk {s.Id} changed though it was never copied from or to that chunk: it {got}");
        }
    }

    /// <summary>A returned address must be a page-aligned chunk that overlaps none handed out before.</summary>
    private static nint Checked(nint address, string call, List<Slot> slots)
    {
        Require(address != 0 && PageSize.IsAligned((ulong)address), $"{call} returned 0x{address:x}: want the page-aligned address of a chunk");
        var overlap = slots.FirstOrDefault(s => Math.Abs((long)s.Address - address) < Size);
        Require(overlap is null, $"{call} returned 0x{address:x}, which overlaps chunk {overlap?.Id} at 0x{overlap?.Address:x}: every chunk needs its own {Size / 1024} KiB");
        return address;
    }

    internal static unsafe Span<byte> Memory(nint address) => new((void*)address, Size);

    private static void IsLazy(TestContext t)
    {
        var impl = t.LazyCopy!;
        nint src = Checked(impl.Allocate(), "Allocate", []);
        var pattern = new byte[Size];
        new Random(Seed).NextBytes(pattern);
        Step("filling a chunk", "writing a fresh chunk from Allocate crashed: it must be readable and writable");
        pattern.CopyTo(Memory(src));
        Step("running copy_lazy on a filled chunk", "copy_lazy itself crashed");
        nint copy = impl.CopyLazy(src);
        Require(copy != src, "copy_lazy returned the source itself: a copy is a second chunk");
        RequireShared(src, copy, "right after copy_lazy");
        Step("reading the whole lazy copy", "reading a lazy copy faulted: both chunks must stay readable (PROT_READ) while they share memory");
        Require(Memory(copy).SequenceEqual(pattern), "the lazy copy does not read like its source");
        RequireShared(src, copy, "after reading the whole copy");
    }

    /// <summary>Every page of copy maps the same page of the same memory object as the page of src at the same
    /// offset: what /proc/self/maps says, no page frame numbers needed (they read as 0 without CAP_SYS_ADMIN).</summary>
    internal static void RequireShared(nint src, nint copy, string when)
    {
        if (SharingFailure(src, copy) is { } why)
            throw new GradeFailure($"{when}, {why}: copy_lazy copied the chunk; a lazy copy maps the source's memory a second time (Mapping.Duplicate) and copies nothing until a write");
    }

    /// <summary>Why copy does not share src's memory page for page, or null when it does.</summary>
    internal static string? SharingFailure(nint src, nint copy)
    {
        var maps = ProcMaps.ReadSelf();
        for (int off = 0; off < Size; off += PageSize.Value)
        {
            var a = ProcMaps.Find(maps, (ulong)(src + off));
            var b = ProcMaps.Find(maps, (ulong)(copy + off));
            if (b is null)
                return $"page {off / PageSize.Value} of the copy at 0x{copy + off:x} is not mapped";
            if (b.Inode == 0)
                return $"page {off / PageSize.Value} of the copy is private memory of its own ({b.Perms}), not the source's";
            if (a is null || a.Inode != b.Inode || a.Device != b.Device
                || a.Offset + ((ulong)(src + off) - a.Start) != b.Offset + ((ulong)(copy + off) - b.Start))
                return $"page {off / PageSize.Value} of the copy is other memory than the source's ({b.Name} inode {b.Inode}, the source's {a?.Name} inode {a?.Inode})";
        }
        return null;
    }
}
