using VmLab.Sim.Paging;

namespace VmLab.Sim.X86;

public sealed partial class X86Cpu<TBus>
{
    private ulong _curVpn = ulong.MaxValue;
    private XCodePage? _curPage;
    private readonly XOp[] _single = new XOp[1];
    private readonly byte[] _fetchBytes = new byte[15];

    /// <summary>The instruction at va as the CPU would fetch it now (through the bus, at <see cref="Privilege"/>),
    /// disassembled; "(bad)" with no bytes when the fetch faults. For traces: call it before <see cref="Step"/>.</summary>
    public X86Line DisassembleAt(ulong va, X86Syntax syntax = X86Syntax.Gnu, Func<ulong, string?>? symbols = null)
    {
        Span<byte> bytes = stackalloc byte[15];
        int n = 0;
        while (n < bytes.Length && _bus.TryLoad(va + (ulong)n, 1, Access.Fetch, Privilege, out ulong b, out _))
            bytes[n++] = (byte)b;
        return X86Disassembler.One(bytes[..n], va, syntax, symbols);
    }

    private void BeginRun()
    {
        _code.NewEpoch();
        _curVpn = ulong.MaxValue;
        _curPage = null;
        Array.Clear(_codeTags);
        _codeWritten = false;
        _f = new LazyFlags { Flags = (_regs.Rflags & Fl.UserWritable) | Fl.Fixed | Fl.IF };
    }

    private void EndRun() => _regs.Rflags = Flags();

    /// <summary>The decoded instructions starting at rip: a cached block of the code page when the bus offers
    /// the page's bytes, else one instruction fetched through the bus. False with LastFault set when the
    /// fetch faults.</summary>
    private bool FetchBlock(ulong rip, out XOp[] ops, out int count)
    {
        ulong vpn = rip >> 12;
        if (vpn != _curVpn)
        {
            if (!_bus.TryGetCodePage(rip & ~0xFFFUL, Privilege, out byte[] frame, out int offset)
                || offset < 0 || (long)offset + 4096 > frame.Length)
                return FetchUncached(rip, out ops, out count);
            _curPage = _code.Page(frame, offset);
            _curVpn = vpn;
            _codeTags[(int)vpn & 15] = vpn + 1;
        }
        int off = (int)(rip & 0xFFF);
        XBlock? b = _curPage!.Blocks[off];
        if (b is null || b.Epoch != _code.Epoch)
        {
            b = _code.Block(_curPage, off);
            if (b is null) return FetchUncached(rip, out ops, out count);
        }
        ops = b.Ops;
        count = ops.Length;
        return true;
    }

    /// <summary>One instruction read byte by byte through the bus: for an instruction that crosses into the next
    /// page, or a bus without a code-page window. A fetch fault counts only if the decoder needed that byte.</summary>
    private bool FetchUncached(ulong rip, out XOp[] ops, out int count)
    {
        ops = _single;
        count = 1;
        int n = 0;
        MemoryFault fault = default;
        while (n < _fetchBytes.Length)
        {
            if (!_bus.TryLoad(rip + (ulong)n, 1, Access.Fetch, Privilege, out ulong b, out fault)) break;
            _fetchBytes[n++] = (byte)b;
        }
        XOp op = XCodeCache.DecodeOne(_fetchBytes.AsSpan(0, n), out bool truncated);
        if (truncated && fault.IsFault) return Fail(fault);
        _single[0] = op;
        return true;
    }
}
