using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VmLab.Sim.Scenarios;

namespace VmLab.Web.Tests;

/// <summary>One busy machine slows nothing else, on a real Kestrel: requests queued on it wait without holding a
/// thread, the queue is bounded (429 past it), and a far seek replays at most one checkpoint gap.</summary>
public class BusyMachineTests
{
    [Fact]
    public async Task With_one_machines_queue_full_other_requests_are_answered_and_one_more_on_it_is_429()
    {
        var store = new SessionStore();
        await using var server = await WebServer.StartAsync("127.0.0.1", 0, store);
        using var client = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(60) };
        string busy = store.Create(Scenario.Pipe, new ScenarioArgs());
        string other = store.Create(Scenario.Hello, new ScenarioArgs());

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = store.UseAsync(busy, async m => { await gate.Task; return m.Step; });   // the machine's turn, held
        var queued = Enumerable.Range(0, store.QueueLimit - 1)
            .Select(_ => client.PostAsJsonAsync($"/api/machines/{busy}/step", new { count = 1000 })).ToList();
        for (int i = 0; i < 400 && store.Admitted(busy) < store.QueueLimit; i++) await Task.Delay(25);
        Assert.Equal(store.QueueLimit, store.Admitted(busy));

        var refused = await client.PostAsJsonAsync($"/api/machines/{busy}/step", new { count = 1 });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("busy", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.True(refused.Headers.RetryAfter is not null);

        // Everything else is served while the busy machine's queue is full.
        Assert.Contains("scenarios", await client.GetStringAsync("/api/scenarios"));
        var step = await client.PostAsJsonAsync($"/api/machines/{other}/step", new { count = 50 });
        Assert.Equal(50, (await step.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("step").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/machines/{other}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/machines", new { scenario = "fork" })).StatusCode);
        Assert.False(holder.IsCompleted);
        Assert.All(queued, q => Assert.False(q.IsCompleted));

        gate.SetResult();
        await holder;
        var answers = await Task.WhenAll(queued);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var state = await client.GetFromJsonAsync<JsonElement>($"/api/machines/{busy}");
        Assert.Equal(1000L * (store.QueueLimit - 1), state.GetProperty("step").GetInt64());     // each ran, one after another
        Assert.Equal(0, store.Admitted(busy));
    }

    [Fact]
    public async Task A_step_that_would_run_for_minutes_stops_at_the_request_time_limit_and_says_so()
    {
        // A tenth of a second per request, and a million naive-pipe messages (a syscall every few instructions, tens of
        // millions of instructions in all): the step stops for time long before its 20 million instructions.
        var store = new SessionStore { RequestLimit = TimeSpan.FromMilliseconds(100) };
        await using var server = await WebServer.StartAsync("127.0.0.1", 0, store);
        using var client = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(60) };
        string id = store.Create(Scenario.Pipe, Scenario.Pipe.Args(("kernel", "naive"), ("messages", 1_000_000)));
        var r = await (await client.PostAsJsonAsync($"/api/machines/{id}/step", new { count = 20_000_000 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(r.GetProperty("time_limited").GetBoolean());
        Assert.InRange(r.GetProperty("retired").GetInt64(), 1, 19_999_999);
        Assert.False(r.GetProperty("finished").GetBoolean());
        var state = await client.GetFromJsonAsync<JsonElement>($"/api/machines/{id}");
        Assert.Equal(r.GetProperty("step").GetInt64(), state.GetProperty("step").GetInt64());
        var small = await (await client.PostAsJsonAsync($"/api/machines/{id}/step", new { count = 10 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(small.GetProperty("time_limited").GetBoolean());
        Assert.Equal(10, small.GetProperty("retired").GetInt64());
    }

    [Fact]
    public async Task A_far_seek_back_replays_at_most_one_checkpoint_gap()
    {
        var store = new SessionStore();
        await using var server = await WebServer.StartAsync("127.0.0.1", 0, store);
        using var client = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(60) };
        var created = await client.PostAsJsonAsync("/api/machines", new { scenario = "pipe", options = new { kernel = "naive", messages = 1_000_000 } });
        string id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        long furthest = 0;
        while (furthest < 6_000_000)
            furthest = (await (await client.PostAsJsonAsync($"/api/machines/{id}/step", new { count = 3_000_000 })).Content
                .ReadFromJsonAsync<JsonElement>()).GetProperty("step").GetInt64();
        foreach (long target in new[] { 1, furthest / 2 + 12_345, furthest - 1, 0, furthest })
        {
            var seek = await client.PostAsJsonAsync($"/api/machines/{id}/seek", new { step = target });
            Assert.Equal(target, (await seek.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("step").GetInt64());
            var (_, replay) = await store.UseAsync(id, m => Task.FromResult((m.LastReplay, m.Checkpoints.WidestGap)));
            Assert.InRange(replay.LastReplay, 0, replay.WidestGap);
        }
    }
}
