namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim</c>: the simulated machine, seed 003.</summary>
internal static class SimCommand
{
    /// <param name="words">the command line after 'sim' (see <see cref="VerbSet"/>), or null for every verb</param>
    public static Verb Create(IReadOnlyList<string>? words) => new Verb("sim",
        "the simulated machine: x86-64 paging exercises, an x86-64 CPU and the teaching kernel",
        """
        A simulated machine with x86-64 paging (4-level tables, PTE bits, error codes, TLB), an x86-64 CPU that
        runs C user programs (static ELF, built with 'vmlab sim cc'), and a WeensyOS-style teaching kernel.
        Pure managed code: it runs on any OS.
        """,
        null,
        "vmlab sim walk --va 0x100123 --access write", "vmlab sim run fork", "vmlab sim memory")
        .Takes([.. VerbSet.Build(words,
            // Paging core: exercises of Part A and the page walk.
            new("check-mapping", CheckMappingCommand.Create),
            new("map-calls", MapCallsCommand.Create),
            new("pages", PagesCommand.Create),
            new("walk", WalkCommand.Create),
            new("tlb", TlbCommand.Create),
            // Teaching kernel: programs and scenarios.
            new("disasm", DisasmCommand.Create),
            new("cpu", CpuCommand.Create),
            new("cc", CcCommand.Create),
            new("run", ScenarioCommand.Group),
            new("memory", MemoryCommand.Create))]);
}
