using System.Text;
using VmLab.Sim.Elf;

namespace VmLab.Toolchain;

public static partial class UserCompiler
{
    private const string Prefix = "VmLab.Toolchain.UserLib.";

    // The user library as it is written to the temporary directory: the headers a program includes (VmLab's
    // u-lib.h and WeensyOS's u-lib.hh, lib.hh, process.hh, x86-64.h), its sources, the linker script, the flags.
    private static readonly string[] s_library =
        ["u-lib.h", "u-lib.hh", "lib.hh", "process.hh", "x86-64.h", "syscall-asm.h", "crt0.S", "u-syscall.c", "u-lib.c", "u-hosted.c", "u-main.c",
         "u-console.c", "u-cxx.cc", "user.ld", "cflags", "cxxflags"];

    private static readonly string[] s_libraryC = ["crt0.S", "u-syscall.c", "u-lib.c", "u-hosted.c", "u-main.c", "u-console.c"];

    /// <summary>The flags every user program is built with (native/user/lib/cflags), -O2 included.</summary>
    public static IReadOnlyList<string> Flags => Words(Library("cflags"));

    /// <summary>What C++ sources are built with instead of cflags' -std (native/user/lib/cxxflags).</summary>
    public static IReadOnlyList<string> CxxFlags => Words(Library("cxxflags"));

    /// <summary>A library file by name (u-lib.h, u-lib.hh, lib.hh, crt0.S, u-lib.c, user.ld, cflags, ...).</summary>
    public static string Library(string file)
    {
        using var stream = typeof(UserCompiler).Assembly.GetManifestResourceStream(Prefix + file)
            ?? throw new ArgumentException($"no user library file '{file}'");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string[] Words(string text) => text.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private static void WriteLibrary(string dir)
    {
        foreach (string file in s_library)
            File.WriteAllText(Path.Combine(dir, file), Library(file));
    }

    /// <summary>One run of the compiler: its arguments, and the source it reads on its input (or null).</summary>
    private sealed record Step(IReadOnlyList<string> Args, byte[]? Input, string? InputName, string? Program = null)
    {
        public string Shown(string compiler) =>
            (Program ?? compiler) + " " + string.Join(' ', Args) + (InputName is null ? "" : " < " + InputName);
    }

    // The steps of one compile: the library (C and assembler, always -O2), C++ runtime support when there is C++,
    // each of the user's sources on its own, then the link. Library objects land in dir under their own names.
    private static List<Step> Steps(IReadOnlyList<string> sources, string dir, CompileOptions o, out string? problem)
    {
        problem = null;
        var common = Flags.Where(f => !f.StartsWith("-std=", StringComparison.Ordinal) && !f.StartsWith("-O", StringComparison.Ordinal)).ToList();
        var cStd = Flags.Where(f => f.StartsWith("-std=", StringComparison.Ordinal)).ToList();
        var cxx = CxxFlags;
        var steps = new List<Step> { new([.. cStd, .. common, "-O2", "-Wall", "-c", .. s_libraryC], null, null) };
        var objects = new List<string>();
        bool anyCxx = false;
        for (int i = 0; i < sources.Count; i++)
        {
            string path = sources[i];
            if (LanguageOf(path) is not { } language)
            {
                problem = $"{path}: not a C, C++ or assembler source (.c, .cc/.cpp, .S or .s)";
                return steps;
            }
            var text = File.ReadAllBytes(path);
            if (text.Length > MaxSourceBytes)
            {
                problem = $"{path}: {text.Length} bytes, more than the {MaxSourceBytes >> 20} MiB a source may have";
                return steps;
            }
            anyCxx |= language == SourceLanguage.Cxx;
            string obj = Path.Combine(dir, $"user{i}.o");
            objects.Add(obj);
            steps.Add(new(SourceArgs(path, language, obj, dir, common, cStd, cxx, o), Marked(path, text), path));
        }
        if (anyCxx) steps.Add(new([.. cxx, .. common, "-O2", "-Wall", "-c", "u-cxx.cc"], null, null));
        // Standard C (main, printf, malloc, ...) is an archive: the linker takes it only for a program that calls
        // into it, so a WeensyOS-style program links exactly as before
        steps.Add(new(["rcs", "libvmlab-hosted.a", "u-main.o", "u-hosted.o"], null, null, "ar"));
        var link = new List<string>(common) { "-T", "user.ld", "-o", "a.elf", "crt0.o" };
        link.AddRange(objects);
        link.AddRange(["libvmlab-hosted.a", "u-syscall.o", "u-lib.o", "u-console.o"]);
        if (anyCxx) link.Add("u-cxx.o");
        link.Add("-lgcc");
        steps.Add(new(link, null, null));
        return steps;
    }

    // A user's source is read by gcc from its input, the directory of the library's headers being the working
    // directory: so `#include "u-lib.hh"` finds VmLab's header even when WeensyOS's own u-lib.hh sits next to the
    // program (a file's own directory is otherwise searched first). -iquote then finds the user's other headers.
    private static List<string> SourceArgs(string path, SourceLanguage language, string obj, string dir, List<string> common,
        List<string> cStd, IReadOnlyList<string> cxx, CompileOptions o)
    {
        var args = new List<string>();
        args.AddRange(language == SourceLanguage.Cxx ? cxx : cStd);
        args.AddRange(common);
        args.Add("-O" + o.Optimization);
        if (o.Debug) args.Add("-g");
        args.Add("-Wall");
        foreach (string d in o.Defines) args.Add("-D" + d);
        args.AddRange(["-iquote", Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", "-I", dir]);
        foreach (string inc in o.IncludeDirs) args.AddRange(["-I", inc]);
        args.AddRange(["-x", language switch
        {
            SourceLanguage.C => "c",
            SourceLanguage.Cxx => "c++",
            SourceLanguage.AssemblerWithCpp => "assembler-with-cpp",
            _ => "assembler",
        }, "-c", "-", "-o", obj]);
        return args;
    }

    // The source with a line marker first, so gcc's messages, __FILE__ and assert name the user's file and lines.
    private static byte[] Marked(string path, byte[] text)
    {
        var name = new StringBuilder();
        foreach (char c in path)
            name.Append(c switch { '\\' => "\\\\", '"' => "\\\"", < ' ' => "?", _ => c.ToString() });
        byte[] marker = Encoding.UTF8.GetBytes($"# 1 \"{name}\"\n");
        return [.. marker, .. text];
    }
}
