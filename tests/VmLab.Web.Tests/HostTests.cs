using System.Net;
using System.Net.Sockets;
using VmLab.Sim.Kernel;
using VmLab.Sim.Scenarios;

namespace VmLab.Web.Tests;

/// <summary>The server's life: one line with the URL, a port in use is one line and exit 1, idle machines go.</summary>
public class HostTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Run_prints_one_line_with_the_url_and_stops_when_cancelled()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var cancel = new CancellationTokenSource();
        var run = WebHost.RunAsync("127.0.0.1", 0, output, error, open: false, cancel.Token);
        for (int i = 0; i < 200 && !output.ToString().Contains("http://"); i++) await Task.Delay(50);
        string line = output.ToString().Trim();
        Assert.Single(line.Split('\n'));
        Assert.Matches(@"http://127\.0\.0\.1:\d+/", line);
        using (var client = new HttpClient())
        {
            string url = System.Text.RegularExpressions.Regex.Match(line, @"http://\S+/").Value;
            Assert.Contains("scenarios", await client.GetStringAsync(url + "api/scenarios"));
        }
        cancel.Cancel();
        Assert.Equal(0, await run);
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public async Task A_port_in_use_is_one_line_and_exit_status_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await WebHost.RunAsync("127.0.0.1", port, output, error, open: false, CancellationToken.None);
        Assert.Equal(1, code);
        Assert.Equal("", output.ToString());
        string message = error.ToString().Trim();
        Assert.Single(message.Split('\n'));
        Assert.Contains("in use", message);
        Assert.DoesNotContain("Exception", message);
    }

    [Theory]
    [InlineData("not a host")]
    [InlineData("1")]                      // IPAddress.Parse would make it 0.0.0.1
    [InlineData("999.1.1.1")]
    [InlineData("\u001b]0;pwned\u0007")]
    public async Task A_host_that_is_not_an_address_is_a_usage_error(string host)
    {
        var error = new StringWriter();
        Assert.Equal(2, await WebHost.RunAsync(host, 0, new StringWriter(), error, open: false, CancellationToken.None));
        string line = error.ToString().TrimEnd('\n');
        Assert.Contains("--host", line);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain(line, char.IsControl);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("::2")]
    public async Task An_address_this_machine_does_not_have_is_one_line_and_exit_status_1(string host)
    {
        var error = new StringWriter();
        Assert.Equal(1, await WebHost.RunAsync(host, 0, new StringWriter(), error, open: false, CancellationToken.None));
        string line = error.ToString().TrimEnd('\n');
        Assert.Contains("not one of this machine's", line);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain("Exception", line);
    }

    [Fact]
    public async Task Listening_beyond_loopback_warns_and_serves_any_host_name()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var cancel = new CancellationTokenSource();
        var run = WebHost.RunAsync("0.0.0.0", 0, output, error, open: false, cancel.Token);
        for (int i = 0; i < 200 && !output.ToString().Contains("http://"); i++) await Task.Delay(50);
        Assert.Contains("warning", error.ToString());
        Assert.Contains("0.0.0.0", error.ToString());
        int port = int.Parse(System.Text.RegularExpressions.Regex.Match(output.ToString(), @":(\d+)/").Groups[1].Value);
        using (var client = new HttpClient())
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/api/scenarios");
            request.Headers.Host = "vmlab.lab.example";
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }
        cancel.Cancel();
        Assert.Equal(0, await run);
    }

    [Fact]
    public void A_specific_address_adds_its_name_to_the_loopback_names()
    {
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], HostPolicy.For("127.0.0.1").Names);
        Assert.False(HostPolicy.For("localhost").Exposed);
        Assert.Equal(["localhost", "127.0.0.1", "[::1]", "192.168.7.9"], HostPolicy.For("192.168.7.9").Names);
        Assert.Equal(["localhost", "127.0.0.1", "[::1]", "[fe80::1]"], HostPolicy.For("fe80::1").Names);
        Assert.True(HostPolicy.For("::").Exposed);
        Assert.Equal(["*"], HostPolicy.For("::").Names);
    }

    [Fact]
    public void Idle_machines_are_evicted_and_the_store_stays_bounded()
    {
        var clock = new ManualClock();
        var store = new SessionStore(capacity: 3, idleLimit: TimeSpan.FromMinutes(10), clock: clock);
        string old = store.Create(Scenario.Hello, new ScenarioArgs());
        clock.Now += TimeSpan.FromMinutes(11);
        string fresh = store.Create(Scenario.Hello, new ScenarioArgs());
        Assert.False(store.TryUse(old, m => m.Step, out _));
        Assert.True(store.TryUse(fresh, m => m.Step, out _));
        for (int i = 0; i < 10; i++) store.Create(Scenario.Hello, new ScenarioArgs());
        Assert.Equal(3, store.Count);
        clock.Now += TimeSpan.FromMinutes(11);
        Assert.False(store.TryUse(fresh, m => m.Step, out _));      // any request sweeps the idle ones
        Assert.Equal(0, store.Count);
    }
}
