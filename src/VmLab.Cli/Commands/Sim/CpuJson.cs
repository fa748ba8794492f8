using System.Text.Json;
using VmLab.Sim.Kernel;

namespace VmLab.Cli.Commands.Sim;

/// <summary>What <c>sim cpu --json</c> prints, written field by field with System.Text.Json's writer (the keys,
/// order, layout and escaping the serializer gives this record; a test compares the two byte for byte). The
/// serializer's first run of a process costs ~25 ms: it describes the type and JIT-compiles its generic property
/// and converter code over value types, which no ReadyToRun image holds; sim cpu is timed as a student runs it.</summary>
internal sealed record CpuJson(
    string Program, long Instructions, string StopReason, bool OutOfTime, bool Exited, long? ExitStatus, string? KillReason,
    string Output, string Console, long Syscalls, IReadOnlyList<FaultRecord> Faults, IEnumerable<CpuTraceJson>? Trace,
    bool TraceTruncated, bool Passed, string Verdict, int LeakedFrames, IReadOnlyList<string> CheckerErrors) : IWritesJson
{
    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("program", Program);
        w.WriteNumber("instructions", Instructions);
        w.WriteString("stop_reason", StopReason);
        w.WriteBoolean("out_of_time", OutOfTime);
        w.WriteBoolean("exited", Exited);
        if (ExitStatus is { } status) w.WriteNumber("exit_status", status);
        else w.WriteNull("exit_status");
        w.WriteString("kill_reason", KillReason);
        w.WriteString("output", Output);
        w.WriteString("console", Console);
        w.WriteNumber("syscalls", Syscalls);
        w.WriteStartArray("faults");
        foreach (var f in Faults)
            Write(w, f);
        w.WriteEndArray();
        if (Trace is null)
            w.WriteNull("trace");
        else
        {
            w.WriteStartArray("trace");
            foreach (var step in Trace)
                step.Write(w);
            w.WriteEndArray();
        }
        w.WriteBoolean("trace_truncated", TraceTruncated);
        w.WriteBoolean("passed", Passed);
        w.WriteString("verdict", Verdict);
        w.WriteNumber("leaked_frames", LeakedFrames);
        w.WriteStartArray("checker_errors");
        foreach (string e in CheckerErrors)
            w.WriteStringValue(e);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, FaultRecord f)
    {
        w.WriteStartObject();
        w.WriteNumber("pid", f.Pid);
        w.WriteString("kind", f.Kind);
        w.WriteNumber("address", f.Address);
        w.WriteString("access", f.Access);
        w.WriteNumber("error_code", f.ErrorCode);
        w.WriteNumber("rip", f.Rip);
        w.WriteBoolean("killed", f.Killed);
        w.WriteString("message", f.Message);
        w.WriteString("cause", f.Cause);
        w.WriteString("where", f.Where);
        w.WriteString("instruction", f.Instruction);
        w.WriteNumber("vector", f.Vector);
        w.WriteString("signal", f.Signal);
        w.WriteEndObject();
    }
}

/// <summary>One traced instruction in <see cref="CpuJson"/>.</summary>
internal sealed record CpuTraceJson(ulong Address, string Text, IReadOnlyDictionary<string, string> Registers, string Flags,
    IReadOnlyList<TracedStore> Memory)
{
    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("address", Address);
        w.WriteString("text", Text);
        w.WriteStartObject("registers");
        foreach (var (name, value) in Registers)
            w.WriteString(JsonOutput.Options.DictionaryKeyPolicy!.ConvertName(name), value);
        w.WriteEndObject();
        w.WriteString("flags", Flags);
        w.WriteStartArray("memory");
        foreach (var m in Memory)
        {
            w.WriteStartObject();
            w.WriteNumber("address", m.Address);
            w.WriteNumber("size", m.Size);
            w.WriteString("value", m.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
