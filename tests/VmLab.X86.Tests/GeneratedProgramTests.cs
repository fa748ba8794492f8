namespace VmLab.X86.Tests;

/// <summary>
/// Random C programs (<see cref="CProgramGenerator"/>, fixed seeds) at every gcc level, on VmLab's teaching kernel
/// (the interpreter, and the translator once a loop is hot) and on the host CPU: the hash each prints and the status
/// it exits with must agree. Where the corpus holds programs written to probe one feature, these mix every integer
/// width, division, shift, select and bit builtin in shapes no one wrote by hand.
/// </summary>
public class GeneratedProgramTests
{
    private static readonly string[] Levels = ["-O0", "-O1", "-O2", "-O3", "-Os"];

    /// <summary>Seeds 1-8; VMLAB_GENERATED_SEEDS=FIRST,COUNT sweeps others.</summary>
    public static TheoryData<int> Seeds() =>
        Environment.GetEnvironmentVariable("VMLAB_GENERATED_SEEDS")?.Split(',') is [var first, var count]
        && int.TryParse(first, out int f) && int.TryParse(count, out int n) && n > 0
            ? new(Enumerable.Range(f, n))
            : new(Enumerable.Range(1, 8));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_generated_program_runs_as_on_the_host_cpu_at_every_level(int seed)
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-generated-").FullName;
        try
        {
            string source = Path.Combine(dir, $"gen{seed}.c");
            File.WriteAllText(source, CProgramGenerator.Generate(seed));
            var outputs = new (string Host, string VmLab)[Levels.Length];
            Parallel.For(0, Levels.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 },
                i => outputs[i] = CBuilds.Both(source, [Levels[i]]));
            for (int i = 0; i < Levels.Length; i++)
            {
                var (host, vmlab) = outputs[i];
                Assert.Matches(@"^[0-9a-f]{16}\n\[exit \d+\]$", host);
                Assert.True(host == vmlab, $"seed {seed} {Levels[i]} ({source} kept):\nthe host printed {host}\nVmLab printed {vmlab}");
            }
            // the levels compile one program: they agree with each other too
            Assert.Single(outputs.Select(o => o.Host).Distinct());
        }
        catch
        {
            dir = "";   // keep the failing program for a look
            throw;
        }
        finally
        {
            if (dir != "") Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The generated programs mean one thing at every level: built for the host with gcc's undefined
    /// behaviour sanitizer, none overflows a signed value, shifts past its width or divides by zero. (Seeds whose
    /// signed products overflowed gave one hash at -O0 and another at -O2: the generator's error, which the
    /// comparison level by level cannot see and the one across levels took for the CPU's.)</summary>
    [Fact]
    public void Generated_programs_have_no_undefined_behaviour()
    {
        string dir = Directory.CreateTempSubdirectory("vmlab-generated-ub-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "u-lib.h"), HostedLib());
            var problems = new string?[24];
            Parallel.For(0, problems.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                int seed = i + 1;
                string source = Path.Combine(dir, $"gen{seed}.c"), binary = Path.Combine(dir, $"gen{seed}");
                File.WriteAllText(source, CProgramGenerator.Generate(seed));
                CBuilds.Gcc(["-O2", "-fsanitize=undefined", "-fno-sanitize-recover=all", "-w", "-I", dir, "-o", binary, source]);
                var (exit, log) = RunWithErrors(binary);
                if (exit != 0 || log.Contains("runtime error", StringComparison.Ordinal))
                    problems[i] = $"seed {seed}: exit {exit}: {log.Trim()}";
            });
            string[] found = [.. problems.OfType<string>()];
            Assert.True(found.Length == 0, string.Join("\n", found));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>u-lib.h for a program that runs under Linux's libc: printing and exit from libc, and the kernel
    /// programs' own generator, as the library defines it.</summary>
    private static string HostedLib()
    {
        string lib = File.ReadAllText(Path.Combine(CBuilds.RepoRoot, "native/user/lib/u-lib.h"));
        int start = lib.IndexOf("static inline uint64_t rand_next", StringComparison.Ordinal);
        Assert.True(start >= 0, "u-lib.h has no rand_next");
        int end = lib.IndexOf("\n}\n", start, StringComparison.Ordinal);
        Assert.True(end > start, "u-lib.h's rand_next has no end");
        return "#include <stdio.h>\n#include <stdlib.h>\n#include <stdint.h>\n#define console_printf printf\n#define sys_exit(s) exit(0)\n"
            + lib[start..(end + 3)]
            + "void process_main(void);\nint main(void) { process_main(); return 0; }\n";
    }

    /// <summary>The program's exit status and all it printed, the sanitizer's report on stderr included.</summary>
    private static (int Exit, string Output) RunWithErrors(string program)
    {
        var info = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        string error = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            return (-1, program + " did not end in 60 s");
        }
        return (p.ExitCode, output.Result + error);
    }

    [Fact]
    public void The_generator_gives_one_program_per_seed()
    {
        Assert.Equal(CProgramGenerator.Generate(3), CProgramGenerator.Generate(3));
        Assert.NotEqual(CProgramGenerator.Generate(3), CProgramGenerator.Generate(4));
    }
}
