using VmLab.Labs.Build;
using VmLab.Labs.Grading;
using Xunit;

namespace VmLab.Labs.Tests;

/// <summary>The signed result documents a grader child or a seam child writes: only the request's key makes a
/// verdict the grader believes, and a forged mac of any shape is refused rather than crashing the grader.</summary>
public sealed class ProtocolTests
{
    private const string Key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    private const string OtherKey = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

    private static TestVerdict Verdict(string mac) => new(TestVerdict.Version, "fork", true, "ok", [], mac);

    [Fact]
    public void A_verdict_signed_with_the_request_key_is_believed()
    {
        Assert.True(Verdict(TestVerdict.Sign(Key, "fork", true, "ok")).SignedWith(Key));
    }

    [Theory]
    [InlineData("other key")]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")]
    [InlineData("  00112233445566778899aabbccddeeff00112233445566778899aabbccdd  ")]
    public void A_forged_verdict_is_refused(string mac)
    {
        if (mac == "other key") mac = TestVerdict.Sign(OtherKey, "fork", true, "ok");
        Assert.False(Verdict(mac).SignedWith(Key));
    }

    [Fact]
    public void A_verdict_changed_after_signing_is_refused()
    {
        string mac = TestVerdict.Sign(Key, "fork", false, "wrong frame");
        Assert.False(Verdict(mac).SignedWith(Key));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_seam_result_is_believed_only_under_its_key(bool forged)
    {
        string mac = forged ? new string('g', 64) : SeamResult.Sign(Key, 0, "out", "err");
        var result = new SeamResult(SeamResult.Version, 0, "out", "err", mac);
        Assert.Equal(!forged, result.SignedWith(Key));
        Assert.False(result.SignedWith(OtherKey));
    }
}
