using VmLab.Cli.Framework;
using VmLab.Web;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab web</c>: the simulated machine in a browser (VmLab.Web does the work).</summary>
internal sealed class WebCommand : ICommand
{
    public string Name => "web";

    public string Summary => "the simulated machine in a browser: memory, page walks, TLB, processes, step by step";

    public string Help => """
        usage: vmlab web [--port N] [--host H] [--open]

        Starts a local web server and prints its URL. The page runs any `sim run` scenario step by step (one
        instruction, N, or up to the next syscall, fault, context switch or exit) and back along a timeline, and
        shows physical memory by owner, a process's virtual pages, the 4-level walk of any page with its bits
        decoded and the fault explained, the TLB, processes, kernel events and checker errors. Everything is
        served from the vmlab binary: no network access needed. Ctrl-C stops it.

          --port N   port to listen on (default 5080; 0 picks a free one)
          --host H   address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 exposes it)
          --open     open the page in the default browser
        """;

    public int Run(CommandContext ctx)
    {
        int port = (int)ctx.Args.Int("--port", 5080, 0, 65535);
        string host = ctx.Args.Option("--host") ?? "127.0.0.1";
        bool open = ctx.Args.Flag("--open");
        ctx.Args.End();
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler stop = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += stop;
        try
        {
            return WebHost.RunAsync(host, port, ctx.Out, ctx.Err, open, cancel.Token).GetAwaiter().GetResult();
        }
        finally
        {
            Console.CancelKeyPress -= stop;
        }
    }
}
