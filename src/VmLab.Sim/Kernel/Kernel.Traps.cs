using VmLab.Sim.Cpu;
using VmLab.Sim.Paging;
using VmLab.Sim.X86;
using static VmLab.Sim.Kernel.KernelLayout;
using static VmLab.Sim.Paging.Pte;

namespace VmLab.Sim.Kernel;

// Faults the kernel fixes (the stack growing) and the ones that end a process, said in one line: what happened,
// where (symbol+offset and the instruction, as objdump shows them) and why (NULL, stack overflow, #DE's reason).
public sealed partial class Kernel
{
    /// <summary>How far below rsp an access still counts as the stack's: the System V red zone.</summary>
    private const ulong RedZone = 128;

    // The stack grows on demand, as on Linux: an unmapped page in [StackLimit, StackPage) touched at or above
    // rsp - 128 gets a fresh zeroed page and the instruction runs again. False for every other fault, and when
    // no frame is free (then p dies of a stack overflow).
    private bool GrowStack(Process p, in MemoryFault f)
    {
        if (!NearStack(p, f) || (f.ErrorCode & PageFaultError.Present) != 0 || f.Address < StackLimit) return false;
        ulong page = f.Address & ~(PageSize - 1);
        if (!MapFresh(p.PageTable, page, PTE_P | PTE_W | PTE_U | PTE_NX, [])) return false;
        Tlb.Invlpg(page);
        Record(new(Cpu.InstructionCount, KernelEventKind.Fault, p.Pid,
            $"stack fault on 0x{f.Address:x} (pid {p.Pid}, below the stack, rsp=0x{p.Registers[Reg.Rsp]:x}): the kernel mapped a stack page at 0x{page:x}")
        {
            Address = f.Address, Access = AccessWord(f.Access), ErrorCode = (uint)f.ErrorCode, Meaning = MemoryFault.Describe(f.ErrorCode), Handled = true,
        });
        return true;
    }

    // A data access between rsp - 128 and the stack page, with rsp inside user space: the stack's own reach.
    private static bool NearStack(Process p, in MemoryFault f)
    {
        ulong rsp = p.Registers[Reg.Rsp];
        return f.Kind == FaultKind.PageFault && f.Access != Access.Fetch && rsp >= ProcStartAddr && rsp <= MemSizeVirtual
               && f.Address < StackPage && f.Address >= ProcStartAddr && f.Address + RedZone >= rsp;
    }

    // A user fault the kernel does not fix (Trap tried copy-on-write and the stack first) kills the process, in words.
    private void UserFault(Process p, in MemoryFault f)
    {
        ulong rip = p.Registers.Rip;
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
        string cause = f.Kind == FaultKind.PageFault ? PageFaultCause(p, f) : problem;
        string what = f.Kind == FaultKind.PageFault ? $"page fault at 0x{f.Address:x} {AccessVerb(f.Access)} ({cause})" : cause;
        bool fetchFault = f.Kind == FaultKind.PageFault && f.Access == Access.Fetch;
        KillWith(p, kind, f.Address, AccessWord(f.Access), (uint)f.ErrorCode, f.Kind == FaultKind.PageFault,
            $"{kind} on 0x{f.Address:x} (pid {p.Pid}, {AccessWord(f.Access)}, {problem}, rip=0x{rip:x})", what, cause,
            f.Kind switch { FaultKind.PageFault => 14, FaultKind.DivideError => 0, _ => 13 },
            f.Kind == FaultKind.DivideError ? "SIGFPE" : "SIGSEGV", fetchFault);
    }

    // user hlt: #GP, as for any privileged instruction at CPL 3.
    private void PrivilegedFault(Process p)
    {
        ulong rip = p.Registers.Rip;
        KillWith(p, "GENERAL PROTECTION", rip, "fetch", 0, false,
            $"GENERAL PROTECTION on 0x{rip:x} (pid {p.Pid}, fetch, hlt is privileged, rip=0x{rip:x})",
            "privileged instruction", "privileged instruction", 13, "SIGSEGV", false);
    }

