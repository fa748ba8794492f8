using System.Text.Json;
using VmLab.Cli.Commands.Sim;
using VmLab.Cli.Framework;
using VmLab.Sim.Kernel;

namespace VmLab.Cli.Tests;

/// <summary><c>sim cpu --json</c> is written field by field (a start-up cost of the serializer avoided): what it
/// prints must stay exactly what the serializer prints for the same result, keys, order, escaping and layout.</summary>
public sealed class SimCpuJsonTests
{
    private static string Serialized(object value) => JsonSerializer.Serialize(value, value.GetType(), JsonOutput.Options);

    [Theory]
    [InlineData("--builtin", "hello")]
    [InlineData("--builtin", "allocator", "--trace", "--steps", "300")]
    [InlineData("--builtin", "spawner", "--steps", "5000")]
    public void A_run_prints_what_the_serializer_prints_for_its_result(params string[] args)
    {
        object? result = null;
        var output = new StringWriter();
        var error = new StringWriter();
        Runner.Run(Program.Build, ["sim", "cpu", .. args, "--json"], output, error, (o, _) => result = o);

        Assert.Equal("", error.ToString());
        Assert.IsType<CpuJson>(result);
        Assert.Equal(Serialized(result) + "\n", output.ToString());
    }

    [Fact]
    public void Faults_nulls_and_text_that_needs_escaping_print_as_the_serializer_prints_them()
    {
        string odd = "tab\t, quote \", backslash \\, newline\n, NUL \0, ESC \e, -> µs 'x' <b>&amp; \u2028 😀";
        var fault = new FaultRecord(3, "PAGE FAULT", ulong.MaxValue, "write", 7, 0x401000, true, odd)
        {
            Cause = "NULL pointer dereference", Where = "main+0x14", Instruction = "mov (%rax),%edx", Vector = 14, Signal = "SIGSEGV",
        };
        var step = new CpuTraceJson(0x401000, odd, new Dictionary<string, string> { ["rax"] = "0x1", ["r8"] = "0x2" }, "ZF=1 CF=0",
            [new TracedStore(0x7ffff000, 8, "0x0"), new TracedStore(1, 16, "00ff")]);
        CpuJson[] results =
        [
            new(odd, long.MaxValue, odd, true, false, null, odd, odd, "", 0, [fault, fault], [step, step], true, false, odd, 2, [odd, "b"]),
            new("p", 0, "exit(-1)", false, true, -1, null, "", "", 1, [], null, false, true, "fine", 0, []),
            new("p", 0, "x", false, true, long.MinValue, null, "", "", 1, [], [], false, true, "", 0, []),
        ];
        foreach (var r in results)
        {
            var written = new StringWriter();
            JsonOutput.Write(written, r);
            Assert.Equal(Serialized(r) + "\n", written.ToString());
        }
    }
}
