using System.Runtime.CompilerServices;
using Iced.Intel;

namespace VmLab.Sim.X86;

/// <summary>A run of decoded instructions from one code page, ending at a control transfer or the page end,
/// with a copy of the bytes it was decoded from; or one instruction that runs on into the next page
/// (<see cref="Tail"/> of its bytes come from there).</summary>
internal sealed class XBlock(XOp[] ops, byte[] bytes, int tail = 0)
{
    public readonly XOp[] Ops = ops;
    public readonly byte[] Bytes = bytes;
    public readonly int Tail = tail;
    // In-page blocks: the epoch they were last compared in. A straddling block leaves it 0 (never current):
    // it also depends on which frame the next virtual page maps to, so it is checked by (epoch, next vpn).
    public uint Epoch;
    public uint CheckedEpoch;
    public ulong CheckedVpn;
    // The translator's: how often the block was entered from the dispatcher, and the compiled region that
    // holds it as a block start, with its entry piece there (or XRegion.Refused when none can be compiled).
    public int Heat;
    public XRegion? Region;
    public int Entry;
    // The region that held the block before Region took it over, while the background JIT compiles Region.
    public XRegion? Previous;
    public int PreviousEntry;
}

/// <summary>The decoded blocks of one physical code page, indexed by the offset they start at.</summary>
internal sealed class XCodePage(byte[] frame, int offset)
{
    public readonly byte[] Frame = frame;
    public readonly int Offset = offset;
    public readonly XBlock?[] Blocks = new XBlock?[4096];
    // The translator's: jumps from one compiled region of the page to another (each through the dispatcher's
    // loop) since the page was last compiled as one, and the instructions compiled for it so far.
    public long Chained;
    public long Compiled;
    // host TLB misses that left the page's regions (XJit.MissLimit)
    public long Misses;
    // the merges compiled for the page, by shape (XMerge)
    public List<XMerge>? Merges;
}

/// <summary>
/// Decoded instructions cached by physical page, as QEMU does: the key is the host array the bus hands out
/// for the frame (one per physical frame in <c>PagedBus</c>), so a page shared by several processes or mapped
/// at several addresses is decoded once, and the decoded form is position-independent. Validity is by
/// content: a block is compared with the memory it came from the first time it runs in each epoch, and the
/// epoch advances at every Run (the kernel may have written anything, or changed any mapping, in between)
/// and at every store the CPU makes into a page it is executing from. So neither a CR3 load, an INVLPG, a
/// recycled frame nor self-modifying code ever runs stale instructions.
/// </summary>
internal sealed class XCodeCache
{
    private const int MaxPages = 256;   // a page's table is 32 KiB: at most 8 MiB, then start over
    private const int MaxBlockOps = 64;
    private readonly Dictionary<FrameKey, XCodePage> _pages = new();
    private readonly List<XOp> _scratch = new(MaxBlockOps);
    private uint _epoch = 1;

    public long Decoded { get; private set; }

    public long Invalidated { get; private set; }

    public uint Epoch => _epoch;

    public void NewEpoch()
    {
        if (++_epoch == 0) _epoch = 1;   // 0 marks a straddling block as never current
    }

    public void Clear() => _pages.Clear();

    public XCodePage Page(byte[] frame, int offset)
    {
        var key = new FrameKey(frame, offset);
        if (_pages.TryGetValue(key, out XCodePage? page)) return page;
        if (_pages.Count >= MaxPages) _pages.Clear();
        page = new XCodePage(frame, offset);
        _pages[key] = page;
        return page;
    }

    /// <summary>The block at offset off of the page, decoded now if missing or if its bytes changed;
    /// null when the first instruction runs past the page end (see <see cref="Straddling"/>).</summary>
    public XBlock? Block(XCodePage page, int off)
    {
        XBlock? b = page.Blocks[off];
        if (b is { Tail: > 0 }) return null;
        if (b is not null)
        {
            if (page.Frame.AsSpan(page.Offset + off, b.Bytes.Length).SequenceEqual(b.Bytes))
            {
                b.Epoch = _epoch;
                return b;
            }
            Invalidated++;
        }
        b = Decode(page, off);
        page.Blocks[off] = b;
        return b;
    }

