using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using SimKernel = VmLab.Sim.Kernel.Kernel;

namespace VmLab.Sim.Scenarios;

public static partial class Scenario
{
    /// <summary>
    /// A scenario's machine just before its first instruction: the kernel booted as <see cref="Run"/> boots it
    /// and its programs started, for viewers that step it themselves. Deterministic: the same name and
    /// options give the same machine. bigdata starts with C1's one mapping change. Throws ArgumentException
    /// for an unknown name.
    /// </summary>
    public static SimKernel Start(string name, ScenarioOptions? options = null)
    {
        var o = options ?? new ScenarioOptions();
        SimKernel k;
        switch (name)
        {
            case "hello" or "inspect":
                k = Boot(o);
                k.Spawn("hello");
                break;
            case "allocator":
                k = Boot(o);
                for (int i = 0; i < 3; i++) k.Spawn("allocator");
                break;
            case "bigdata":
                k = Boot(o);
                var image = ElfPrograms.Image("bigdata")!;
                ulong message = image.Symbols["message"], amazing = image.Symbols["amazing"];
                k.AfterProcessSetup = (kk, p) => kk.Remap(p, message, amazing);
                k.Spawn("bigdata");
                k.AfterProcessSetup = null;
                break;
            case "fork":
                k = Boot(o, o.Naive ? ForkMode.Naive : o.CopyOnWrite ? ForkMode.CopyOnWrite : ForkMode.Copy);
                k.Spawn("forker");
                break;
            case "forkexit":
                k = Boot(o);
                k.Spawn("forkexit", (ulong)o.Count);
                break;
            case "spawn":
                k = Boot(o);
                k.Spawn("spawner");
                break;
            case "friends":
                k = Boot(o, vulnerable: o.Vulnerable);
                int alice = k.Spawn("alice", 40);
                k.Spawn("eve", k.Find(alice)!.PageTable.Root);
                break;
            case "pipe":
                k = new SimKernel(new KernelOptions { CheckEvery = 1000, Pipe = o.Pipe }) { TraceEnabled = o.Trace };
                o.Watch?.Invoke(k);
                k.Spawn("pipewriter", (ulong)o.Messages);
                k.Spawn("pipereader", (ulong)o.Messages);
                break;
            default:
                throw new ArgumentException($"unknown scenario '{name}' (try: {string.Join(", ", All.Select(s => s.Name))})");
        }
        return k;
    }
}
