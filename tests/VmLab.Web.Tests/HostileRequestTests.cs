using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace VmLab.Web.Tests;

/// <summary>Requests an attacker or a careless client sends, on a real Kestrel: every refusal is one line of JSON
/// with the right status, Kestrel's own refusals included; foreign Host names and cross-origin writes are refused.</summary>
public class HostileRequestTests(KestrelFixture web) : IClassFixture<KestrelFixture>
{
    private static void AssertJsonLine(KestrelFixture.Raw r, int status)
    {
        Assert.True(r.Status == status, $"expected {status}, got {r.Status}: {r.Head} {r.Body}");
        Assert.Contains("Content-Type: application/json", r.Head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', r.Body);
        Assert.False(string.IsNullOrWhiteSpace(r.Error));
        Assert.DoesNotContain("Exception", r.Error);
    }

    private string Host => $"127.0.0.1:{web.Port}";

    [Fact]
    public async Task A_50_MB_body_is_413_json_even_past_kestrels_30_MB_default()
    {
        var r = await web.Send($"POST /api/machines HTTP/1.1\r\nHost: {Host}\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n",
            bodyBytes: 50_000_000);
        AssertJsonLine(r, 413);
        Assert.Contains("65536", r.Error);
        var client = await web.Client.PostAsync("/api/machines", new ByteArrayContent(new byte[50_000_000]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, client.StatusCode);
        Assert.Contains("larger than", (await client.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_413_with_or_without_a_content_length()
    {
        var sized = await web.Send($"POST /api/exercises/pages HTTP/1.1\r\nHost: {Host}\r\nContent-Length: 100000\r\n\r\n", bodyBytes: 100_000);
        AssertJsonLine(sized, 413);
        var chunked = new StringBuilder($"POST /api/exercises/pages HTTP/1.1\r\nHost: {Host}\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 25; i++) chunked.Append("1000\r\n").Append('x', 0x1000).Append("\r\n");
        chunked.Append("0\r\n\r\n");
        AssertJsonLine(await web.Send(chunked.ToString()), 413);
        var endpointWithoutBody = await web.Send($"POST /api/machines/0123/reset HTTP/1.1\r\nHost: {Host}\r\nContent-Length: 200000\r\n\r\n", 200_000);
        AssertJsonLine(endpointWithoutBody, 413);
    }

    [Theory]
    [InlineData("100000000")]
    [InlineData("ffffffffffff")]
    public async Task A_chunk_size_past_what_kestrel_counts_is_400_not_a_server_fault(string size)
    {
        var r = await web.Send($"POST /api/machines HTTP/1.1\r\nHost: {Host}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{size}\r\nabc\r\n0\r\n\r\n");
        AssertJsonLine(r, 400);
        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/api/scenarios")).StatusCode);
    }

    public static TheoryData<string, int> KestrelRefusals => new()
    {
        { "GET /api/" + new string('a', 20_000) + " HTTP/1.1\r\nHost: HOST\r\n\r\n", 414 },
        { "GET /api/scenarios HTTP/1.1\r\nHost: HOST\r\nX-Big: " + new string('b', 40_000) + "\r\n\r\n", 431 },
        { "GET /api/scenarios HTTP/1.1\r\nHost: HOST\r\n" + string.Concat(Enumerable.Range(0, 150).Select(i => $"X-{i}: y\r\n")) + "\r\n", 431 },
        { "GARBAGE\r\n\r\n", 400 },
        { "GET /api/scenarios HTTP/1.1\r\nHost: HOST\r\nthis is not a header\r\n\r\n", 400 },
        { "GET /api/scenarios HTTP/1.1\r\n\r\n", 400 },                                       // HTTP/1.1 needs a Host
        { "POST /api/machines HTTP/1.1\r\nHost: HOST\r\nContent-Length: ten\r\n\r\n", 400 },
        { "GET /api/scenarios HTTP/7.0\r\nHost: HOST\r\n\r\n", 505 },
    };

    [Theory]
    [MemberData(nameof(KestrelRefusals))]
    public async Task What_kestrel_refuses_before_the_api_runs_is_json_too(string request, int status)
    {
        AssertJsonLine(await web.Send(request.Replace("HOST", Host)), status);
    }

    [Fact]
    public async Task A_refusal_after_a_good_request_on_the_same_connection_is_json_and_the_good_answer_is_untouched()
    {
        var r = await web.Send($"GET /api/scenarios HTTP/1.1\r\nHost: {Host}\r\n\r\nGET /x HTTP/1.1\r\nbroken\r\n\r\n", untilClosed: true);
        Assert.Equal(200, r.Status);
        Assert.Contains("\"scenarios\"", r.Body);
        Assert.Contains("HTTP/1.1 400 Bad Request", r.Body);
        Assert.EndsWith("}", r.Body.TrimEnd());
        Assert.Contains("not valid HTTP", r.Body);
    }

    [Theory]
    [InlineData("GET", "/no/such/page", 404)]
    [InlineData("PUT", "/index.html", 404)]
    [InlineData("DELETE", "/api/scenarios", 404)]
    [InlineData("GET", "/api/machines/0123/step", 404)]
    public async Task Unknown_paths_and_methods_are_json(string method, string path, int status)
    {
        AssertJsonLine(await web.Send($"{method} {path} HTTP/1.1\r\nHost: {Host}\r\nContent-Length: 0\r\n\r\n"), status);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:PORT")]
    [InlineData("localhost.evil.example:PORT")]
    [InlineData("127.0.0.2:PORT")]
    public async Task A_foreign_host_name_is_refused(string host)
    {
        var r = await web.Send($"GET /api/scenarios HTTP/1.1\r\nHost: {host.Replace("PORT", web.Port.ToString())}\r\n\r\n");
        AssertJsonLine(r, 400);
        Assert.Contains("localhost, 127.0.0.1, [::1]", r.Error);
        var page = await web.Send($"GET / HTTP/1.1\r\nHost: {host.Replace("PORT", web.Port.ToString())}\r\n\r\n");
        AssertJsonLine(page, 400);
    }

    [Theory]
    [InlineData("localhost:PORT")]
    [InlineData("127.0.0.1:PORT")]
    [InlineData("[::1]:PORT")]
    [InlineData("LOCALHOST:8080")]                                     // an ssh tunnel's local port
    public async Task Loopback_names_are_served(string host)
    {
        var r = await web.Send($"GET /api/scenarios HTTP/1.1\r\nHost: {host.Replace("PORT", web.Port.ToString())}\r\n\r\n");
        Assert.Equal(200, r.Status);
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://localhost:1")]                                 // another local site is another origin
    [InlineData("null")]
    public async Task A_cross_origin_post_or_delete_is_403_and_changes_nothing(string origin)
    {
        string body = """{"scenario": "hello"}""";
        var create = await web.Send($"POST /api/machines HTTP/1.1\r\nHost: {Host}\r\nOrigin: {origin}\r\nContent-Type: application/json\r\n" +
                                    $"Content-Length: {body.Length}\r\n\r\n{body}");
        AssertJsonLine(create, 403);
        Assert.Contains("cross-origin", create.Error);
        string id = await Create();
        var delete = await web.Send($"DELETE /api/machines/{id} HTTP/1.1\r\nHost: {Host}\r\nOrigin: {origin}\r\n\r\n");
        AssertJsonLine(delete, 403);
        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync($"/api/machines/{id}")).StatusCode);
    }

    [Fact]
    public async Task The_servers_own_origin_and_clients_without_one_may_post()
    {
        string body = """{"scenario": "hello"}""";
        var r = await web.Send($"POST /api/machines HTTP/1.1\r\nHost: {Host}\r\nOrigin: http://{Host}\r\nContent-Type: application/json\r\n" +
                               $"Content-Length: {body.Length}\r\n\r\n{body}");
        Assert.Equal(200, r.Status);
        Assert.NotNull(await Create());
    }

    [Fact]
    public async Task Deleting_an_unknown_machine_is_404_and_a_known_one_only_once()
    {
        var unknown = await web.Client.DeleteAsync("/api/machines/0123456789abcdef");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no machine", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        string id = await Create();
        var first = await web.Client.DeleteAsync($"/api/machines/{id}");
        Assert.True((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deleted").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await web.Client.DeleteAsync($"/api/machines/{id}")).StatusCode);
    }

    [Fact]
    public async Task Finished_agrees_between_the_step_answer_and_the_snapshot_when_the_budget_is_spent()
    {
        var created = await web.Client.PostAsJsonAsync("/api/machines", new { scenario = "forkexit", options = new { steps = 1000 } });
        string id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var step = await (await web.Client.PostAsJsonAsync($"/api/machines/{id}/step", new { count = 999 })).Content.ReadFromJsonAsync<JsonElement>();
        var state = await web.Client.GetFromJsonAsync<JsonElement>($"/api/machines/{id}");
        Assert.False(step.GetProperty("finished").GetBoolean());
        Assert.False(state.GetProperty("finished").GetBoolean());
        step = await (await web.Client.PostAsJsonAsync($"/api/machines/{id}/step", new { count = 5 })).Content.ReadFromJsonAsync<JsonElement>();
        state = await web.Client.GetFromJsonAsync<JsonElement>($"/api/machines/{id}");
        Assert.Equal(1000, step.GetProperty("step").GetInt64());
        Assert.True(step.GetProperty("finished").GetBoolean());
        Assert.True(state.GetProperty("finished").GetBoolean());
        Assert.NotEmpty(state.GetProperty("processes").EnumerateArray());   // still runnable: the budget ended it
    }

    private async Task<string> Create()
    {
        var r = await web.Client.PostAsJsonAsync("/api/machines", new { scenario = "hello" });
        return (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
