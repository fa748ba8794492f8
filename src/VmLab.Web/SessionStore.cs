using System.Collections.Concurrent;
using System.Security.Cryptography;
using VmLab.Sim.Kernel;
using VmLab.Sim.Scenarios;
using VmLab.Sim.Viewer;

namespace VmLab.Web;

/// <summary>
/// The live machines, one per browser session. Bounded: at most <see cref="Capacity"/>; creating one more
/// evicts the least recently used, and machines idle longer than <see cref="IdleLimit"/> are dropped. Each
/// machine is used by one request at a time (its lock).
/// </summary>
internal sealed class SessionStore(int capacity = 32, TimeSpan? idleLimit = null, TimeProvider? clock = null)
{
    internal sealed class Entry(MachineSession session, DateTimeOffset now)
    {
        public MachineSession Session { get; } = session;
        public DateTimeOffset LastUsed { get; set; } = now;
        public object Lock { get; } = new();
    }

    private readonly ConcurrentDictionary<string, Entry> _entries = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly object _createLock = new();

    public int Capacity { get; } = capacity;

    public TimeSpan IdleLimit { get; } = idleLimit ?? TimeSpan.FromMinutes(30);

    public int Count => _entries.Count;

    public string Create(Scenario scenario, ScenarioArgs args)
    {
        var session = new MachineSession(scenario, args);
        lock (_createLock)
        {
            EvictIdle();
            while (_entries.Count >= Capacity && _entries.MinBy(kv => kv.Value.LastUsed) is { Key: { } oldest })
                _entries.TryRemove(oldest, out _);
            string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            _entries[id] = new Entry(session, _clock.GetUtcNow());
            return id;
        }
    }

    /// <summary>Runs <paramref name="use"/> on the machine under its lock; null when the id is unknown (or evicted).</summary>
    public bool TryUse<T>(string id, Func<MachineSession, T> use, out T result)
    {
        result = default!;
        EvictIdle();
        if (!_entries.TryGetValue(id, out var entry)) return false;
        lock (entry.Lock)
        {
            entry.LastUsed = _clock.GetUtcNow();
            result = use(entry.Session);
        }
        return true;
    }

    public bool Remove(string id) => _entries.TryRemove(id, out _);

    public void EvictIdle()
    {
        var cutoff = _clock.GetUtcNow() - IdleLimit;
        foreach (var (id, entry) in _entries)
            if (entry.LastUsed < cutoff) _entries.TryRemove(id, out _);
    }
}
