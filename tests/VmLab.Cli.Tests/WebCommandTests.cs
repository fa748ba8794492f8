using System.Net;
using System.Net.Sockets;

namespace VmLab.Cli.Tests;

/// <summary>`vmlab web`'s bad input and a taken port: one line on stderr, exit 2 and 1.</summary>
public class WebCommandTests
{
    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--port", "http")]
    [InlineData("--host", "not-an-address")]
    [InlineData("--bogus")]
    public void Bad_input_is_one_line_and_exit_2(params string[] args)
    {
        var r = CliRunner.Run(["web", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.DoesNotContain("Exception", r.Err);
    }

    [Fact]
    public void A_port_in_use_is_one_line_and_exit_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var r = CliRunner.Run("web", "--port", ((IPEndPoint)taken.LocalEndpoint).Port.ToString());
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Contains("in use", r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
    }
}
