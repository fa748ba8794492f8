namespace VmLab.Sim.Paging;

/// <summary>The MMU's control bits and counters.</summary>
internal sealed record MmuState(bool WriteProtect, bool NoExecute, bool GlobalPages, int MaxPhysBits, int Version, long Walks);

public sealed partial class Mmu
{
    internal MmuState Save() => new(_writeProtect, _noExecute, _globalPages, _maxPhysBits, Version, Walks);

    internal void Restore(MmuState s)
    {
        (_writeProtect, _noExecute, _globalPages, _maxPhysBits) = (s.WriteProtect, s.NoExecute, s.GlobalPages, s.MaxPhysBits);
        _addressReserved = ReservedAddressBits(_maxPhysBits);
        Version = s.Version;
        Walks = s.Walks;
    }
}
