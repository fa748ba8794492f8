using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using VmLab.Linux;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab friendly</c>: runs any program with libetsbefriends preloaded (seed 001 Part A).</summary>
internal static class FriendlyCommand
{
    public static Verb Create()
    {
        var lib = Opt.Flag("--lib", "print the absolute path of libetsbefriends.so (for LD_PRELOAD=... by hand)");
        var demo = Opt.Flag("--demo", "run the bundled segfault-test once per kind of fault, and once without one");
        var messages = Opt.Text("--messages", "use FILE's lines as the messages (sets FRIENDLY_SEGV_MESSAGES for PROGRAM)", "FILE");
        var seed = Opt.Parsed<ulong?>("--seed", "fix the message choice (sets FRIENDLY_SEGV_SEED); default: different every run",
            "N", null, t => Numbers.Parse(t, "--seed"));
        var program = new Argument<string[]>("PROGRAM") { Description = "after '--': the program and its arguments", Arity = ArgumentArity.ZeroOrMore };
        return new Verb("friendly", "run any program with friendly segfaults: encouragement instead of \"Segmentation fault\"",
            $"""
            Runs PROGRAM with libetsbefriends.so in LD_PRELOAD (put first, before any LD_PRELOAD you already have).
            The library's constructor installs a SIGSEGV handler on an alternate signal stack; when the program
            faults, the handler prints an encouraging message chosen at random, the faulting address and what the
            fault looks like (null-pointer dereference, write to read-only memory, stack overflow, invalid memory
            access, or a SIGSEGV sent as a signal), and ends the program with exit status {Friendly.FaultExitStatus} - not killed by the
            signal, so no shell prints "Segmentation fault". A program that does not fault behaves exactly as
            without the library; a program that installs its own SIGSEGV handler keeps it (a later handler wins).

            vmlab exits with PROGRAM's exit status (128 + N when signal N killed it), 127 when PROGRAM does not
            exist and 126 when it is not executable. PROGRAM shares vmlab's terminal; when vmlab's output is not
            the terminal (the tour, --json) its output is captured and passed on.

            Without vmlab: LD_PRELOAD=$(vmlab friendly --lib) PROGRAM. Full rules: docs/friendly-segfaults.md.
            """,
            """{"program","arguments","exit_status","faulted","message","fault_address","classification","access","stdout","stderr"}; with --demo: {"library","runs":[{"mode","expected",...}],"all_caught"}""",
            "vmlab friendly -- ./my-program arg1", "vmlab friendly --demo", "LD_PRELOAD=$(vmlab friendly --lib) ./my-program")
        {
            Tour = new("A segmentation fault normally ends a program with two words from the shell. libetsbefriends, loaded " +
                       "into an unmodified program with LD_PRELOAD, catches the SIGSEGV in a handler running on its own stack " +
                       "and answers with encouragement, the faulting address and a diagnosis. Here the test program faults " +
                       "four different ways, including a stack overflow that leaves no stack to run a handler on.",
                       "--demo"),
        }.Takes(lib, demo, messages, seed, program).Does(ctx =>
        {
            var command = CommandAfterDoubleDash(ctx.Parse, program);
            bool isLib = ctx.Get(lib), isDemo = ctx.Get(demo);
            string? messageFile = ctx.Get(messages);
            ulong? fixedSeed = ctx.Get(seed);
            if ((isLib ? 1 : 0) + (isDemo ? 1 : 0) + (command.Count > 0 ? 1 : 0) > 1)
                throw new UsageException("choose one of --lib, --demo, or -- PROGRAM");
            if ((isLib || isDemo) && (messageFile is not null || fixedSeed is not null))
                throw new UsageException("--messages and --seed apply to a program run: vmlab friendly --messages FILE -- PROGRAM");
            if (isLib)
            {
                string path = Friendly.LibraryPath;
                if (ctx.Json) ctx.WriteJson(new { Library = path });
                else ctx.Out.WriteLine(path);
                return 0;
            }
            if (isDemo)
                return RunDemo(ctx);
            if (command.Count == 0)
                throw new UsageException("no program given (usage: vmlab friendly -- PROGRAM [ARGS…])");
            if (messageFile is { Length: 0 })
                throw new UsageException("--messages needs a file name");
            if (messageFile is not null)
                InputFile.RequireRegular(messageFile);   // the library would open a FIFO and wait before main

            var environment = new Dictionary<string, string?>();
            if (messageFile is not null) environment[Friendly.MessagesVariable] = Path.GetFullPath(messageFile);
            if (fixedSeed is not null) environment[Friendly.SeedVariable] = fixedSeed.Value.ToString(CultureInfo.InvariantCulture);
            return RunProgram(ctx, command[0], [.. command.Skip(1)], environment);
        });
    }

