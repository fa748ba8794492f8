using VmLab.Linux;
using VmLab.Linux.LazyCopy;
using VmLab.Sim.Exercises;
using VmLab.Sim.Paging;

// 1. A lazy copy: no bytes move until the first write, and then the copy differs from its source.
using var chunks = new ChunkAllocator(LazyCopyStrategy.Segv, chunkBytes: 64 * 1024);
using var source = chunks.Allocate();
source.Span.Fill(42);
using var copy = chunks.CopyLazy(source);
bool sharedBefore = copy.IsShared;
copy.Span[0] = 7;
bool lazyOk = sharedBefore && copy.Span[0] == 7 && copy.Span[1] == 42 && source.Span[0] == 42;
Console.WriteLine($"lazy copy: shared before the write {sharedBefore}, copy[0] {copy.Span[0]}, source[0] {source.Span[0]}");

// 2. A page-map lookup: the page just written is in RAM.
using var pagemap = PageMap.OpenSelf();
var entry = pagemap.Read(copy.Address);
Console.WriteLine($"pagemap: 0x{copy.Address:x} present {entry.IsPresent}");

// 3. A simulated page walk: a user write to read-only code faults with error code 0x7.
var machine = DemoMachine.Create();
var walk = machine.Mmu.Trace(machine.Table.Root, DemoMachine.UserCode + 0x123, Access.Write, Privilege.User);
Console.WriteLine($"walk: {walk.Steps.Count} levels, {walk.Fault}");

bool ok = lazyOk && entry.IsPresent && walk.Steps.Count == 4 && walk.Fault.IsFault && (int)walk.Fault.ErrorCode == 7;
Console.WriteLine(ok ? "package smoke test: ok" : "package smoke test: FAILED");
return ok ? 0 : 1;
