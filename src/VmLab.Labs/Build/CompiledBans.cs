using System.Reflection.Metadata;

namespace VmLab.Labs.Build;

/// <summary>
/// A BannedSymbols.txt read for <see cref="CompiledReferences"/>: its banned types and namespaces (T:, N:), and the
/// members it bans on .NET's types (M:, P:, F:; by name, every overload). VmLab's own member bans are left to the
/// analyzer: a member is only ever called by writing its name, and an allowed overload shares a banned one's name.
/// </summary>
internal sealed class Bans
{
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly List<(string Namespace, string Why)> _namespaces = [];
    private readonly Dictionary<(string Type, string Member), string> _members = [];

    /// <summary>What the compiler itself calls on banned types: array initialisers and collection expressions
    /// (RuntimeHelpers, CollectionsMarshal, MemoryMarshal), a record's ToString (EnsureSufficientExecutionStack),
    /// iterators (Environment.CurrentManagedThreadId), lock (Monitor) and field-like events (Interlocked). Writing any
    /// of them by name is still the analyzer's error.</summary>
    private static readonly Dictionary<string, string[]> CompilerHelpers = new(StringComparer.Ordinal)
    {
        ["System.Runtime.CompilerServices.RuntimeHelpers"] = ["InitializeArray", "CreateSpan", "GetSubArray", "EnsureSufficientExecutionStack", "IsReferenceOrContainsReferences"],
        ["System.Runtime.InteropServices.CollectionsMarshal"] = ["SetCount", "AsSpan"],
        ["System.Runtime.InteropServices.MemoryMarshal"] = ["CreateSpan", "CreateReadOnlySpan"],
        ["System.Environment"] = ["get_CurrentManagedThreadId"],
        ["System.Threading.Monitor"] = ["Enter", "Exit"],
        ["System.Threading.Interlocked"] = ["CompareExchange"],
    };

    public Bans(string banFile)
    {
        foreach (string raw in banFile.Split('\n'))
        {
            string line = raw.Trim();
            int semi = line.IndexOf(';');
            if (line.Length < 3 || line.StartsWith("//", StringComparison.Ordinal) || line[1] != ':') continue;
            string id = semi < 0 ? line[2..] : line[2..semi], why = semi < 0 ? "banned" : line[(semi + 1)..];
            switch (line[0])
            {
                case 'T': _types.TryAdd(id, why); break;
                case 'N': _namespaces.Add((id, why)); break;
                case 'M' or 'P' or 'F' when !id.StartsWith("VmLab.", StringComparison.Ordinal):
                    string bare = id.Split('(')[0];
                    int dot = bare.LastIndexOf('.');
                    string type = bare[..dot], member = bare[(dot + 1)..].Split("``")[0];
                    if (line[0] == 'P')
                    {
                        _members.TryAdd((type, "get_" + member), why);
                        _members.TryAdd((type, "set_" + member), why);
                    }
                    else _members.TryAdd((type, member), why);
                    break;
            }
        }
    }

    /// <summary>"uses T (why)" when the referenced type is banned, else null.</summary>
    public string? OfType(MetadataReader md, TypeReferenceHandle h)
    {
        string name = FullName(md, h);
        if (_types.TryGetValue(name, out string? why)) return Uses(name, why);
        // a type nested in a banned type is banned with it
        for (int dot = name.LastIndexOf('.'); dot > 0; dot = name.LastIndexOf('.', dot - 1))
            if (_types.TryGetValue(name[..dot], out why) && IsNested(md, h)) return Uses(name, why);
        string ns = Namespace(md, h);
        foreach (var (banned, reason) in _namespaces)
            if (ns == banned || ns.StartsWith(banned + ".", StringComparison.Ordinal)) return Uses(name, reason);
        return null;
    }

    /// <summary>"uses T.M (why)" when the member itself is banned, else null.</summary>
    public string? OfMember(MetadataReader md, EntityHandle parent, string member) =>
        TypeOf(md, parent) is { } type && _members.TryGetValue((type, member), out string? why) ? Uses($"{type}.{member}", why) : null;

    /// <summary>True for a compiler helper (see <see cref="CompilerHelpers"/>).</summary>
    public bool Exempt(MetadataReader md, EntityHandle parent, string member) =>
        TypeOf(md, parent) is { } type && CompilerHelpers.TryGetValue(type, out var members) && members.Contains(member);

    private static string Uses(string what, string why) => $"uses {what} ({why.Split(':')[0]})";

    private static string? TypeOf(MetadataReader md, EntityHandle parent) => parent.Kind switch
    {
        HandleKind.TypeReference => FullName(md, (TypeReferenceHandle)parent),
        HandleKind.TypeSpecification => GenericTypeOf(md, (TypeSpecificationHandle)parent),
        _ => null,
    };

    // Generic instantiations (List<int>.Add) name their type through a TypeSpec blob: GENERICINST CLASS|VALUETYPE token.
    private static string? GenericTypeOf(MetadataReader md, TypeSpecificationHandle h)
    {
        var blob = md.GetBlobReader(md.GetTypeSpecification(h).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance) return null;
        blob.ReadSignatureTypeCode();
        var type = blob.ReadTypeHandle();
        return type.Kind == HandleKind.TypeReference ? FullName(md, (TypeReferenceHandle)type) : null;
    }

    /// <summary>N.Outer.Inner`1, as a ban file's IDs name a type.</summary>
    public static string FullName(MetadataReader md, TypeReferenceHandle h)
    {
        var t = md.GetTypeReference(h);
        string name = md.GetString(t.Name);
        if (t.ResolutionScope.Kind == HandleKind.TypeReference)
            return FullName(md, (TypeReferenceHandle)t.ResolutionScope) + "." + name;
        string ns = md.GetString(t.Namespace);
        return ns.Length > 0 ? ns + "." + name : name;
    }

    private static bool IsNested(MetadataReader md, TypeReferenceHandle h) => md.GetTypeReference(h).ResolutionScope.Kind == HandleKind.TypeReference;

    private static string Namespace(MetadataReader md, TypeReferenceHandle h)
    {
        var t = md.GetTypeReference(h);
        return t.ResolutionScope.Kind == HandleKind.TypeReference ? Namespace(md, (TypeReferenceHandle)t.ResolutionScope) : md.GetString(t.Namespace);
    }
}
