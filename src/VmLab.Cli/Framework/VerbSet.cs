using System.CommandLine;

namespace VmLab.Cli.Framework;

/// <summary>One verb of a group, by name, built on demand; <c>Create</c> gets the words after the verb's own (null
/// when the whole group is being built).</summary>
internal sealed record VerbSpec(string Name, Func<IReadOnlyList<string>?, Command> Create)
{
    /// <summary>A verb without verbs of its own.</summary>
    public VerbSpec(string name, Func<Command> create) : this(name, _ => create()) { }
}

/// <summary>
/// Builds a group's verbs. A command line that names one of them ('vmlab sim cpu ...') gets that verb alone: a run
/// does not pay for building every other verb (their options, defaults and help, the scenarios' reflection over
/// their result types, the built-in programs' resources), which was a quarter of 'vmlab sim cpu's start-up. Any
/// other command line (no verb, an option such as --help or --version, a typo, a [suggest] directive) and every
/// caller that walks the tree (the tour, the tests) gets every verb, so help, typo suggestions and completion see
/// the whole tree exactly as before.
/// </summary>
internal static class VerbSet
{
    /// <param name="words">the command line from this group's first verb word on, or null for every verb</param>
    public static IEnumerable<Command> Build(IReadOnlyList<string>? words, params VerbSpec[] verbs)
    {
        if (words is [var first, ..])
            foreach (var verb in verbs)
                if (verb.Name == first)
                    return [verb.Create([.. words.Skip(1)])];
        return verbs.Select(v => v.Create(null));
    }
}
