namespace VmLab.Labs.Tests.Compiled;

/// <summary>Code for <see cref="CompiledReferencesTests"/> to read: a System.Type after a switch instruction, whose
/// jump table the IL reader must step over whole to see what follows.</summary>
internal static class SwitchThenType
{
    public static object Pick(int n)
    {
        int k = n switch { 1 => 10, 2 => 20, 3 => 30, 4 => 40, 5 => 50, 6 => 60, 7 => 70, _ => 0 };
        return k > 0 ? typeof(int) : "none";
    }
}
