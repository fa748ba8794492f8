using System.Net;
using System.Net.Sockets;

namespace VmLab.Cli.Tests;

/// <summary>`vmlab web` on a taken port: one line on stderr, exit 1 (its bad input is in HostileInputTests).</summary>
public class WebCommandTests
{
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