    /// <summary>The program and its arguments: only what follows "--", so a typo before it is never run.</summary>
    private static IReadOnlyList<string> CommandAfterDoubleDash(ParseResult parse, Argument<string[]> program)
    {
        var values = parse.GetValue(program) ?? [];
        var tokens = parse.Tokens.ToList();
        int dd = tokens.FindIndex(t => t.Type == TokenType.DoubleDash);
        var mine = parse.GetResult(program)?.Tokens ?? [];
        int before = mine.Count(t => dd < 0 || tokens.FindIndex(x => ReferenceEquals(x, t)) < dd);
        if (before > 0)
        {
            string first = values[0];
            throw new UsageException(Opt.LooksLikeOption(first)
                ? $"unknown option '{Numbers.Clip(first)}' (see 'vmlab friendly --help')"
                : $"put '--' before the program: vmlab friendly -- {string.Join(' ', values.Take(before))}");
        }
        return values;
    }

    private static int RunProgram(Ctx ctx, string program, List<string> arguments, Dictionary<string, string?> environment)
    {
        string resolved;
        try
        {
            resolved = Friendly.ResolveProgram(program);
        }
        catch (FileNotFoundException e)
        {
            Shown.Error(ctx.Err, ctx.Path, e.Message);
            return 127;
        }
        catch (UnauthorizedAccessException e)
        {
            Shown.Error(ctx.Err, ctx.Path, e.Message);
            return 126;
        }

        // The terminal is handed over only when our output really is the terminal: inside the tour or a test,
        // Out and Err are writers of their own, and the program's output must reach them.
        bool inherit = !ctx.Json && ReferenceEquals(ctx.Out, Console.Out) && ReferenceEquals(ctx.Err, Console.Error);
        if (inherit)
            return Friendly.RunInherited(resolved, arguments, environment);
        var run = Friendly.RunCaptured(resolved, arguments, environment);
        if (ctx.Json)
            ctx.WriteJson(ToJson(run));
        else
        {
            ctx.Out.Write(run.Stdout);
            ctx.Err.Write(run.Stderr);
        }
        return run.ExitStatus;
    }

    private static int RunDemo(Ctx ctx)
    {
        string library = Friendly.LibraryPath;
        var runs = FriendlyDemo.Run();
        bool all = runs.All(r => r.AsExpected);
        var json = new
        {
            Library = library,
            Runs = runs.Select(r => new { r.Mode, r.Expected, r.MessageInList, r.AsExpected, Result = ToJson(r.Run) }),
            AllCaught = all,
        };
        return ctx.Emit(json, all, report =>
        {
            report.Title("Friendly segfaults: segfault-test with libetsbefriends preloaded");
            report.Explain("Each run starts the bundled segfault-test with LD_PRELOAD=libetsbefriends.so and a mode " +
                "that picks how it faults. The library's handler should catch every fault, diagnose it, and end the " +
                $"program with exit status {Friendly.FaultExitStatus} instead of letting SIGSEGV kill it; the run " +
                "without a fault should not notice the library at all.");
            report.Fact("library", library);
            report.Section("Runs");
            report.Table(["mode", "exit", "classification", "address", "expected"],
                runs.Select(r => (IReadOnlyList<string>)
                [
                    r.Mode,
                    r.Run.ExitStatus.ToString(CultureInfo.InvariantCulture),
                    r.Run.Fault is { } f ? FriendlyFault.Describe(f.Classification) : "(no fault)",
                    r.Run.Fault?.Address is { } a ? $"0x{a:x}" : "-",
                    r.AsExpected ? "yes" : "NO",
                ]));
            report.Section("What the program said");
            foreach (var r in runs)
                report.Line($"  {r.Mode,-9} {r.Run.Fault?.Message ?? r.Run.Stdout.Trim()}");
            report.Verdict(all, all
                ? $"every fault was caught and classified as expected and ended with status {Friendly.FaultExitStatus}, never killed by SIGSEGV; the quiet run was untouched"
                : "at least one run did not end as expected (see the table)");
        });
    }

    internal static object ToJson(FriendlyRun run) => new
    {
        run.Program,
        run.Arguments,
        run.ExitStatus,
        Faulted = run.Fault is not null,
        run.Fault?.Message,
        FaultAddress = run.Fault?.Address is { } a ? $"0x{a:x}" : null,
        run.Fault?.Classification,
        run.Fault?.Access,
        run.Stdout,
        run.Stderr,
    };
}
