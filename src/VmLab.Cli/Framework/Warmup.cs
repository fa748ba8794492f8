using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.X86;

namespace VmLab.Cli.Framework;

/// <summary>
/// Start-up work done ahead on a second thread while the first parses the command line, reads the ELF and boots
/// the kernel: the parts a run needs only later and that cost the most the first time, each a one-time cost of the
/// process (code compiled, tables built, types loaded), never state of the run: Iced's decoder tables and the
/// interpreter's first instructions (each found by reflection at its first use), then a report like every verb's
/// drawn to nowhere (Spectre.Console's first Text, Grid and Paragraph take ~30 ms, most of it loading and compiling
/// its layout code; a plain title is laid out by Report.TitleRule, not by a Rule) or, with --json, a JSON object
/// written to nowhere.
/// What a run prints is unchanged: the warm-up writes nowhere, and the main thread waits for it before it draws
/// with Spectre itself, so the library never runs on two threads at once.
/// </summary>
internal static class Warmup
{
    private static Thread? s_thread;

    /// <summary>Starts the warm-up for a command line that will draw a report or print JSON (not help or completion),
    /// on a machine with a second processor (on one, the thread would only take turns with the main thread).</summary>
    public static void Start(IReadOnlyList<string> args)
    {
        if (Environment.ProcessorCount < 2 || !Worth(args))
            return;
        bool cpu = args is ["sim", "cpu" or "run", ..], json = args.Contains("--json");
        // sim cpu's report has no table (its facts are drawn as text); every other verb may draw one
        bool tables = args is not ["sim", "cpu", ..];
        s_thread = new Thread(() => Run(cpu, json, tables)) { IsBackground = true, Name = "vmlab warm-up" };
        s_thread.Start();
    }

    /// <summary>Returns once the warm-up is over (at once on the warm-up's own thread, or when there is none).</summary>
    public static void Wait()
    {
        var t = s_thread;
        if (t is not null && t != Thread.CurrentThread)
            t.Join(TimeSpan.FromSeconds(5));
    }

    internal static bool Worth(IReadOnlyList<string> args) =>
        args.Count > 0 && args[0] is not ("help" or "completion" or "web") && !args[0].StartsWith('[')
        && !args.Any(a => a is "--help" or "-h" or "-?" or "/?" or "/h" or "--version");

    /// <summary>The warm-up itself; true when every part found what it warms (a test checks this stays so).</summary>
    internal static bool Run(bool cpu, bool json, bool tables = true)
    {
        try
        {
            // the main thread asks for it once its command tree is built; made here meanwhile (thread-safe)
            _ = Console.Out;
            bool found = !cpu || Cpu();
            if (json)
                Json(cpu);
            else
                Report(tables);
            return found;
        }
        catch (Exception)
        {
            // Only ever a head start: whatever failed here, the run does it itself, and reports it if it fails.
            return false;
        }
    }

    /// <summary>A few instructions as gcc's crt0 and functions begin and end: endbr64; push rbp; mov rbp,rsp;
    /// sub rsp,16; mov [rbp-8],rdi; mov eax,[rbp-8]; xor ebp,ebp; and rsp,-16; lea rdi,[rip+0x10]; cmp rbx,r12;
    /// je; call; add rbx,8; mov eax,60; syscall; leave; pop rbp; ret.</summary>
    private static readonly byte[] Code =
    [
        0xF3, 0x0F, 0x1E, 0xFA, 0x55, 0x48, 0x89, 0xE5, 0x48, 0x83, 0xEC, 0x10, 0x48, 0x89, 0x7D, 0xF8,
        0x8B, 0x45, 0xF8, 0x31, 0xED, 0x48, 0x83, 0xE4, 0xF0, 0x48, 0x8D, 0x3D, 0x10, 0x00, 0x00, 0x00,
        0x4C, 0x39, 0xE3, 0x74, 0x0B, 0xE8, 0x13, 0x00, 0x00, 0x00, 0x48, 0x83, 0xC3, 0x08, 0xB8, 0x3C,
        0x00, 0x00, 0x00, 0x0F, 0x05, 0xC9, 0x5D, 0xC3,
    ];

    /// <summary>Decodes <see cref="Code"/> as the CPU does and looks up each instruction's method; true when every
    /// one is an instruction the CPU runs. (The interpreter loop itself is left to the first thread: compiling it
    /// takes ~1.3 ms, finding it by reflection here 4.4 ms.)</summary>
    private static unsafe bool Cpu()
    {
        bool all = true;
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(Code));
        while (decoder.IP < (ulong)Code.Length)
        {
            decoder.Decode(out Instruction ins);
            var op = XDecoder.Decode(ins);
            if (op.Code == XCode.Invalid)
                all = false;
            else
                _ = XDispatch<PagedBus>.Get(op.Code);
        }
        return all;
    }

    /// <summary>--json's writer: sim cpu's result writes itself (<see cref="Commands.Sim.CpuJson"/>), so one like it
    /// is written; for any other verb, the serializer's options, converters and reflection-based writers for the kinds
    /// of value results hold (the result's own type is still described on the main thread). System.Text.Json is safe
    /// to use from two threads at once.</summary>
    private static void Json(bool cpu) =>
        JsonOutput.Write(TextWriter.Null, cpu
            ? new Commands.Sim.CpuJson("warm-up", 1, "exit(0)", false, true, 0, null, "", "", 1,
                [new VmLab.Sim.Kernel.FaultRecord(1, "page", 1, "read", 4, 1, false, "")],
                [new Commands.Sim.CpuTraceJson(1, "nop", new Dictionary<string, string> { ["rax"] = "0x0" }, "", [new(1, 8, "0x0")])],
                false, true, "the warm-up ran", 0, [])
            : new
            {
                Program = "warm-up", Instructions = 1L, Exited = true, ExitStatus = (int?)0, KillReason = (string?)null,
                Faults = new List<(ulong Address, string Kind)> { (1, "page") },
                Trace = new[] { new { Address = 1UL, Registers = new Dictionary<string, string> { ["rax"] = "0x0" } } },
                Ratio = 0.5,
            });

    /// <summary>The shapes every report draws: a title rule, a wrapped paragraph, a section heading, a block of
    /// facts and the verdict (a paragraph with styles); with <paramref name="tables"/>, a grid too (Spectre's table
    /// layout, ~11 ms the first time).</summary>
    private static void Report(bool tables)
    {
        // On a terminal the real report is drawn with escape codes; drawn without, the warm-up's styles would be set
        // through System.Console, which writes them to the terminal. In a pipe System.Console writes nothing.
        var report = new Report(Terminal.Nowhere(ansi: !Console.IsOutputRedirected));
        report.Title("vmlab warm-up");
        report.Explain("A paragraph long enough to be wrapped at the console's width, as every report's first one is, " +
                       "so that the layout of wrapped text is ready.");
        report.Section("observed");
        report.Line("  a line");
        report.Fact("a fact", 1);
        report.Fact("another fact", "value");
        if (tables)
            report.Write(Framework.Report.FactsBlock([("a fact", "with a value that wraps"), ("another", "-")], 20));
        report.Verdict(true, "the warm-up ran");
    }
}
