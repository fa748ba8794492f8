using System.Runtime.CompilerServices;

namespace VmLab.Sim.Cpu;

public sealed partial class Cpu<TBus>
{
    // The block copies are restartable: rsi/rdi/rcx advance after every finished step, so when a load or store
    // faults, the bytes before it are done, the registers say exactly how far, rip stays on the instruction,
    // and running it again continues from there. A step is one byte, or 8 bytes when both pointers are 8-aligned
    // (an aligned 8-byte access never spans pages, so the fault lands on the same byte as a byte-wise copy).

    /// <summary>rep movsb: copy rcx bytes from [rsi] to [rdi], ascending.</summary>
    private bool RepMovsb(ref ulong r0)
    {
        ref ulong rcx = ref Unsafe.Add(ref r0, (int)Reg.Rcx);
        ref ulong rsi = ref Unsafe.Add(ref r0, (int)Reg.Rsi);
        ref ulong rdi = ref Unsafe.Add(ref r0, (int)Reg.Rdi);
        while (rcx != 0)
        {
            int n = rcx >= 8 && ((rsi | rdi) & 7) == 0 ? 8 : 1;
            if (!Load(rsi, n, out ulong v) || !Store(rdi, n, v))
                return false;
            rsi += (ulong)n;
            rdi += (ulong)n;
            rcx -= (ulong)n;
        }
        return true;
    }

    /// <summary>rep stosb: store the low byte of rax into rcx bytes at [rdi], ascending.</summary>
    private bool RepStosb(ref ulong r0)
    {
        ref ulong rcx = ref Unsafe.Add(ref r0, (int)Reg.Rcx);
        ref ulong rdi = ref Unsafe.Add(ref r0, (int)Reg.Rdi);
        ulong fill = (byte)r0 * 0x0101010101010101UL;
        while (rcx != 0)
        {
            int n = rcx >= 8 && (rdi & 7) == 0 ? 8 : 1;
            if (!Store(rdi, n, fill))
                return false;
            rdi += (ulong)n;
            rcx -= (ulong)n;
        }
        return true;
    }
}
