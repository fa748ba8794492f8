namespace VmLab.Cli.Framework;

/// <summary>What every documented range is sized to: one run of any verb at the edge of its ranges stays within
/// this memory and about this time on the 2-core machine the project is developed on (each limit's comment has
/// the measurement). The sentence ends the help of each verb whose ranges it shapes.</summary>
internal static class Budget
{
    public const string Help = "Ranges keep one run within 1 GiB of memory and about 30 s on a 2-core machine.";
}