    // #UD: an instruction outside the CPU's subset (or no instruction at all) ends the process, never a wrong result.
    private void InvalidOpcode(Process p)
    {
        ulong rip = p.Registers.Rip;
        string m = Cpu.InvalidMnemonic;
        (string cause, string what) = m switch
        {
            "(bad)" or "" => ("invalid everywhere", "no x86-64 instruction starts with these bytes"),
            "ud0" or "ud1" or "ud2" => ("invalid everywhere", $"{m} is invalid on every x86-64 CPU: it exists to raise #UD"),
            _ => ("outside VmLab's x86-64 subset", $"{m} is a real x86-64 instruction outside VmLab's subset (docs/x86.md)"),
        };
        KillWith(p, "INVALID OPCODE", rip, "fetch", 0, false, $"invalid opcode at RIP 0x{rip:x} ({m}) (pid {p.Pid})",
            what, cause, 6, "SIGILL", false);
    }

    // Why a page fault happened, as a programmer would say it.
    private static string PageFaultCause(Process p, in MemoryFault f)
    {
        bool present = (f.ErrorCode & PageFaultError.Present) != 0;
        if (f.Address < PageSize) return f.Access == Access.Fetch ? "NULL function pointer" : "NULL pointer dereference";
        if (NearStack(p, f)) return f.Address >= StackLimit ? "stack overflow: no free physical page for the stack"
            : $"stack overflow: rsp=0x{p.Registers[Reg.Rsp]:x} went past the guard page under the 1 MiB stack";
        if (f.Address >= MemSizeVirtual || f.Address < ProcStartAddr)
            return f.Address < ProcStartAddr && present ? "kernel memory, not user-accessible" : "outside the process's memory";
        if (!present) return "missing page";
        return f.Access switch
        {
            Access.Write => "write to a read-only page",
            Access.Fetch => "instruction fetch from a no-execute page",
            _ => "protection problem",
        };
    }

    private void KillWith(Process p, string kind, ulong address, string access, uint error, bool pageFault, string head,
        string what, string cause, int vector, string signal, bool fetchFault)
    {
        ulong rip = p.Registers.Rip;
        string where = SymbolOffset(p, rip);
        string insn = fetchFault ? "" : InstructionAt(p, rip);
        string message = $"{head}: {what}, in {where}" + (insn.Length > 0 ? $": {insn}" : fetchFault ? CameFrom(p) : "");
        FaultCount++;
        if (_faults.Count < FaultLimit)
            _faults.Add(new FaultRecord(p.Pid, kind, address, access, error, rip, true, message)
            {
                Cause = cause, Where = where, Instruction = insn, Vector = vector, Signal = signal,
            });
        if (_console.Length < ConsoleLimit) _console.Append(message).Append('\n');     // on the machine's console, as WeensyOS prints it
        Record(new(Cpu.InstructionCount, KernelEventKind.Fault, p.Pid, message)
        {
            Address = address, Access = access, ErrorCode = pageFault ? error : null,
            Meaning = pageFault ? MemoryFault.Describe((PageFaultError)error) : null, Handled = false,
        });
        Terminate(p, ProcessState.Killed, message);
    }

    // objdump's name for an address: "process_main+0x14", or the bare address where no symbol covers it.
    private static string SymbolOffset(Process p, ulong va) =>
        p.Image?.SymbolFor(va) is { } s ? (va == s.Address ? s.Name : $"{s.Name}+0x{va - s.Address:x}") : $"0x{va:x}";

    // After a jump to nowhere the code that jumped is gone from rip; a call left its return address on the stack.
    private string CameFrom(Process p)
    {
        Span<byte> top = stackalloc byte[8];
        if (!TryCopyFromUser(p, p.Registers[Reg.Rsp], top)) return "";
        ulong ret = BitConverter.ToUInt64(top);
        return p.Image?.Segments.Any(s => s.Executable && ret >= s.Address && ret < s.End) == true
            ? $" (the return address on the stack is {SymbolOffset(p, ret)})" : "";
    }

    // The instruction at rip in objdump's syntax, read through p's page table as p would fetch it ("" if unreadable).
    private string InstructionAt(Process p, ulong rip)
    {
        int toPageEnd = (int)(PageSize - (rip & (PageSize - 1)));
        foreach (int n in (int[])[15, Math.Min(15, toPageEnd)])
        {
            var bytes = new byte[n];
            if (!TryCopyFromUser(p, rip, bytes)) continue;
            var line = X86Disassembler.One(bytes, rip, X86Syntax.Gnu, p.Image is { } image ? image.SymbolFor : null);
            return line.Comment is null ? line.Instruction : $"{line.Instruction} {line.Comment}";
        }
        return "";
    }

    private static string AccessVerb(Access a) => a switch { Access.Write => "writing", Access.Fetch => "fetching", _ => "reading" };
}
