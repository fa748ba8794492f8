using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace VmLab.Cli.Framework;

/// <summary>Turns System.CommandLine's parse errors into the project's one line: what is wrong, and for a typo
/// the library's own suggestions ("did you mean ...?").</summary>
internal static class ParseErrors
{
    public static string Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        if (parse.UnmatchedTokens.Count > 0)
        {
            string token = parse.UnmatchedTokens[0];
            bool option = Opt.LooksLikeOption(token);
            string what = option ? $"unknown option '{Numbers.Clip(token)}'"
                : command.Subcommands.Count > 0 ? $"unknown command '{Numbers.Clip(token)}'"
                : $"unexpected argument '{Numbers.Clip(token)}'";
            var guesses = option || command.Subcommands.Count > 0 ? Suggestions(parse, token) : [];
            // A guess never reads the same as the token: '--seed ' (a space typed inside the quotes) is told so.
            if (token.Trim() != token && guesses.Contains(token.Trim()))
                return $"{what} (the quotes hold a space around '{Numbers.Clip(token.Trim())}': leave it out)";
            guesses.RemoveAll(g => g == Numbers.Clip(token));
            return guesses.Count > 0
                ? $"{what} (did you mean {Opt.Words(guesses.Select(g => $"'{g}'").ToList())}?)"
                : $"{what} (see '{Verb.PathOf(command)} --help')";
        }
        var error = parse.Errors.FirstOrDefault(e => !IsMissingCommand(e));
        if (error is null)
            return $"give a command: {Opt.Words(command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList())} (see '{Verb.PathOf(command)} --help')";
        if (error.SymbolResult is OptionResult { Tokens.Count: 0, Option: { Arity.MinimumNumberOfValues: > 0 } valueless })
            return $"{valueless.Name} needs a value";
        if (error.SymbolResult is ArgumentResult { Tokens.Count: 0, Argument: { Arity.MinimumNumberOfValues: > 0 } missing })
            return $"{missing.Name} is required (see '{Verb.PathOf(command)} --help')";
        return ExitCode.OneLine(error.Message).TrimEnd('.');
    }

    // A group of verbs (sim, maze, lab) has no action of its own: named alone, it needs one of its verbs.
    private static bool IsMissingCommand(ParseError e) =>
        e.SymbolResult is CommandResult { Command: { Action: null, Subcommands.Count: > 0 } };

    /// <summary>The typo corrections System.CommandLine prints for <paramref name="token"/>, captured.</summary>
    private static List<string> Suggestions(ParseResult parse, string token)
    {
        if (parse.Action is not ParseErrorAction action)
            return [];
        action.ShowHelp = false;
        action.ShowTypoCorrections = true;
        var output = new StringWriter();
        parse.Invoke(new InvocationConfiguration { Output = output, Error = TextWriter.Null });
        return Extract(output.ToString(), token);
    }

    private static List<string> Extract(string text, string token)
    {
        var lines = text.Split('\n', StringSplitOptions.TrimEntries);
        int at = Array.FindIndex(lines, l => l.StartsWith($"'{token}' was not matched", StringComparison.Ordinal));
        return at < 0 ? [] : lines.Skip(at + 1).TakeWhile(l => l.Length > 0 && !l.StartsWith('\'')).Where(l => l.Length > 2 || l[0] != '-' || token.Length <= 2).ToList();
    }
}
