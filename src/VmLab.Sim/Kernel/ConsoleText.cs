using System.Buffers;
using System.Text;

namespace VmLab.Sim.Kernel;

/// <summary>The console's bytes (one char each, 0-255) read as text: every well-formed UTF-8 sequence as the
/// character it encodes, every other byte as its Latin-1 character, so ASCII and valid UTF-8 read as written and
/// nothing a program printed disappears (an invalid byte stays visible; callers escape control characters).</summary>
internal static class ConsoleText
{
    public static string Decode(string bytes)
    {
        int first = 0;
        while (first < bytes.Length && bytes[first] < 0x80) first++;
        if (first == bytes.Length) return bytes;      // ASCII: nothing to decode
        byte[] raw = Encoding.Latin1.GetBytes(bytes);
        var sb = new StringBuilder(bytes.Length).Append(bytes, 0, first);
        for (int i = first; i < raw.Length;)
        {
            if (raw[i] < 0x80)
            {
                sb.Append((char)raw[i++]);
                continue;
            }
            if (Rune.DecodeFromUtf8(raw.AsSpan(i), out Rune rune, out int used) == OperationStatus.Done)
            {
                sb.Append(rune.ToString());
                i += used;
            }
            else sb.Append((char)raw[i++]);
        }
        return sb.ToString();
    }
}
