using VmLab.Sim.Elf;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

public abstract partial class Scenario
{
    /// <summary>C1: one mapping change, no memory write, changes what a program prints.</summary>
    public static Scenario BigData { get; } = new BigDataScenario();
}

file sealed class BigDataScenario() : Scenario<BigDataScenario.Remapped>("bigdata", 40,
    "C1: one mapping change, no memory write, changes what a program prints",
    "C1: one mapping change in process setup, and not one byte of memory written, changes what bigdata prints " +
    "to \"CS 61 Is Amazing\".")
{
    public override string FirstLook => "The before/after in the lesson: one mapping change, and bigdata prints a different string.";

    public override string NextStep => $"Pick pid 1 and walk 0x{VmLab.Sim.Elf.ElfPrograms.Image("bigdata")!.Symbols["message"]:x} (message) as read: its page maps the frame behind amazing (0x{VmLab.Sim.Elf.ElfPrograms.Image("bigdata")!.Symbols["amazing"]:x}), read-only.";

    /// <summary>Whether the frame now behind `message` holds exactly the bytes it held before the change.</summary>
    public sealed class Remapped(SimKernel k) : Booted(k)
    {
        public bool Untouched { get; set; } = true;
    }

    // bigdata's process gets the change between process_setup and its first instruction (Kernel.AfterProcessSetup).
    private protected override Remapped Boot(ScenarioArgs args)
    {
        var k = NewKernel(args);
        var booted = new Remapped(k);
        var image = ElfPrograms.Image("bigdata")!;
        ulong message = image.Symbols["message"], amazing = image.Symbols["amazing"];
        k.AfterProcessSetup = (kk, p) =>
        {
            byte[] before = kk.Memory.FrameSpan(p.PageTable.Iter(amazing).Pa).ToArray();
            kk.Remap(p, message, amazing);    // the one line; see Kernel.Remap
            booted.Untouched = before.AsSpan().SequenceEqual(kk.Memory.FrameSpan(p.PageTable.Iter(message).Pa));
        };
        k.Spawn("bigdata");
        k.AfterProcessSetup = null;
        return booted;
    }

    private protected override Judgement Judge(Remapped booted, ScenarioArgs args)
    {
        // The control: the same program on a kernel without the change (nobody watches it).
        var plain = NewKernel(args with { Watch = null });
        plain.Spawn("bigdata");
        plain.Run(args.Steps);
        string remapped = booted.Kernel.Console;
        bool untouched = booted.Untouched && booted.Kernel.Check().Ok;
        bool ok = plain.Console.StartsWith("Boo!") && remapped == "CS 61 Is Amazing\n" && untouched;
        return new("C1: bigdata prints the string at `message`. One mapping change in process setup points message's page at the frame behind `amazing`; no byte of memory is written.",
            ok, ok ? "the same program, the same bytes, one changed mapping: it now prints \"CS 61 Is Amazing\"" : "the remap did not change the output as expected")
        {
            Facts =
            [
                new("without the change", plain.Console.TrimEnd()),
                new("the one change", "vmiter(pt, &message).map(vmiter(pt, &amazing).pa(), PTE_P | PTE_U)"),
                new("with the change", remapped.TrimEnd()),
                new("memory written", untouched ? "none: the frame now behind `message` holds exactly the bytes it held before" : "yes"),
            ],
        };
    }
}
