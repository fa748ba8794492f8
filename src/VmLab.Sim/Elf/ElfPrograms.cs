using System.Collections.Concurrent;
using System.Reflection;

namespace VmLab.Sim.Elf;

/// <summary>
/// The kernel's user programs built from C (native/user/p-NAME.c) by the normal build and embedded in this
/// assembly as static x86-64 ELF files: hello, allocator, bigdata, forker, forkexit, alice, spawner, hostile,
/// eve, pipewriter, pipereader. At start rdi holds the
/// spawn argument, which the C library keeps in <c>process_arg</c>.
/// </summary>
public static class ElfPrograms
{
    private const string Prefix = "VmLab.Sim.User.p-", Suffix = ".elf";
    private static readonly Assembly s_assembly = typeof(ElfPrograms).Assembly;
    private static readonly ConcurrentDictionary<string, ProgramImage> s_images = new();

    /// <summary>Names of the embedded programs (empty when the build could not compile them: not on Linux), in
    /// ordinal order.</summary>
    public static IReadOnlyCollection<string> Names { get; } = ProgramNames();

    // A loop and Array.Sort, not LINQ's Where/Select/Order: 'vmlab sim cpu' lists the names in its --builtin option at
    // every start, and LINQ's ordering took ~4.5 ms of it there the first time (its generic sort code JIT-compiled).
    private static string[] ProgramNames()
    {
        var names = new List<string>();
        foreach (string n in s_assembly.GetManifestResourceNames())
            if (n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(Suffix, StringComparison.Ordinal))
                names.Add(n[Prefix.Length..^Suffix.Length]);
        string[] sorted = [.. names];
        Array.Sort(sorted, StringComparer.Ordinal);
        return sorted;
    }

    /// <summary>The ELF file of a program, or null for an unknown name.</summary>
    public static byte[]? Bytes(string name)
    {
        using var stream = s_assembly.GetManifestResourceStream(Prefix + name + Suffix);
        if (stream is null) return null;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The C source of a program (native/user/p-NAME.c), or null for an unknown name.</summary>
    public static string? Source(string name)
    {
        using var stream = s_assembly.GetManifestResourceStream("VmLab.Sim.UserSource.p-" + name + ".c");
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The loaded program (segments, entry, symbols), or null for an unknown name.</summary>
    public static ProgramImage? Image(string name) =>
        s_images.TryGetValue(name, out var image) ? image
        : Bytes(name) is { } bytes ? s_images.GetOrAdd(name, _ => ElfLoader.Load(bytes)) : null;
}
