namespace VmLab.Linux.LazyCopy;

/// <summary>Finds the view holding an address: each view is filed under every 64 KiB granule it overlaps, so a
/// lookup is one dictionary probe and a short list, for any number of views. Not thread-safe.</summary>
internal sealed class ViewTable<T> where T : class, ViewTable<T>.IView
{
    private const int GranuleShift = 16;
    private readonly Dictionary<long, List<T>> _granules = [];

    internal interface IView
    {
        nint Address { get; }
        int Length { get; }
    }

    public int Count { get; private set; }

    public void Add(T v)
    {
        for (long g = First(v); g <= Last(v); g++)
        {
            if (!_granules.TryGetValue(g, out var list))
                _granules[g] = list = new List<T>(1);
            list.Add(v);
        }
        Count++;
    }

    public void Remove(T v)
    {
        for (long g = First(v); g <= Last(v); g++)
        {
            if (_granules.TryGetValue(g, out var list) && list.Remove(v) && list.Count == 0)
                _granules.Remove(g);
        }
        Count--;
    }

    /// <summary>The view containing <paramref name="address"/>, or null.</summary>
    public T? Find(nint address)
    {
        if (!_granules.TryGetValue(address >> GranuleShift, out var list))
            return null;
        foreach (var v in list)
            if ((ulong)(address - v.Address) < (ulong)v.Length)
                return v;
        return null;
    }

    private static long First(T v) => v.Address >> GranuleShift;

    private static long Last(T v) => (v.Address + v.Length - 1) >> GranuleShift;
}
