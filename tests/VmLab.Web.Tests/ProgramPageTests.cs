using Microsoft.Playwright;
using VmLab.Sim.Elf;
using VmLab.Toolchain;
using static Microsoft.Playwright.Assertions;

namespace VmLab.Web.Tests;

/// <summary>A program built as `vmlab sim cc` builds it, and a server started as `vmlab web --program` starts one.</summary>
public sealed class ProgramFixture : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-web-program-").FullName;

    public const string Source = """
        #include "u-lib.h"

        int counter = 41;

        static int bump(int by) { counter += by; return counter; }

        void process_main(void) {
            for (int i = 0; i < 3; i++) console_printf("counter %d\n", bump(i));
            sys_exit(0);
        }
        """;

    public string Elf { get; private set; } = "";

    public ProgramImage Image { get; private set; } = null!;

    internal WebServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string c = Path.Combine(_dir, "counter.c");
        await File.WriteAllTextAsync(c, Source);
        Elf = Path.Combine(_dir, "counter.elf");
        var result = UserCompiler.Compile([c], Elf);
        Assert.True(result.Outcome == CompileOutcome.Ok, result.Problem + "\n" + result.Diagnostics);
        Image = ElfLoader.Load(await File.ReadAllBytesAsync(Elf));
        Server = await WebServer.StartAsync("127.0.0.1", 0, new WebOptions { Programs = [("counter", Image)] });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>The user's own programs in the page: opened by `web --program`, or uploaded with the file picker.</summary>
public sealed class ProgramPageTests(BrowserFixture browser, ProgramFixture program) : IClassFixture<BrowserFixture>, IClassFixture<ProgramFixture>
{
    private static Task Idle(IPage page) => BrowserFixture.Idle(page);

    // The program's symbols name what the walk and the disassembly show.
    private async Task SymbolsShow(IPage page)
    {
        await Expect(page.Locator("#processes")).ToContainTextAsync("counter");
        await page.FillAsync("#walk-va", $"0x{program.Image.Symbols["process_main"]:x}");
        await page.SelectOptionAsync("#walk-access", "exec");
        await page.ClickAsync("#walk-go");
        await Idle(page);
        await Expect(page.Locator("#walk .walk-head")).ToContainTextAsync("(process_main)");
        await page.FillAsync("#walk-va", $"0x{program.Image.Symbols["counter"]:x}");
        await page.ClickAsync("#walk-go");
        await Idle(page);
        await Expect(page.Locator("#walk .walk-head")).ToContainTextAsync("(counter)");
        await page.FillAsync("#count", "30");
        for (int i = 0; i < 200 && !(await page.InnerTextAsync("#processes")).Contains("<process_main>"); i++)
        {
            await page.ClickAsync("#step");
            await Idle(page);
        }
        await Expect(page.Locator("#processes .insn").First).ToContainTextAsync("<process_main>");     // _start's call, disassembled with the symbol
    }

    [BrowserFact]
    public Task Web_program_opens_the_page_on_the_users_program() => browser.InPage("program", program.Server.Url, async page =>
    {
        await Expect(page.Locator("#summary")).ToContainTextAsync("program:");
        await Expect(page.Locator("#lesson-panel")).ToContainTextAsync("counter");
        await SymbolsShow(page);
    });

    [BrowserFact]
    public Task A_program_from_sim_cc_uploaded_with_the_file_picker_boots_and_a_bad_file_is_refused_in_words() => browser.InPage("program-upload", browser.Server.Url, async page =>
    {
        await page.SetInputFilesAsync("#program-file", program.Elf);
        await Idle(page);
        await Expect(page.Locator("#summary")).ToContainTextAsync("program:");
        await Expect(page.Locator("#step-label")).ToContainTextAsync("step 0 of 0");
        await SymbolsShow(page);

        await page.SetInputFilesAsync("#program-file", new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "not a program"u8.ToArray() });
        await Idle(page);
        await Expect(page.Locator("#message.error")).ToContainTextAsync("is not an ELF file");
        await Expect(page.Locator("#summary")).ToContainTextAsync("program:");         // the machine before it is still there
    });
}
