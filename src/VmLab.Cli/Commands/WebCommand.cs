using VmLab.Cli.Framework;
using VmLab.Web;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab web</c>: the simulated machine in a browser (VmLab.Web does the work).</summary>
internal static class WebCommand
{
    public static Verb Create()
    {
        var host = Opt.Text("--host", "address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 exposes it)", "ADDRESS");
        var open = Opt.Flag("--open", "open the page in the default browser");
        var workspace = Commands.Sim.WorkspaceSeams.Option();
        var programs = Opt.Text("--program", "boot the teaching kernel with your own static x86-64 ELF programs (from 'vmlab sim cc'), comma-separated: the scenario 'program', first on the page", "A.elf[,B.elf]");
        var port = Opt.Int("--port", "port to listen on (0 picks a free one)", 5080, 0, 65535);
        return new Verb("web", "the simulated machine in a browser: memory, page walks, TLB, processes, step by step",
            """
            Starts a local web server and prints its URL. The page runs any `sim run` scenario step by step (one
            instruction, N, or up to the next syscall, fault, context switch or exit) and back along a timeline, and
            shows physical memory by owner, a process's virtual pages, the 4-level walk of any page with its bits
            decoded and the fault explained, the TLB, processes, kernel events and checker errors. Everything is
            served from the vmlab binary: no network access needed. Ctrl-C stops it; a port in use exits 1.
            With --workspace DIR every machine runs your seams (built as 'lab grade' builds them) and the reference
            kernel for the rest; the page says which seams are yours. With --program A.elf[,B.elf] the page opens
            on your programs (the scenario 'program'), their symbols in the walk and the disassembly; the page's
            file picker boots one more the same way.
            """,
            null,
            "vmlab web", "vmlab web --port 8080 --open", "vmlab web --workspace ~/lab1", "vmlab web --program prog.elf")
            .Takes(
                port,
                host,
                open,
                workspace,
                programs)
            .Does(ctx =>
            {
                var images = Programs(ctx.Get(programs));
                using var build = Commands.Sim.WorkspaceSeams.Prepare(ctx, workspace);
                var options = new WebOptions { Programs = images, Quiz = Quiz };
                // Your seams run in a child process per machine: a fork that overflows the stack ends its machine, not the server.
                if (build is { Assembly: not null })
                    options = options with { Hosting = Commands.Sim.WorkspaceSeams.Hosting(build, Commands.Sim.WorkspaceSeams.ServerCallLimit, Elves(ctx.Get(programs))) };
                else if (build is not null)
                    options = options with { Seams = new VmLab.Sim.Scenarios.SeamOverlay(build.Source, [], s => s) };
                using var cancel = new CancellationTokenSource();
                ConsoleCancelEventHandler stop = (_, e) => { e.Cancel = true; cancel.Cancel(); };
                Console.CancelKeyPress += stop;
                try
                {
                    return WebHost.RunAsync(ctx.Get(host) ?? "127.0.0.1", (int)ctx.Get(port), ctx.Out, ctx.Err, ctx.Get(open), cancel.Token, options)
                        .GetAwaiter().GetResult();
                }
                finally
                {
                    Console.CancelKeyPress -= stop;
                }
            });
    }

    // The programs' bytes, for the child processes that run them with your seams (read again: Programs checked them).
    private static IReadOnlyList<(string Name, byte[] Elf)>? Elves(string? list) => list is null ? null
        : [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(f => (Path.GetFileNameWithoutExtension(f), File.ReadAllBytes(f)))];

    internal static IReadOnlyList<(string Name, VmLab.Sim.Elf.ProgramImage Image)>? Programs(string? list)
    {
        if (list is null) return null;
        string[] files = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (files.Length is 0 or > 16) throw new UsageException("--program: name 1 to 16 ELF files, comma-separated");
        return [.. files.Select(f => (Path.GetFileNameWithoutExtension(f), Commands.Sim.ElfInput.Load(f)))];
    }

    // `vmlab quiz`'s generator and marking, for the page's quiz panel.
    internal static readonly QuizSource Quiz = new(
        [.. VmLab.Labs.Quiz.Quizzes.Kinds],
        (kind, seed) => [.. VmLab.Labs.Quiz.Quizzes.Make(kind, seed).Problems.Select(p => p.Question)],
        (kind, seed, answers) => [.. VmLab.Labs.Quiz.QuizCheck.Mark(VmLab.Labs.Quiz.Quizzes.Make(kind, seed), answers)
            .Select(m => new QuizMark(m.Given, m.Correct, m.Expected, m.Answer))]);
}
