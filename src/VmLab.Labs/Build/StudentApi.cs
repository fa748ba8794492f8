using System.Reflection;
using VmLab.Linux;
using VmLab.Sim.Kernel;

namespace VmLab.Labs.Build;

/// <summary>
/// What graded code may name, as a BannedSymbols.txt for Microsoft.CodeAnalysis.BannedApiAnalyzers: everything
/// public in VmLab.Sim and VmLab.Linux that is not the student API below is banned (a reference implementation
/// with the exercise it would solve), and so are the .NET APIs that reach around the sandbox: reflection,
/// interop, files, processes, threads. Each line's message is what the build error says.
/// </summary>
internal static class StudentApi
{
    // Types a seam may use whole: the kernel's memory, page tables and their iterators, constants, and the seams'
    // interfaces (the catalog's, so a new exercise is registered in one place).
    private static readonly string[] WholeTypes =
    [
        .. Catalog.Exercises.Where(e => e.Seam is not null).Select(e => e.Seam!.FullName!),
        "VmLab.Sim.Kernel.KernelLayout", "VmLab.Sim.Kernel.PipeRing", "VmLab.Sim.Kernel.ProcessState", "VmLab.Sim.Kernel.NotImplementedYetException",
        "VmLab.Sim.Memory.FrameAllocator", "VmLab.Sim.Memory.FrameInfo", "VmLab.Sim.Memory.FrameOwner", "VmLab.Sim.Memory.PhysicalMemory",
        "VmLab.Sim.Memory.PhysicalAddressException",
        "VmLab.Sim.Paging.PageTable", "VmLab.Sim.Paging.VmIter", "VmLab.Sim.Paging.PtIter", "VmLab.Sim.Paging.Pte",
        "VmLab.Sim.Paging.VirtualAddress", "VmLab.Sim.Paging.Tlb", "VmLab.Sim.Paging.TlbEntryView", "VmLab.Sim.Paging.TableEntryLine",
        "VmLab.Sim.Paging.Access", "VmLab.Sim.Paging.Privilege",
        "VmLab.Linux.Prot", "VmLab.Linux.MapFlags", "VmLab.Linux.Advice", "VmLab.Linux.PageSize",
        "VmLab.Linux.Faults.FaultPolicy", "VmLab.Linux.Faults.FaultRegion", "VmLab.Linux.LinuxException", "VmLab.Linux.Errno",
    ];

    // Types of which a seam may use some members: what a WeensyOS kernel function may call, and no more.
    private static readonly Dictionary<string, string[]> SomeMembers = new()
    {
        ["VmLab.Sim.Kernel.Kernel"] =
        [
            "Frames", "Memory", "Tlb", "Pipe", "KernelPageTable", "FreeFramesAtBoot", "NewPageTable", "MapFresh", "Abandon",
            "UserReadable", "UserWritable", "TryCopyFromUser", "TryCopyToUser", "StartProgram", "Block", "WakeAll", "Yield",
            "Find", "Processes", "MappingsChanged", "Fail", "MappingPerm", "PTE_COW", "PipeSize",
        ],
        ["VmLab.Sim.Kernel.Process"] = ["Pid", "Name", "Parent", "State", "Alive", "PageTable", "ExitStatus", "KillReason", "Instructions", "Syscalls", "ToString"],
        ["VmLab.Linux.Mapping"] = ["Anonymous", "Duplicate", "Address", "Length", "Pages", "Span", "PageSpan", "PageAddress", "Protect", "Advise", "Sync", "IsDisposed", "ToString"],
        ["VmLab.Linux.Faults.FaultHandler"] = ["Register(VmLab.Linux.Mapping,", "IsAvailable", "RegionCount", "RetiredCount", "Chained"],
        ["VmLab.Linux.Seams.LazyCopySeam"] = ["ChunkSize"],
    };

    private const string Sandbox = "graded code runs inside the grader's test process";

