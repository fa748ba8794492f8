using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Kernel;

public sealed partial class Kernel
{
    // A user fault the kernel does not fix (Trap tried copy-on-write first) kills the process, in words.
    private void UserFault(Process p, in MemoryFault f)
    {
        ulong rip = p.Registers.Rip;
        string access = f.Access switch { Access.Write => "write", Access.Fetch => "fetch", _ => "read" };
        string kind = f.Kind switch
        {
            FaultKind.PageFault => "PAGE FAULT",
            FaultKind.DivideError => "DIVIDE ERROR",
            _ => "GENERAL PROTECTION FAULT",
        };
        string problem = f.Kind == FaultKind.PageFault
            ? (f.ErrorCode & PageFaultError.Present) != 0 ? "protection problem" : "missing page"
            : f.Cause != FaultCause.None ? f.CauseText
            : f.Kind == FaultKind.DivideError ? "divide error"
            : f.Address == rip && f.Access == Access.Fetch ? "privileged instruction" : "non-canonical address";
        KillForFault(p, kind, f.Address, access, (uint)f.ErrorCode, rip, problem, f.Kind == FaultKind.PageFault);
    }

    // #UD: an instruction outside the CPU's subset (or no instruction at all) ends the process, never a wrong result.
    private void InvalidOpcode(Process p)
    {
        ulong rip = p.Registers.Rip;
        KillWith(p, "INVALID OPCODE", rip, "fetch", 0, rip, false, $"invalid opcode at RIP 0x{rip:x} ({Cpu.InvalidMnemonic}) (pid {p.Pid})");
    }

    private void KillForFault(Process p, string kind, ulong address, string access, uint error, ulong rip, string problem, bool pageFault = false)
    {
        KillWith(p, kind, address, access, error, rip, pageFault, $"{kind} on 0x{address:x} (pid {p.Pid}, {access}, {problem}, rip=0x{rip:x})");
    }

    private void KillWith(Process p, string kind, ulong address, string access, uint error, ulong rip, bool pageFault, string message)
    {
        _faults.Add(new FaultRecord(p.Pid, kind, address, access, error, rip, true, message));
        _console.Append(message).Append('\n');     // on the machine's console, as WeensyOS prints it
        Record(new(Cpu.InstructionCount, KernelEventKind.Fault, p.Pid, message)
        {
            Address = address, Access = access, ErrorCode = pageFault ? error : null,
            Meaning = pageFault ? MemoryFault.Describe((PageFaultError)error) : null, Handled = false,
        });
        Terminate(p, ProcessState.Killed, message);
    }
}
