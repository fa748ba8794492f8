using VmLab.Linux;

namespace VmLab.Cli.Framework;

/// <summary>
/// Finds the verb, handles --help, and turns every failure into one line on stderr with a non-zero exit code:
/// 2 for bad input, 1 for a refusal by the machine (a failed syscall, a missing file, no Linux), 70 for a bug.
/// </summary>
internal static class Dispatcher
{
    public static int Run(string prefix, string overview, IReadOnlyList<ICommand> commands, IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (args.Count == 0 || args[0] is "--help" or "-h" or "help")
        {
            WriteOverview(prefix, overview, commands, output);
            return args.Count == 0 && prefix != "vmlab" ? 2 : 0;
        }
        ICommand? command = commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            error.WriteLine($"{prefix}: unknown command '{args[0]}' (try '{prefix} --help')");
            return 2;
        }
        string path = $"{prefix} {command.Name}";
        var rest = args.Skip(1).ToList();
        int dd = rest.IndexOf("--");
        var before = dd < 0 ? rest : rest.Take(dd).ToList();
        if (command is not CommandGroup && (before.Contains("--help") || before.Contains("-h")))
        {
            output.WriteLine(command.Help.TrimEnd());
            return 0;
        }
        return Invoke(command, path, rest, output, error);
    }

    /// <summary>Runs one verb with failures reported the standard way.</summary>
    public static int Invoke(ICommand command, string path, IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        try
        {
            return command is CommandGroup g
                ? g.RunGroup(path, args, output, error)
                : command.Run(new CommandContext(path, new ArgReader(args), output, error));
        }
        catch (UsageException e)
        {
            error.WriteLine($"{path}: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is LinuxException or PlatformNotSupportedException or IOException
                                      or UnauthorizedAccessException or InvalidOperationException)
        {
            error.WriteLine($"{path}: {e.Message}");
            return 1;
        }
        catch (Exception e)
        {
            error.WriteLine($"{path}: internal error: {e.GetType().Name}: {e.Message}");
            return 70;
        }
    }

    private static void WriteOverview(string prefix, string overview, IReadOnlyList<ICommand> commands, TextWriter w)
    {
        w.WriteLine(overview.TrimEnd());
        w.WriteLine();
        w.WriteLine($"usage: {prefix} <command> [options]   ({prefix} <command> --help for details; --json for one JSON object)");
        w.WriteLine();
        int width = commands.Count == 0 ? 0 : commands.Max(c => c.Name.Length) + 2;
        foreach (var c in commands)
            w.WriteLine($"  {c.Name.PadRight(width)}{c.Summary}");
    }
}

/// <summary>A verb with sub-verbs of its own, like <c>vmlab sim walk</c>.</summary>
internal sealed class CommandGroup(string name, string summary, string overview, params ICommand[] children) : ICommand
{
    public string Name => name;

    public string Summary => summary;

    public string Help => overview;

    public IReadOnlyList<ICommand> Children => children;

    public int Run(CommandContext ctx) => RunGroup(ctx.Path, ctx.Args.Rest, ctx.Out, ctx.Err);

    public int RunGroup(string path, IReadOnlyList<string> args, TextWriter output, TextWriter error) =>
        Dispatcher.Run(path, overview, children, args, output, error);
}
