namespace VmLab.Cli.Framework;

/// <summary>One verb of <c>vmlab</c>. Implementations live one per file under Commands/.</summary>
internal interface ICommand
{
    /// <summary>The verb as typed ("anon", "check-mapping").</summary>
    string Name { get; }

    /// <summary>One line for the verb list.</summary>
    string Summary { get; }

    /// <summary>The whole --help text: usage line, options, what the verb shows.</summary>
    string Help { get; }

    /// <summary>Runs the verb. Options are read from <see cref="CommandContext.Args"/>; returns the exit code
    /// (0: ran and the verdict holds, 1: ran and it did not, or the machine refused; 2 is for usage errors,
    /// which are thrown as <see cref="UsageException"/>).</summary>
    int Run(CommandContext ctx);

    /// <summary>How <c>vmlab tour</c> runs this verb, or null to leave it out of the tour.</summary>
    TourStep? Tour => null;
}

/// <summary>A verb's place in the tour: why it is worth seeing, and the arguments it runs with there.</summary>
internal sealed record TourStep(string Narrative, params string[] Args);

/// <summary>Bad input from the user: printed as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
