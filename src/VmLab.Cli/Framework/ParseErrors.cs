using System.CommandLine;
using System.CommandLine.Invocation;

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
        var error = parse.Errors.FirstOrDefault(e => !e.Message.StartsWith("Required command", StringComparison.Ordinal));
        if (error is null)
            return $"give a command: {Opt.Words(command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList())} (see '{Verb.PathOf(command)} --help')";
        string message = ExitCode.OneLine(error.Message);
        const string missing = "Required argument missing for option: '";
        if (message.StartsWith(missing, StringComparison.Ordinal))
            return $"{message[missing.Length..].TrimEnd('.', '\'')} needs a value";
        return message.TrimEnd('.');
    }

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