    // The .NET APIs that would let graded code reach past the kernel API: the grader, the verdict, the machine.
    private static readonly (string Id, string Why)[] Platform =
    [
        ("N:System.Reflection", "reflection could rewrite the graded tests"),
        ("T:System.Type", "reflection could rewrite the graded tests"),
        ("M:System.Object.GetType", "reflection could rewrite the graded tests"),
        ("M:System.Delegate.DynamicInvoke(System.Object[])", "calling a delegate with arguments found at run time is reflection"),
        ("P:System.Delegate.Method", "reflection could rewrite the graded tests"),
        ("P:System.Exception.TargetSite", "reflection could rewrite the graded tests"),
        ("N:System.Text.Json", "serialization creates objects of any type it is given"),
        ("T:System.Runtime.CompilerServices.CompilerGeneratedAttribute", "the grader tells the compiler's own code by this mark"),
        ("T:System.Activator", "creating objects by type name is reflection"),
        ("T:System.AppDomain", "loading or inspecting assemblies"),
        ("T:System.AppContext", "runtime switches and data"),
        ("N:System.Runtime.Loader", "loading assemblies (AssemblyLoadContext)"),
        ("N:System.Runtime.InteropServices", "interop (DllImport, LibraryImport, Marshal, NativeLibrary, NativeMemory, GCHandle, MemoryMarshal)"),
        ("T:System.Runtime.CompilerServices.Unsafe", "System.Runtime.CompilerServices.Unsafe reads and writes any memory"),
        ("T:System.Runtime.CompilerServices.UnsafeAccessorAttribute", "UnsafeAccessor reaches private members"),
        ("T:System.Runtime.CompilerServices.UnsafeAccessorTypeAttribute", "UnsafeAccessor reaches private members"),
        ("T:System.Runtime.CompilerServices.IgnoresAccessChecksToAttribute", "IgnoresAccessChecksTo reaches internal members"),
        ("T:System.Runtime.CompilerServices.RuntimeHelpers", "RuntimeHelpers creates objects without constructors and prepares methods"),
        ("T:System.Runtime.CompilerServices.ModuleInitializerAttribute", "a module initializer runs before the test does"),
        ("T:System.Runtime.CompilerServices.MethodImplAttribute", "MethodImpl can declare runtime-internal calls"),
        ("N:System.Runtime.Serialization", "serialization creates objects without constructors"),
        ("N:System.Linq.Expressions", "compiling expression trees is run-time code generation"),
        ("N:System.ComponentModel", "TypeDescriptor reads and writes properties by name"),
        ("N:System.Resources", "resources load data by name"),
        ("N:System.Diagnostics", "processes, debuggers and stack inspection"),
        ("N:System.IO", "files and streams"),
        ("N:System.Xml", "XML documents load files and URLs by name (XDocument.Load)"),
        ("N:System.Data", "data sets read and write files by name"),
        ("N:System.Security.Cryptography.X509Certificates", "certificates load files and stores by name"),
        ("N:System.Net", "the network"),
        ("N:Microsoft.Win32", "handles and the registry"),
        ("T:System.Console", "the console is the grader's, not the kernel's"),
        ("T:System.Environment", "Environment.Exit, FailFast and environment variables"),
        ("N:System.Threading", "threads, the thread pool, timers and tasks outlive the call being graded"),
        // Other ways onto the thread pool, outside System.Threading: each runs code on a thread of its own
        ("T:System.Linq.ParallelEnumerable", "PLINQ runs code on the thread pool, outside the call being graded"),
        ("T:System.Linq.ParallelQuery", "PLINQ runs code on the thread pool, outside the call being graded"),
        ("T:System.Linq.ParallelQuery`1", "PLINQ runs code on the thread pool, outside the call being graded"),
        ("T:System.Progress`1", "Progress<T> runs its callback on the thread pool, outside the call being graded"),
        ("T:System.Runtime.CompilerServices.YieldAwaitable", "Task.Yield's awaitable runs code on the thread pool, outside the call being graded"),
        ("T:System.Runtime.CompilerServices.YieldAwaitable.YieldAwaiter", "Task.Yield's awaitable runs code on the thread pool, outside the call being graded"),
        ("N:System.Timers", "timers outlive the call being graded"),
        ("T:System.GC", "the garbage collector is the grader's"),
        ("N:System.Runtime.Intrinsics", "hardware intrinsics"),
        ("T:System.Runtime.GCSettings", "the garbage collector is the grader's"),
        ("T:System.Runtime.ControlledExecution", "aborting threads"),
    ];

