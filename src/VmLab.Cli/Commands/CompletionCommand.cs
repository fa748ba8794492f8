using System.CommandLine;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab completion bash|zsh</c>: a shell snippet that asks vmlab itself for completions.</summary>
internal static class CompletionCommand
{
    public static Verb Create()
    {
        var shell = new Argument<string>("SHELL") { Description = "bash or zsh" }.AcceptOnlyFromAmong("bash", "zsh");
        return new Verb("completion", "print a shell script that gives vmlab tab completion (bash or zsh)",
            """
            Completions come from vmlab's own parser through its [suggest] directive: 'vmlab "[suggest:N]" "LINE"'
            prints the words that fit at cursor position N of LINE, one per line. The script wires that into the
            shell. Load it for this shell, or add the line to your ~/.bashrc or ~/.zshrc.
            """,
            null,
            "vmlab completion bash >> ~/.bashrc", "source <(vmlab completion zsh)", "vmlab \"[suggest:12]\" \"sim walk --a\"")
            .Takes(shell).Does(ctx =>
        {
            ctx.Out.Write(ctx.Get(shell) == "zsh" ? Zsh : Bash);
            return 0;
        });
    }

    // The whole line minus the program name, and the cursor position within it, is what [suggest] expects.
    private const string Bash = """
        _vmlab_complete() {
            local line="${COMP_LINE#* }"
            local point=$((COMP_POINT - ${#COMP_LINE} + ${#line}))
            local IFS=$'\n'
            COMPREPLY=($(vmlab "[suggest:${point}]" "${line}" 2>/dev/null))
        }
        complete -o default -F _vmlab_complete vmlab

        """;

    private const string Zsh = """
        _vmlab_complete() {
            local line="${BUFFER#* }" point=$((CURSOR - ${#BUFFER} + ${#${BUFFER#* }}))
            local -a words
            words=("${(@f)$(vmlab "[suggest:${point}]" "${line}" 2>/dev/null)}")
            compadd -a words
        }
        compdef _vmlab_complete vmlab

        """;
}
