using System.Collections.Concurrent;
using System.Security.Cryptography;
using VmLab.Sim.Kernel;
using VmLab.Sim.Scenarios;
using VmLab.Sim.Viewer;

namespace VmLab.Web;

/// <summary>
/// The live machines, one per browser session. Bounded: at most <see cref="Capacity"/>; creating one more
/// evicts the least recently used, and machines idle longer than <see cref="IdleLimit"/> are dropped. Each
/// machine serves one request at a time; the others wait for it without holding a thread, at most
/// <see cref="QueueLimit"/> per machine (the running one included): one more is refused with 429.
/// </summary>
internal sealed class SessionStore(int capacity = 32, TimeSpan? idleLimit = null, TimeProvider? clock = null, int queueLimit = 20)
{
    internal sealed class Entry(MachineSession session, DateTimeOffset now)
    {
        private long _lastUsed = now.UtcTicks;

        public MachineSession Session { get; } = session;

        public DateTimeOffset LastUsed
        {
            get => new(Interlocked.Read(ref _lastUsed), TimeSpan.Zero);
            set => Interlocked.Exchange(ref _lastUsed, value.UtcTicks);
        }

        public SemaphoreSlim Turn { get; } = new(1, 1);

        public int Admitted;       // requests running or waiting their turn
    }

    private readonly ConcurrentDictionary<string, Entry> _entries = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly object _createLock = new();

    public int Capacity { get; } = capacity;

    public TimeSpan IdleLimit { get; } = idleLimit ?? TimeSpan.FromMinutes(30);

    public int QueueLimit { get; } = queueLimit;

    /// <summary>The most simulation one step request runs before it answers, saying it stopped for time
    /// (<see cref="Simulator.RequestLimit"/> unless a test wants a quicker stop).</summary>
    public TimeSpan RequestLimit { get; init; } = Simulator.RequestLimit;

    public int Count => _entries.Count;

    /// <summary>Seams every machine boots with over its scenario's own (a student's, from <c>web --workspace</c>).</summary>
    public SeamOverlay? Seams { get; init; }

    /// <summary>Machines in child processes hosting a student's seams (<c>web --workspace</c>): see <see cref="HostedMachines"/>.</summary>
    public MachineHosting? Hosting { get; init; }

    /// <summary>The user's programs (<c>web --program</c>) as the scenario "program", listed first; null without them.</summary>
    public ProgramsScenario? Programs { get; init; }

    /// <summary>The quiz generator the page's quiz panel uses (the CLI hands it <c>vmlab quiz</c>'s); null: no quiz.</summary>
    public QuizSource? Quiz { get; init; }

    public string Create(Scenario scenario, ScenarioArgs args)
    {
        MachineSession session;
        try
        {
            session = new MachineSession(scenario, args with { Seams = Seams ?? args.Seams });
        }
        catch (InvalidOperationException e) when (Seams is not null)
        {
            throw new BadRequest($"your kernel panicked while {scenario.Name} booted: {e.Message}", 422);
        }
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

    /// <summary>
    /// Runs <paramref name="use"/> on the machine when its turn comes (after the requests before it); false when
    /// the id is unknown (or evicted). Throws <see cref="BadRequest"/> 429 when <see cref="QueueLimit"/> requests are
    /// already running or waiting on this machine.
    /// </summary>
    public async Task<(bool Found, T Result)> UseAsync<T>(string id, Func<MachineSession, Task<T>> use, CancellationToken cancel = default)
    {
        EvictIdle();
        if (!_entries.TryGetValue(id, out var entry)) return (false, default!);
        if (Interlocked.Increment(ref entry.Admitted) > QueueLimit)
        {
            Interlocked.Decrement(ref entry.Admitted);
            throw new BadRequest($"machine {id} is busy: {QueueLimit} requests are already running or waiting on it; try again when they are answered", 429);
        }
        try
        {
            await entry.Turn.WaitAsync(cancel);
            try
            {
                entry.LastUsed = _clock.GetUtcNow();
                return (true, await use(entry.Session));
            }
            finally
            {
                entry.LastUsed = _clock.GetUtcNow();
                entry.Turn.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref entry.Admitted);
        }
    }

    /// <summary>Requests running or waiting on machine <paramref name="id"/>.</summary>
    public int Admitted(string id) => _entries.TryGetValue(id, out var e) ? Volatile.Read(ref e.Admitted) : 0;

    public bool Remove(string id) => _entries.TryRemove(id, out _);

    public void EvictIdle()
    {
        var cutoff = _clock.GetUtcNow() - IdleLimit;
        foreach (var (id, entry) in _entries)
            if (entry.LastUsed < cutoff && entry.Admitted == 0) _entries.TryRemove(id, out _);
    }
}
