namespace VmLab.Cli.Tests;

/// <summary>Runs vmlab in-process and captures what a user would see.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Err);

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }
}
