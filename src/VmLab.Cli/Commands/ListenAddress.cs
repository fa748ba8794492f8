using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace VmLab.Cli.Commands;

/// <summary>What `vmlab web --host` may listen on, checked before the server starts: "localhost", the any-address
/// (0.0.0.0, ::) or an address this machine has. "1" (which IPAddress reads as 0.0.0.1) or 8.8.8.8 used to reach
/// the socket and end as an internal error.</summary>
internal static class ListenAddress
{
    public static string Check(string token)
    {
        if (token == "localhost")
            return token;
        bool v4 = token.Count(c => c == '.') == 3 && !token.Contains(':'), v6 = token.Contains(':');
        if (!(v4 || v6) || !IPAddress.TryParse(token, out var ip))
            throw new UsageException($"--host: '{Numbers.Clip(token)}' is not an IP address (write 127.0.0.1, ::1, 0.0.0.0 or localhost)");
        if (IPAddress.IsLoopback(ip) || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) || Local().Contains(ip))
            return token;
        throw new UsageException($"--host: {ip} is not an address of this machine (it has {Opt.Words(Local().Select(a => a.ToString()).Take(6).ToList())}; 0.0.0.0 listens on all)");
    }

    private static List<IPAddress> Local()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(a => a.Address))
                .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                .Distinct()];
        }
        catch (NetworkInformationException)
        {
            return [IPAddress.Loopback];
        }
    }
}
