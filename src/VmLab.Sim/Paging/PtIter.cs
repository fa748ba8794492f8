using System.Runtime.InteropServices;
using VmLab.Sim.Memory;

namespace VmLab.Sim.Paging;

/// <summary>
/// Visits every page-table page of a <see cref="PageTable"/> except the root, depth-first with children
/// before their parent, so a loop may free each page as it is visited (WeensyOS ptiter):
/// <code>for (var it = pt.TablePages(); !it.Done; it.Next()) allocator.Free(it.Pa);</code>
/// No allocation per step: the path is kept in fixed arrays.
/// </summary>
public sealed class PtIter
{
    private readonly PhysicalMemory _memory;
    private readonly ulong[] _table = new ulong[VirtualAddress.Levels];   // table page being scanned per level
    private readonly int[] _index = new int[VirtualAddress.Levels];       // next entry to scan per level
    private int _level = 3;
    private bool _onPage;

    /// <summary>
    /// An iterator positioned on the first table page of <paramref name="pt"/> below the root (<see cref="Done"/> at
    /// once when there is none).
    /// </summary>
    public PtIter(PageTable pt)
    {
        _memory = pt.Memory;
        _table[3] = pt.Root;
        Advance();
    }

    // QUERIES

    /// <summary>True when every page has been visited.</summary>
    public bool Done { get; private set; }

    /// <summary>Physical address of the current page-table page.</summary>
    public ulong Pa => _table[_level];

    /// <summary>Level of the current page: 0 = page table (PT), 1 = page directory, 2 = PDPT.</summary>
    public int Level => _level;

    /// <summary>First virtual address the current page translates.</summary>
    public ulong Va
    {
        get
        {
            ulong va = 0;
            for (int l = _level + 1; l < VirtualAddress.Levels; l++)
                va |= (ulong)_index[l] << (VirtualAddress.PageShift + 9 * l);
            return VirtualAddress.Canonicalize(va);
        }
    }

    /// <summary>One past the last virtual address the current page translates.</summary>
    public ulong LastVa => Va + VirtualAddress.EntrySpan(_level + 1);

    // TRAVERSAL

    /// <summary>Moves to the next page-table page (sets <see cref="Done"/> after the last).</summary>
    public void Next()
    {
        if (Done) return;
        Advance();
    }

    private void Advance()
    {
        if (_onPage)
        {
            _onPage = false;
            _level++;
            _index[_level]++;
        }
        while (true)
        {
            // The entries are read in place; a never-written table page reads as zeros. A leaf table (level 0) has
            // no table below it, so only its address is checked, not its entries.
            var entries = _memory.FrameArrayOrNull(_table[_level]) is { } frame && _level > 0
                ? MemoryMarshal.Cast<byte, ulong>(frame.AsSpan()) : [];
            int next = _index[_level] < entries.Length ? entries[_index[_level]..].IndexOfAnyExcept(0UL) : -1;
            if (next < 0)
            {
                _index[_level] = VirtualAddress.EntriesPerTable;
                if (_level == 3)
                {
                    Done = true;
                    return;
                }
                _onPage = true;
                return;
            }
            _index[_level] += next;
            ulong e = entries[_index[_level]];
            if ((e & (Pte.PTE_P | Pte.PTE_PS)) == Pte.PTE_P)
            {
                _level--;
                _table[_level] = Pte.Address(e);
                _index[_level] = 0;
            }
            else
            {
                _index[_level]++;
            }
        }
    }
}
