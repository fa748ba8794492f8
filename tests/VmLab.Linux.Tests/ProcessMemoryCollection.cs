namespace VmLab.Linux.Tests;

/// <summary>
/// Tests that fork, or that assert pagemap bits a fork changes (a page is not "exclusive" while a forked
/// child shares it), run one at a time in this collection instead of in parallel with each other.
/// </summary>
[CollectionDefinition(Collection)]
public sealed class ProcessMemory
{
    public const string Collection = "process memory (fork and pagemap)";
}
