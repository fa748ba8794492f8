namespace VmLab.Linux.Tests;

public class ProcMapsTests
{
    private const string Sample = """
        55d4c8a00000-55d4c8a21000 rw-p 00000000 00:00 0                          [heap]
        7f1c2a000000-7f1c2a021000 r-xp 00002000 08:01 131302                     /usr/lib/x86_64-linux-gnu/libc.so.6
        7f1c2b000000-7f1c2b001000 rw-s 00000000 00:01 4711                       /tmp/my data file.bin
        7f1c2c000000-7f1c2c010000 rw-s 00000000 00:01 1025                       /memfd:vmlab (deleted)
        7f1c2d000000-7f1c2d100000 ---p 00000000 00:00 0
        7ffd1e400000-7ffd1e421000 rw-p 00000000 00:00 0                          [stack]
        ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]

        """;

    [Fact]
    public void Parses_every_field()
    {
        var all = ProcMaps.Parse(Sample);
        Assert.Equal(7, all.Count);
        var libc = all[1];
        Assert.Equal(0x7f1c2a000000UL, libc.Start);
        Assert.Equal(0x7f1c2a021000UL, libc.End);
        Assert.Equal("r-xp", libc.Perms);
        Assert.Equal(0x2000UL, libc.Offset);
        Assert.Equal("08:01", libc.Device);
        Assert.Equal(131302UL, libc.Inode);
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libc.so.6", libc.Path);
        Assert.True(libc.CanRead && libc.CanExecute && !libc.CanWrite && !libc.IsShared);
        Assert.Equal(0x21L, libc.Pages);
    }

    [Fact]
    public void Paths_keep_their_spaces_and_the_deleted_mark()
    {
        var all = ProcMaps.Parse(Sample);
        Assert.Equal("/tmp/my data file.bin", all[2].Path);
        Assert.True(all[2].IsShared);
        Assert.False(all[2].IsDeleted);
        Assert.Equal("/memfd:vmlab (deleted)", all[3].Path);
        Assert.True(all[3].IsDeleted);
    }

    [Fact]
    public void Special_and_anonymous_areas()
    {
        var all = ProcMaps.Parse(Sample);
        Assert.Equal("[heap]", all[0].Path);
        Assert.True(all[0].IsSpecial);
        Assert.True(all[4].IsAnonymous);
        Assert.Equal("[anon]", all[4].Name);
        Assert.True(all[4].IsInaccessible);
        Assert.Equal(0xffffffffff600000UL, all[6].Start);
    }

    [Fact]
    public void Find_returns_the_area_holding_an_address()
    {
        var all = ProcMaps.Parse(Sample);
        Assert.Equal("[heap]", ProcMaps.Find(all, 0x55d4c8a00000)!.Path);
        Assert.Equal("[heap]", ProcMaps.Find(all, 0x55d4c8a20fff)!.Path);
        Assert.Null(ProcMaps.Find(all, 0x55d4c8a21000));
    }

    [Theory]
    [InlineData("not a maps line")]
    [InlineData("1000-zz rw-p 00000000 00:00 0")]
    [InlineData("2000-1000 rw-p 00000000 00:00 0")]
    [InlineData("1000-2000 rw 00000000 00:00 0")]
    public void Malformed_lines_are_rejected(string line)
    {
        Assert.Null(ProcMaps.ParseLine(line));
        Assert.Throws<FormatException>(() => ProcMaps.Parse(line));
    }

    [LinuxFact]
    public void This_process_has_a_stack_and_finds_its_own_mapping()
    {
        using var m = Mapping.Anonymous(3 * 4096);
        var self = ProcMaps.ReadSelf();
        Assert.Contains(self, e => e.Path == "[stack]");
        var area = ProcMaps.Find(self, (ulong)m.Address + 4096);
        Assert.NotNull(area);
        Assert.True(area.CanWrite);
        var byPid = ProcMaps.Read(Environment.ProcessId);
        Assert.Equal(self.Single(e => e.Path == "[stack]").Start, byPid.Single(e => e.Path == "[stack]").Start);
    }

    [LinuxFact]
    public void A_missing_process_is_one_clear_sentence()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ProcMaps.Read(int.MaxValue));
        Assert.Contains($"no process with PID {int.MaxValue}", e.Message);
    }
}
