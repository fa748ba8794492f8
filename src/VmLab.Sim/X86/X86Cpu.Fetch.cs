using System.Runtime.CompilerServices;
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
    public X86Line DisassembleAt(ulong va, X86Syntax syntax = X86Syntax.Gnu, Func<ulong, X86Symbol?>? symbols = null)
    {
        Span<byte> bytes = stackalloc byte[15];
        int n = 0;
        while (n < bytes.Length && _bus.TryLoad(va + (ulong)n, 1, Access.Fetch, Privilege, out ulong b, out _))
            bytes[n++] = (byte)b;
        return X86Disassembler.One(bytes[..n], va, syntax, symbols);
    }

    private bool _unchanged;

    /// <summary>Tells the CPU that since its last Run nothing it caches can have changed: no byte of memory, no
    /// mapping, no TLB entry, no register but those it left (the kernel took a timer interrupt and resumes the
    /// same process). The next Run then keeps the code-cache epoch and the host TLB instead of checking every
    /// decoded block and compiled region against memory again and walking the page table for every page.</summary>
    internal void ResumeUnchanged() => _unchanged = true;

    private void BeginRun()
    {
        if (_unchanged)
        {
            _unchanged = false;
            _codeWritten = false;
            _f = new LazyFlags { Flags = (_regs.Rflags & Fl.UserWritable) | Fl.Fixed | Fl.IF };
            return;
        }
        _code.NewEpoch();
        NewHostGeneration();
        ForgetCodePages();
        Array.Clear(_codeTags);
        _codeWritten = false;
        _f = new LazyFlags { Flags = (_regs.Rflags & Fl.UserWritable) | Fl.Fixed | Fl.IF };
    }

    private void EndRun() => _regs.Rflags = _f.Full();

    /// <summary>The decoded instructions starting at rip: a cached block of the code page when the bus offers
    /// the page's bytes, else one instruction fetched through the bus. False with LastFault set when the
    /// fetch faults. block is the cached in-page block (the unit the translator starts from), else null.</summary>
    private bool FetchBlock(ulong rip, out XOp[] ops, out int count, out XBlock? block)
    {
        block = null;
        ulong vpn = rip >> 12;
        if (vpn != _curVpn && !SwitchCodePage(vpn)) return FetchUncached(rip, out ops, out count);
        if (PageBlock(rip) is not { } b) return FetchStraddling(rip, out ops, out count);
        block = b;
        ops = b.Ops;
        count = ops.Length;
        return true;
    }

    /// <summary>Makes the code page of virtual page vpn the current one: the one this run last found there when it
    /// is still tagged (a jump back and forth between two pages, as a call into another page's function makes,
    /// costs no bus lookup), else the bus's page for a fetch now. False when the bus offers no page there.</summary>
    private bool SwitchCodePage(ulong vpn)
    {
        int slot = (int)vpn & 15;
        if (_pageVpns[slot] == vpn + 1 && _codeTags[slot] == vpn + 1)
        {
            _curPage = _pages[slot];
            _curVpn = vpn;
            return true;
        }
        if (!_bus.TryGetPage(vpn << 12, Access.Fetch, Privilege, out byte[] frame, out int offset)
            || offset < 0 || (long)offset + 4096 > frame.Length)
            return false;
        _curPage = _code.Page(frame, offset);
        _curVpn = vpn;
        TagCode(vpn);
        _pages[slot] = _curPage;
        _pageVpns[slot] = vpn + 1;
        return true;
    }

    // The code pages this run has fetched from, by virtual page, direct-mapped as the tags are: valid while the
    // page's tag is, and forgotten whenever the current page is (a new run, a restored checkpoint).
    private readonly XCodePage?[] _pages = new XCodePage?[16];
    private readonly ulong[] _pageVpns = new ulong[16];

    internal void ForgetCodePages()
    {
        _curVpn = ulong.MaxValue;
        _curPage = null;
        Array.Clear(_pages);
        Array.Clear(_pageVpns);
    }

    /// <summary>The cached in-page block at rip, made the current fetch position, for a compiled region to go on
    /// into without the dispatcher; null where the dispatcher must fetch (no page window, a straddling
    /// instruction).</summary>
    internal XBlock? ChainBlock(ulong rip)
    {
        ulong vpn = rip >> 12;
        return vpn != _curVpn && !SwitchCodePage(vpn) ? null : PageBlock(rip);
    }

    /// <summary>The code page at virtual page vpn when this run has fetched from it and it is still tagged as code,
    /// without a bus lookup: the page after a region's, whose blocks the region may take in only if they ran.</summary>
    internal XCodePage? FetchedCodePage(ulong vpn)
    {
        int slot = (int)vpn & 15;
        return _pageVpns[slot] == vpn + 1 && _codeTags[slot] == vpn + 1 ? _pages[slot] : null;
    }

    /// <summary>The code page at virtual page vpn now, made the current fetch position and tagged as code (a store
    /// into it is noticed, as when the dispatcher fetches there); null when it cannot be fetched from.</summary>
    internal XCodePage? CodePageAt(ulong vpn) => vpn == _curVpn || SwitchCodePage(vpn) ? _curPage : null;

    /// <summary>The block at rip in the current code page: the cached one when it was checked this epoch, else
    /// decoded or checked now; null when its first instruction runs past the page end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private XBlock? PageBlock(ulong rip)
    {
        int off = (int)(rip & 0xFFF);
        XBlock? b = _curPage!.Blocks[off];
        return b is null || b.Epoch != _code.Epoch ? _code.Block(_curPage, off) : b;
    }

    /// <summary>The decoded page the last fetch found code in.</summary>
    internal XCodePage? CurrentCodePage => _curPage;

    /// <summary>The decoded-block cache (the translator forms regions from its blocks).</summary>
    internal XCodeCache CodeCache => _code;

    /// <summary>Marks a virtual page as one this run executes from, so a store into it is noticed. The tags
    /// are a small direct-mapped table: when a page's tag is pushed out, stores into it would go unnoticed
    /// from then on, so every block is checked against memory again before it next runs.</summary>
    private void TagCode(ulong vpn)
    {
        ref ulong tag = ref _codeTags[(int)vpn & 15];
        if (tag == vpn + 1) return;
        if (tag != 0) _code.NewEpoch();
        tag = vpn + 1;
        DropWriteEntry(vpn);   // stores into it must take the slow path from now on
    }

    /// <summary>An instruction that starts at the end of the current code page and runs on into the next one:
    /// cached like any other, but valid only with the same bytes on both pages, the next virtual page mapping
    /// to where they were read from, and fetch allowed there; checked again whenever the epoch or the next
    /// virtual page differs. If the next page cannot be fetched from, the bytes go through the bus one by one
    /// so the fault is the one the fetch would raise (on the second page, only if the decoder needs it).</summary>
    private bool FetchStraddling(ulong rip, out XOp[] ops, out int count)
    {
        ulong va2 = (rip | 0xFFF) + 1, vpn2 = va2 >> 12;
        int off = (int)(rip & 0xFFF);
        XBlock? b = _curPage!.Blocks[off];
        if (b is null || b.Tail == 0 || b.CheckedEpoch != _code.Epoch || b.CheckedVpn != vpn2)
        {
            if (!_bus.TryGetPage(va2, Access.Fetch, Privilege, out byte[] frame2, out int offset2)
                || offset2 < 0 || (long)offset2 + 4096 > frame2.Length)
                return FetchUncached(rip, out ops, out count);
            TagCode(vpn2);
            b = _code.Straddling(_curPage, off, frame2, offset2, vpn2);
        }
        ops = b.Ops;
        count = ops.Length;
        return true;
    }

    /// <summary>One instruction read byte by byte through the bus: for an instruction that crosses into a page
    /// that cannot be fetched from as a whole, or a bus without a code-page window. A fetch fault counts only if the decoder needed that byte.</summary>
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
        XOp op = _code.DecodeOne(_fetchBytes.AsSpan(0, n), out bool truncated);
        if (truncated && fault.IsFault) return Fail(fault);
        _single[0] = op;
        return true;
    }
}
