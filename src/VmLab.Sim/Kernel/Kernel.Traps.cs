using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;

namespace VmLab.Sim.Kernel;

public sealed partial class Kernel
{
    // The kernel entry: what stopped the CPU decides what happens to the process.
    private void Trap(Process p, StopReason reason)
    {
        switch (reason)
        {
            case StopReason.Budget: break;
            case StopReason.Timer: Log($"timer interrupt in pid {p.Pid}"); Preempt(); break;
            case StopReason.Syscall: SyscallTrap(p); break;
            case StopReason.Fault: UserFault(p, Cpu.LastFault); break;
            case StopReason.Halt:     // only reachable at kernel privilege: user hlt is #GP (a Fault)
                KillForFault(p, "GENERAL PROTECTION", p.Registers.Rip, "fetch", 0, p.Registers.Rip, "hlt is privileged");
                break;
            case StopReason.InvalidOpcode:
                InvalidOpcode(p);
                break;
        }
    }

    // A page fault on a copy-on-write page is the kernel's business; every other user fault kills the process.
    private void UserFault(Process p, in MemoryFault f)
    {
        ulong rip = p.Registers.Rip;
        if (f.Kind == FaultKind.PageFault && f.Access == Access.Write && (f.ErrorCode & PageFaultError.Present) != 0
            && CopyOnWriteFault(p, f.Address))
        {
            NoteFault(p, f.Address, "write", (uint)f.ErrorCode, handled: true,
                $"copy-on-write fault on 0x{f.Address:x} (pid {p.Pid}, write to a shared read-only page): the kernel copied the page");
            return;
        }
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
        _console.Append(message).Append('\n');
        Log(message);
        NoteFault(p, address, access, pageFault ? error : null, handled: false, message);
        Terminate(p, ProcessState.Killed, message);
    }
}
