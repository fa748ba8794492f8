using System.Reflection;

namespace VmLab.Labs.Build;

/// <summary>C# documentation-comment IDs ("M:N.T.M(System.Int32)") of reflected types and members: the names a
/// BannedSymbols.txt line uses (ECMA-334 annex D.4.2).</summary>
internal static class DocId
{
    public static string Of(Type t) => "T:" + Declaring(t);

    /// <summary>The member's ID, or null for a kind a ban file cannot name.</summary>
    public static string? Of(MemberInfo m) => m switch
    {
        ConstructorInfo c => $"M:{Declaring(c.DeclaringType!)}.{(c.IsStatic ? "#cctor" : "#ctor")}{Params(c.GetParameters())}",
        MethodInfo mi => $"M:{Declaring(mi.DeclaringType!)}.{mi.Name}{(mi.IsGenericMethod ? $"``{mi.GetGenericArguments().Length}" : "")}"
                         + Params(mi.GetParameters()) + (mi.Name is "op_Implicit" or "op_Explicit" ? "~" + Param(mi.ReturnType) : ""),
        PropertyInfo p => $"P:{Declaring(p.DeclaringType!)}.{p.Name}{Params(p.GetIndexParameters())}",
        FieldInfo f => $"F:{Declaring(f.DeclaringType!)}.{f.Name}",
        EventInfo e => $"E:{Declaring(e.DeclaringType!)}.{e.Name}",
        _ => null,
    };

    // A type as a declaration names it: N.Outer.Inner`1 (arity kept, no type arguments).
    private static string Declaring(Type t) =>
        t.IsNested ? $"{Declaring(t.DeclaringType!)}.{t.Name}" : (t.Namespace is { Length: > 0 } ns ? ns + "." : "") + t.Name;

    private static string Params(ParameterInfo[] ps) => ps.Length == 0 ? "" : $"({string.Join(",", ps.Select(p => Param(p.ParameterType)))})";

    // A type as a parameter names it: System.Span{System.Byte}, System.Int32@, ``0, System.Byte[].
    private static string Param(Type t)
    {
        if (t.IsByRef) return Param(t.GetElementType()!) + "@";
        if (t.IsPointer) return Param(t.GetElementType()!) + "*";
        if (t.IsArray) return Param(t.GetElementType()!) + (t.GetArrayRank() == 1 ? "[]" : $"[{string.Join(",", Enumerable.Repeat("0:", t.GetArrayRank()))}]");
        if (t.IsGenericMethodParameter) return "``" + t.GenericParameterPosition;
        if (t.IsGenericTypeParameter) return "`" + t.GenericParameterPosition;
        if (!t.IsGenericType) return Declaring(t);
        // Each type level keeps its own arguments: Outer{A}.Inner{B}.
        var args = t.GetGenericArguments();
        var levels = new List<string>();
        int used = 0;
        for (var level = t.GetGenericTypeDefinition(); level is not null; level = level.IsNested ? level.DeclaringType : null)
            levels.Insert(0, level.Name);
        var parts = new List<string>();
        foreach (string name in levels)
        {
            int tick = name.IndexOf('`');
            int arity = tick < 0 ? 0 : int.Parse(name[(tick + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            string bare = tick < 0 ? name : name[..tick];
            parts.Add(arity == 0 ? bare : $"{bare}{{{string.Join(",", args.Skip(used).Take(arity).Select(Param))}}}");
            used += arity;
        }
        return (t.Namespace is { Length: > 0 } ns ? ns + "." : "") + string.Join(".", parts);
    }
}
