using System.Diagnostics;
using VmLab.Sim.Kernel;

namespace VmLab.Sim.Tests.Elf;

/// <summary>
/// The kernel's deterministic C programs built a second time as Linux processes (native/user/host/host-kernel.c:
/// console on stderr, the pipe on stdout/stdin, pid 1) print what they print on the teaching kernel and on
/// VmLab's x86-64 CPU alone: the same random messages, the same checksums, the same lines.
/// </summary>
public class CPortTests
{
    private static string Program(string name) => Path.Combine(DifferentialCorpus.RepoRoot, "build/native/user/host-kernel", "p-" + name);

    // Runs a host-kernel program: (console, pipe output).
    private static (string Console, byte[] Pipe) RunHost(string name, ulong arg, byte[]? pipeIn = null)
    {
        var info = new ProcessStartInfo(Program(name), arg.ToString())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        using var p = System.Diagnostics.Process.Start(info)!;
        var console = p.StandardError.ReadToEndAsync();
        var pipe = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(pipe);
        if (pipeIn is not null) p.StandardInput.BaseStream.Write(pipeIn);
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), $"{name} did not finish");
        copy.Wait();
        Assert.Equal(0, p.ExitCode);
        return (console.Result, pipe.ToArray());
    }

    private static string RunOnKernel(params (string Name, ulong Arg)[] programs)
    {
        var k = new VmLab.Sim.Kernel.Kernel(new KernelOptions { Seams = KernelSeams.Reference with { PipeKernel = TeachingPipe.Best } });
        foreach (var (name, arg) in programs) Assert.True(k.Spawn(name, arg) > 0);
        k.Run(500_000_000);
        Assert.Empty(k.Processes);
        return k.Console;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(57)]
    [InlineData(400)]
    public void The_pipe_pair_sends_and_checks_the_same_messages_on_Linux_as_on_the_kernel(int messages)
    {
        var lines = RunOnKernel(("pipewriter", (ulong)messages), ("pipereader", (ulong)messages)).Split('\n');
        var (writer, stream) = RunHost("pipewriter", (ulong)messages);
        var (reader, _) = RunHost("pipereader", (ulong)messages, stream);
        Assert.Equal(messages, stream.Count(b => b == '\n'));
        Assert.Contains(writer.TrimEnd('\n'), lines);
        Assert.Contains(reader.TrimEnd('\n'), lines);
        Assert.StartsWith($"pipewriter: {messages} messages sent, checksum ", writer);
        Assert.Equal(writer.Split("checksum ")[1], reader.Split("checksum ")[1]);
    }

    [Theory]
    [InlineData("hello", 0)]
    [InlineData("alice", 0)]
    [InlineData("alice", 3)]
    public void The_programs_print_the_same_lines_on_Linux_as_on_the_kernel(string name, ulong arg)
    {
        string console = RunOnKernel((name, arg));
        Assert.StartsWith(name == "hello" ? "Hello, world! I am pid 1\n" : "alice (pid 1): round 1\n", console);
        Assert.Equal(console, RunHost(name, arg).Console);
    }

    [Theory]
    [InlineData("hello", 0)]
    [InlineData("alice", 4)]
    [InlineData("bigdata", 0)]
    public void The_programs_alone_on_the_x86_CPU_print_what_they_print_on_the_kernel(string name, ulong arg)
    {
        Assert.Equal(RunOnKernel((name, arg)) + "[exit 0]\n", X86ElfRunner.Run(VmLab.Sim.Elf.ElfPrograms.Image(name)!, arg));
    }
}
