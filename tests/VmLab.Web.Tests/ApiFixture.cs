using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace VmLab.Web.Tests;

/// <summary>The application on the in-memory test server, with a small session store so eviction shows.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private WebApplication? _app;

    internal SessionStore Store { get; } = new(capacity: 4);

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        _app = WebServer.Build(builder, Store);
        await _app.StartAsync();
        Client = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }

    public async Task<string> Create(string scenario, object? options = null)
    {
        var r = await Client.PostAsJsonAsync("/api/machines", new { scenario, options });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (await Json(r)).GetProperty("id").GetString()!;
    }

    public async Task<JsonElement> Step(string id, object body)
    {
        var r = await Client.PostAsJsonAsync($"/api/machines/{id}/step", body);
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return await Json(r);
    }

    public async Task<JsonElement> Get(string path)
    {
        var r = await Client.GetAsync(path);
        Assert.True(r.IsSuccessStatusCode, $"{path}: {await r.Content.ReadAsStringAsync()}");
        return await Json(r);
    }

    public static async Task<JsonElement> Json(HttpResponseMessage r) =>
        JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.Clone();
}
