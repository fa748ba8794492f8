using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace VmLab.Web.Tests;

/// <summary>The JSON API on the in-memory server: the contract's paths and keys, and refusals of bad input.</summary>
public class ApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Scenarios_lists_every_sim_run_scenario_with_its_options()
    {
        var json = await api.Get("/api/scenarios");
        var names = json.GetProperty("scenarios").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(VmLab.Sim.Scenarios.Scenario.All.Select(s => s.Name), names);
        var fork = json.GetProperty("scenarios").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "fork");
        Assert.Equal(["naive", "cow", "steps"], fork.GetProperty("options").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task The_catalog_gives_each_option_as_the_simulator_declares_it()
    {
        var json = await api.Get("/api/scenarios");
        var count = json.GetProperty("scenarios").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "forkexit")
            .GetProperty("options").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "count");
        var declared = VmLab.Sim.Scenarios.Scenario.ForkExit.Option("count")!;
        Assert.Equal(("int", (long)declared.Default, declared.Min, declared.Max, declared.Help),
            (count.GetProperty("type").GetString(), count.GetProperty("default").GetInt64(), count.GetProperty("min").GetInt64(),
             count.GetProperty("max").GetInt64(), count.GetProperty("help").GetString()));
        var kernel = json.GetProperty("scenarios").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "pipe")
            .GetProperty("options").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "kernel");
        Assert.Equal(["naive", "blocking", "batching", "best"], kernel.GetProperty("values").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("best", kernel.GetProperty("default").GetString());
    }

    [Fact]
    public async Task A_machine_steps_and_its_state_has_the_contract_keys()
    {
        string id = await api.Create("hello");
        var step = await api.Step(id, new { count = 3 });
        Assert.Equal(3, step.GetProperty("step").GetInt64());
        var state = await api.Get($"/api/machines/{id}");
        foreach (string key in new[] { "step", "processes", "frames", "events", "console", "checker_errors" })
            Assert.True(state.TryGetProperty(key, out _), key);
        Assert.Equal(3, state.GetProperty("step").GetInt64());
        var p = state.GetProperty("processes")[0];
        Assert.Equal("hello", p.GetProperty("name").GetString());
        Assert.StartsWith("0x", p.GetProperty("registers").GetProperty("rip").GetString());
        Assert.False(string.IsNullOrEmpty(p.GetProperty("instruction").GetString()));
        Assert.Equal(512, state.GetProperty("frames").GetArrayLength());     // 2 MiB of 4 KiB frames

        while (!(await api.Step(id, new { until = "event" })).GetProperty("finished").GetBoolean()) { }
        state = await api.Get($"/api/machines/{id}");
        Assert.Contains("Hello, world! I am pid 1", state.GetProperty("console").GetString());
        Assert.Contains(state.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "exit");
        Assert.Equal(0, state.GetProperty("leaked_frames").GetInt32());
        var ended = state.GetProperty("ended")[0];
        Assert.Equal("exited", ended.GetProperty("state").GetString());
        Assert.Equal(0, ended.GetProperty("exit_status").GetInt64());
    }

    [Fact]
    public async Task Walk_shows_four_levels_and_the_cow_fault_before_the_childs_first_write()
    {
        string id = await api.Create("fork", new { cow = true });
        JsonElement fault = default;
        for (int i = 0; i < 200 && fault.ValueKind == JsonValueKind.Undefined; i++)
        {
            await api.Step(id, new { until = "event" });
            var timeline = await api.Get($"/api/machines/{id}/timeline");
            fault = timeline.GetProperty("events").EnumerateArray().FirstOrDefault(e => e.GetProperty("kind").GetString() == "fault");
        }
        Assert.NotEqual(JsonValueKind.Undefined, fault.ValueKind);
        var seek = await api.Client.PostAsJsonAsync($"/api/machines/{id}/seek", new { step = fault.GetProperty("step").GetInt64() });
        Assert.True(seek.IsSuccessStatusCode);
        var events = (await api.Get($"/api/machines/{id}?events=50")).GetProperty("events");
        Assert.DoesNotContain(events.EnumerateArray(), e => e.GetProperty("kind").GetString() == "fault");   // not yet taken
        var child = fault.GetProperty("pid").GetInt32();
        var faultEvent = (await api.Get($"/api/machines/{id}/timeline")).GetProperty("events");
        ulong x = VmLab.Sim.Elf.ElfPrograms.Image("forker")!.Symbols["x"];     // the variable the child writes first
        var walk = await api.Get($"/api/machines/{id}/walk?pid={child}&va=0x{x:x}&access=write");
        var levels = walk.GetProperty("levels");
        Assert.Equal(["PML4", "PDPT", "PD", "PT"], levels.EnumerateArray().Select(l => l.GetProperty("table").GetString()));
        foreach (var l in levels.EnumerateArray())
        {
            Assert.StartsWith("0x", l.GetProperty("entry").GetString());
            Assert.True(l.TryGetProperty("index", out _) && l.TryGetProperty("flags", out _));
        }
        Assert.False(walk.TryGetProperty("pa", out _));
        Assert.Contains("copy-on-write", walk.GetProperty("fault").GetProperty("explanation").GetString());
        var read = await api.Get($"/api/machines/{id}/walk?pid={child}&va=0x{x:x}&access=read");
        Assert.StartsWith("0x", read.GetProperty("pa").GetString());
    }

    [Fact]
    public async Task The_steps_option_is_the_instruction_budget_as_in_sim_run()
    {
        string id = await api.Create("forkexit", new { count = 500, steps = 1234 });
        var r = await api.Step(id, new { count = 5000 });
        Assert.Equal(1234, r.GetProperty("step").GetInt64());
        Assert.True(r.GetProperty("finished").GetBoolean());
    }

    [Fact]
    public async Task Tlb_reports_the_running_process_entries()
    {
        string id = await api.Create("hello");
        await api.Step(id, new { count = 10 });
        var tlb = await api.Get($"/api/machines/{id}/tlb?pid=1");
        Assert.True(tlb.GetProperty("loaded").GetBoolean());
        Assert.Contains(tlb.GetProperty("entries").EnumerateArray(), e => e.GetProperty("va").GetString() == "0x100000");
        Assert.True(tlb.GetProperty("misses").GetInt64() > 0);
        Assert.True(tlb.GetProperty("cr3_loads").GetInt64() >= 2);       // boot, then the switch to pid 1
    }

    public static TheoryData<string, string, string> BadRequests => new()
    {
        { "POST", "/api/machines", """{"scenario": "nope"}""" },
        { "POST", "/api/machines", """{"scenario": "fork", "options": {"naive": true, "cow": true}}""" },
        { "POST", "/api/machines", """{"scenario": "hello", "options": {"count": 3}}""" },
        { "POST", "/api/machines", """{"scenario": "forkexit", "options": {"count": -5}}""" },
        { "POST", "/api/machines", """{"scenario": "pipe", "options": {"kernel": "fast"}}""" },
        { "POST", "/api/machines", """{"scenario": """ },
        { "POST", "/api/machines", """[1, 2]""" },
        { "POST", "/api/machines", "" },
        { "POST", "/api/machines/{id}/step", """{"count": -1}""" },
        { "POST", "/api/machines/{id}/step", """{"count": 0}""" },
        { "POST", "/api/machines/{id}/step", """{"count": 99999999999999999999}""" },
        { "POST", "/api/machines/{id}/step", """{"count": 1000000000}""" },
        { "POST", "/api/machines/{id}/step", """{"count": "ten"}""" },
        { "POST", "/api/machines/{id}/step", """{"until": "forever"}""" },
        { "POST", "/api/machines/{id}/seek", """{"step": 99999}""" },
        { "POST", "/api/machines/{id}/seek", """{"step": -1}""" },
        { "GET", "/api/machines/{id}/walk?pid=1&va=banana&access=read", "" },
        { "GET", "/api/machines/{id}/walk?pid=1&va=0x1g000&access=read", "" },
        { "GET", "/api/machines/{id}/walk?pid=1&va=0x99999999999999999999&access=read", "" },
        { "GET", "/api/machines/{id}/walk?pid=1&va=0x1000&access=jump", "" },
        { "GET", "/api/machines/{id}/walk?pid=9&va=0x1000", "" },
        { "GET", "/api/machines/{id}/walk?pid=-1&va=0x1000", "" },
        { "GET", "/api/machines/{id}/walk?va=0x1000", "" },
        { "GET", "/api/machines/{id}/tlb?pid=x", "" },
        { "GET", "/api/machines/{id}?events=100000", "" },
        { "POST", "/api/exercises/pages", """{"va": "0x1001", "size": "0x10"}""" },
        { "POST", "/api/exercises/check-mapping", """{"pairs": []}""" },
        { "GET", "/api/maze/walk?start=nowhere&bits=01", "" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_a_400_with_one_line_of_json(string method, string path, string body)
    {
        string id = await api.Create("hello");
        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", id));
        if (method == "POST") request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        var r = await api.Client.SendAsync(request);
        string text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.BadRequest, $"{path} {body}: {(int)r.StatusCode} {text}");
        Assert.DoesNotContain('\n', text);
        string error = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.DoesNotContain("Exception", error);
        Assert.DoesNotContain(" at ", error);
    }

    [Fact]
    public async Task An_unknown_machine_is_a_404_with_json()
    {
        var r = await api.Client.PostAsJsonAsync("/api/machines/0123456789abcdef/step", new { count = 1 });
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Contains("no machine", (await ApiFixture.Json(r)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Sessions_are_bounded_and_the_oldest_is_evicted()
    {
        var ids = new List<string>();
        for (int i = 0; i < 10; i++) ids.Add(await api.Create("hello"));
        Assert.True(api.Store.Count <= api.Store.Capacity);
        var first = await api.Client.GetAsync($"/api/machines/{ids[0]}");
        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        await api.Get($"/api/machines/{ids[^1]}");
    }

    [Fact]
    public async Task The_page_and_its_modules_are_served_from_the_assembly()
    {
        var page = await api.Client.GetStringAsync("/");
        Assert.Contains("<script type=\"module\"", page);
        Assert.DoesNotContain("http", page.Replace("http-equiv", ""));     // no CDN
        var js = await api.Client.GetAsync("/app.js");
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        Assert.Contains("javascript", js.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Exercises_answer_with_the_sim_verbs_results()
    {
        var check = await api.Client.PostAsJsonAsync("/api/exercises/check-mapping",
            new { pairs = new[] { new { va = "0x0", pa = "0x0" }, new { va = "0xa", pa = "0xa" }, new { va = "0x3009", pa = "0x19009" } } });
        Assert.True((await ApiFixture.Json(check)).GetProperty("valid").GetBoolean());
        var calls = await api.Client.PostAsJsonAsync("/api/exercises/map-calls",
            new { pairs = new[] { new { va = "0x0", pa = "0x1f000" }, new { va = "0x4019", pa = "0x19" } } });
        var c = await ApiFixture.Json(calls);
        Assert.Equal(2, c.GetProperty("calls").GetArrayLength());
        var pages = await api.Client.PostAsJsonAsync("/api/exercises/pages", new { va = "0x1ff0", size = "0x20", aligned = false });
        Assert.Equal(2, (await ApiFixture.Json(pages)).GetProperty("virtual_pages").GetInt64());
        var maze = await api.Get("/api/maze");
        Assert.True(maze.GetProperty("rooms").GetArrayLength() > 0);
    }
}
