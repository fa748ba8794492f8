namespace VmLab.Labs.Grading;

/// <summary>
/// A Gradescope autograder: setup.sh (run once when the image is built) installs what grading needs and this
/// vmlab, which the bundle carries; run_autograder (run per submission) grades /autograder/submission into
/// /autograder/results/results.json with `lab grade --exercises LIST --format gradescope`. The paths are
/// environment variables with Gradescope's values as defaults, so the same script runs anywhere.
/// </summary>
public static class GradescopeBundle
{
    /// <summary>Writes the bundle into dir (new or empty), carrying the vmlab installed in toolDir. The files written.</summary>
    public static IReadOnlyList<string> Write(string dir, IReadOnlyList<Exercise> exercises, string toolDir)
    {
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            throw new ArgumentException($"{dir} is not empty; give a new directory for the bundle");
        if (!File.Exists(Path.Combine(toolDir, "vmlab.dll")))
            throw new InvalidOperationException($"{toolDir} holds no vmlab to put in the bundle");
        // the bundle carries toolDir whole: inside it, the copy would copy itself
        if (VmLab.Linux.FileKinds.IsInside(dir, toolDir))     // (toolDir itself is not empty: refused above)
            throw new ArgumentException($"{dir} is inside {toolDir}, the vmlab the bundle carries; give a directory outside it");
        Directory.CreateDirectory(dir);
        string list = string.Join(",", exercises.Select(e => e.Name));
        File.WriteAllText(Path.Combine(dir, "setup.sh"), Setup);
        File.WriteAllText(Path.Combine(dir, "run_autograder"), RunAutograder.Replace("{{EXERCISES}}", list));
        File.WriteAllText(Path.Combine(dir, "README.md"), Readme.Replace("{{EXERCISES}}", list)
            .Replace("{{POINTS}}", exercises.Sum(e => e.Points).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        foreach (string script in new[] { "setup.sh", "run_autograder" })
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(dir, script), (UnixFileMode)0b111_101_101);
        Copy(toolDir, Path.Combine(dir, "vmlab"));
        // An installed tool (dotnet tool install) keeps vmlab.dll without a launcher beside it: the bundle gets one.
        string launcher = Path.Combine(dir, "vmlab", "vmlab");
        if (!File.Exists(launcher))
        {
            File.WriteAllText(launcher, "#!/bin/sh\n# Runs the vmlab.dll beside this script on the installed .NET.\nexec dotnet \"$(dirname \"$0\")/vmlab.dll\" \"$@\"\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(launcher, (UnixFileMode)0b111_101_101);
        }
        return ["setup.sh", "run_autograder", "README.md", "vmlab/"];
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string sub in Directory.GetDirectories(from))
            Copy(sub, Path.Combine(to, Path.GetFileName(sub)));
    }

    private const string Setup = """
        #!/usr/bin/env bash
        # Gradescope runs this once while building the autograder image (Ubuntu, as root).
        # It installs what VmLab's grader needs: the .NET 10 SDK (it builds the C# exercise files), gcc and
        # binutils (the C exercise, nm and objdump), bubblewrap (each test in a sandbox), and vmlab itself.
        set -euo pipefail
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y --no-install-recommends gcc libc6-dev binutils bubblewrap curl ca-certificates libicu-dev
        if ! command -v dotnet >/dev/null 2>&1; then
            curl -sSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh
            bash /tmp/dotnet-install.sh --channel 10.0 --install-dir /usr/share/dotnet
            ln -sf /usr/share/dotnet/dotnet /usr/bin/dotnet
        fi
        here="$(cd "$(dirname "$0")" && pwd)"
        rm -rf /autograder/vmlab
        cp -r "$here/vmlab" /autograder/vmlab
        chmod +x /autograder/vmlab/vmlab
        # A first build fills the SDK's caches, so the first submission is not slower than the rest.
        /autograder/vmlab/vmlab lab grade --reference bigdata >/dev/null || true

        """;

    private const string RunAutograder = """
        #!/usr/bin/env bash
        # Gradescope runs this for every submission. VmLab builds only the exercise files of the submission, in a
        # project of its own, and runs each graded test in a sandboxed process; the results go to results.json.
        set -u
        SUBMISSION="${VMLAB_SUBMISSION:-/autograder/submission}"
        RESULTS="${VMLAB_RESULTS:-/autograder/results}"
        VMLAB="${VMLAB:-/autograder/vmlab/vmlab}"
        mkdir -p "$RESULTS"
        rm -f "$RESULTS/results.json"
        "$VMLAB" lab grade "$SUBMISSION" --exercises {{EXERCISES}} --format gradescope --output "$RESULTS/results.json" > "$RESULTS/vmlab.log" 2>&1
        status=$?
        if [ ! -s "$RESULTS/results.json" ]; then
            message=$(tail -c 2000 "$RESULTS/vmlab.log" | tr -d '\000-\010\013-\037"\\' | tr '\n' ' ')
            printf '{"score": 0, "output": "The grader could not grade this submission (vmlab exit status %s): %s", "tests": []}\n' "$status" "$message" > "$RESULTS/results.json"
        fi
        exit 0

        """;

    private const string Readme = """
        # VmLab autograder for Gradescope

        Grades {{EXERCISES}} ({{POINTS}} points). Zip the contents of this directory (setup.sh, run_autograder and
        vmlab/ at the top of the zip) and upload the zip as the assignment's autograder ("Ubuntu" base image).

        Students submit their exercise files (Fork.cs, Exit.cs, ..., libetsbefriends.c); nothing else of a
        submission takes part in grading. Try it locally:

            VMLAB=./vmlab/vmlab VMLAB_SUBMISSION=~/lab1 VMLAB_RESULTS=/tmp/results ./run_autograder

        """;
}