    private XBlock? Decode(XCodePage page, int off)
    {
        var reader = new ByteArrayCodeReader(page.Frame, page.Offset + off, 4096 - off);
        var decoder = Decoder.Create(64, reader, (ulong)off);
        _scratch.Clear();
        int end = off;
        while (_scratch.Count < MaxBlockOps && end < 4096)
        {
            decoder.Decode(out Instruction ins);
            if (decoder.LastError == DecoderError.NoMoreBytes) break;
            XOp op = XDecoder.Decode(ins);
            _scratch.Add(op);
            end += op.Len;
            if (XCodes.EndsBlock(op.Code)) break;
        }
        if (_scratch.Count == 0) return null;
        Decoded++;
        return new XBlock(_scratch.ToArray(), page.Frame.AsSpan(page.Offset + off, end - off).ToArray()) { Epoch = _epoch };
    }

    /// <summary>
    /// The instruction at off that runs on into the next page, whose frame (as the next virtual page maps it
    /// now, vpn2) is frame2 at offset2: the cached one when the bytes on both pages still match, else decoded
    /// again (into an in-page block if the new bytes end inside the page).
    /// </summary>
    public XBlock Straddling(XCodePage page, int off, byte[] frame2, int offset2, ulong vpn2)
    {
        int head = 4096 - off;
        XBlock? b = page.Blocks[off];
        if (b is { Tail: > 0 })
        {
            if (page.Frame.AsSpan(page.Offset + off, head).SequenceEqual(b.Bytes.AsSpan(0, head))
                && frame2.AsSpan(offset2, b.Tail).SequenceEqual(b.Bytes.AsSpan(head)))
            {
                b.CheckedEpoch = _epoch;
                b.CheckedVpn = vpn2;
                return b;
            }
            Invalidated++;
        }
        b = Decode(page, off) ?? DecodeStraddling(page, off, frame2, offset2);
        b.CheckedEpoch = _epoch;
        b.CheckedVpn = vpn2;
        page.Blocks[off] = b;
        return b;
    }

    private XBlock DecodeStraddling(XCodePage page, int off, byte[] frame2, int offset2)
    {
        int head = 4096 - off;
        Span<byte> bytes = stackalloc byte[15];
        page.Frame.AsSpan(page.Offset + off, head).CopyTo(bytes);
        frame2.AsSpan(offset2, 15 - head).CopyTo(bytes[head..]);
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes.ToArray()), (ulong)off);
        decoder.Decode(out Instruction ins);
        XOp op = XDecoder.Decode(ins);
        // an undecodable sequence may have depended on every byte looked at
        int used = ins.IsInvalid ? 15 : Math.Clamp(ins.Length, head + 1, 15);
        Decoded++;
        return new XBlock([op], bytes[..used].ToArray(), used - head);
    }

    /// <summary>Decodes the one instruction in bytes (which may come from two pages), uncached (still counted
    /// in <see cref="Decoded"/>: every decode costs the same).</summary>
    public XOp DecodeOne(ReadOnlySpan<byte> bytes, out bool truncated)
    {
        Decoded++;
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes.ToArray()), 0);
        decoder.Decode(out Instruction ins);
        truncated = decoder.LastError == DecoderError.NoMoreBytes;
        return XDecoder.Decode(ins);
    }

    private readonly struct FrameKey(byte[] frame, int offset) : IEquatable<FrameKey>
    {
        private readonly byte[] _frame = frame;
        private readonly int _offset = offset;

        public bool Equals(FrameKey other) => ReferenceEquals(_frame, other._frame) && _offset == other._offset;

        public override bool Equals(object? obj) => obj is FrameKey k && Equals(k);

        public override int GetHashCode() => RuntimeHelpers.GetHashCode(_frame) * 31 + _offset;
    }
}