    private static readonly System.Reflection.Assembly[] Ours = [typeof(Kernel).Assembly, typeof(Mapping).Assembly];

    /// <summary>The ban file's text for graded code.</summary>
    public static string BannedSymbols()
    {
        var lines = new List<string> { "// Written by vmlab's grader: what graded code may not name, and why." };
        lines.AddRange(Platform.Select(b => $"{b.Id};{b.Why}: {Sandbox}, so it may not use this"));
        var whole = WholeTypes.Concat(Reached()).ToHashSet();
        foreach (var assembly in Ours)
            foreach (var t in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
                lines.AddRange(Bans(t, whole));
        return string.Join("\n", lines) + "\n";
    }

    // What an allowed member hands out may be used too (k.Pipe's type, k.Frames' type), whatever its name.
    private static IEnumerable<string> Reached() =>
        from t in Ours.SelectMany(a => a.GetExportedTypes())
        where SomeMembers.ContainsKey(t.FullName!)
        from m in t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
        where SomeMembers[t.FullName!].Any(a => m.Name == a.Split('(')[0])
        let type = m switch { PropertyInfo p => p.PropertyType, MethodInfo mi => mi.ReturnType, FieldInfo f => f.FieldType, _ => null }
        let bare = type is null ? null : Nullable.GetUnderlyingType(type) ?? type
        where bare is not null && Ours.Contains(bare.Assembly) && !bare.IsGenericType && !SomeMembers.ContainsKey(bare.FullName!)
        select bare.FullName!.Replace('+', '.');

    private static IEnumerable<string> Bans(Type t, HashSet<string> whole)
    {
        string name = t.FullName!.Replace('+', '.');
        if (t.IsNested || whole.Contains(name)) yield break;        // a banned outer type bans its nested ones
        if (!SomeMembers.TryGetValue(name, out var allowed))
        {
            yield return $"{DocId.Of(t)};{Why(t)}";
            yield break;
        }
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var m in t.GetMembers(Declared))
        {
            if (m is MethodInfo { IsSpecialName: true } || DocId.Of(m) is not { } id) continue;    // accessors: their property decides
            string member = id[(id.IndexOf(name, StringComparison.Ordinal) + name.Length + 1)..];
            if (allowed.Any(a => member == a || member.StartsWith(a + "(", StringComparison.Ordinal) || (a.EndsWith(',') && member.StartsWith(a, StringComparison.Ordinal))))
                continue;
            yield return $"{id};{Why(m)}";
        }
    }

    private static string Why(MemberInfo m)
    {
        if (m is Type t && Catalog.Exercises.Where(e => e.Seam is not null && e.Seam.IsAssignableFrom(t)).Select(e => e.Name).ToList() is { Count: > 0 } solves)
            return $"{t.Name} is a finished implementation: naming it would solve {Exercises(solves)} for you";
        if (m is Type { Name: "KernelSeams" } || m.Name == "Seams")
            return "the kernel's own seams are the reference answers: naming them would solve every kernel exercise for you";
        if (m.DeclaringType?.Name == "LazyCopySeam" || m is Type { Namespace: "VmLab.Linux.LazyCopy" })
            return $"{m.Name} is VmLab's own lazy copy: naming it would solve {Exercises(["lazy_copy"])} for you";
        return $"{(m is Type ? m.Name : $"{m.DeclaringType!.Name}.{m.Name}")} is not part of the kernel API graded code may use (README.md lists it)";
    }

    private static string Exercises(IReadOnlyList<string> names) =>
        (names.Count == 1 ? "exercise " : "exercises ") + string.Join(", ", names.Select(n => $"'{n}'"));
}
