using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace VmLab.Labs.Build;

/// <summary>
/// The bans, checked again on what the compiler made. The analyzer sees the names a source writes; a type can be in
/// the code without its name anywhere in the source (System.Type inferred by var or by a generic method's type
/// argument, a MethodInfo passed along and never declared), and through it reflection comes back. This reads the
/// built assembly's metadata: every type and member each method body, local, signature and base type refers to,
/// and charges each banned one to the source file of the method that uses it (the portable PDB says which).
/// The compiler's own helpers (array initialisers, collection expressions, iterators, lock, events, a record's
/// compiler-generated members) are not the student's use and are let through by name.
/// </summary>
internal static class CompiledReferences
{
    /// <summary>The key of a use no source file could be found for (no PDB, a type-level signature).</summary>
    public const string NoFile = "*";

    /// <summary>Each source file (by file name) that uses a banned type or member, with the first use and why.</summary>
    public static Dictionary<string, string> Check(string assemblyPath, string banFile)
    {
        var bans = new Bans(banFile);
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var md = pe.GetMetadataReader();
        using var pdbProvider = OpenPdb(assemblyPath);
        var pdb = pdbProvider?.GetMetadataReader();
        var scan = new Scan(md, bans);
        var found = new Dictionary<string, string>();
        foreach (var th in md.TypeDefinitions)
        {
            if (CompilerOnly(md, th)) continue;
            var type = md.GetTypeDefinition(th);
            bool record = type.GetMethods().Any(m => md.GetString(md.GetMethodDefinition(m).Name) == "<Clone>$");
            List<string>? files = null;      // where the type's code came from: read only when a use is found
            List<string> Files() => files ??= FilesOf(md, pdb, th);
            // the type's own signatures: base type, interfaces, fields
            string? typeLevel = scan.Entity(type.BaseType) ?? type.GetInterfaceImplementations().Select(i => scan.Entity(md.GetInterfaceImplementation(i).Interface)).FirstOrDefault(u => u is not null)
                ?? type.GetFields().Select(f => md.GetFieldDefinition(f).DecodeSignature(scan.Types, null)).FirstOrDefault(u => u is not null);
            if (typeLevel is not null)
                foreach (string file in Files().DefaultIfEmpty(NoFile)) found.TryAdd(file, $"{Name(md, th)}: {typeLevel}");
            foreach (var mh in type.GetMethods())
            {
                var method = md.GetMethodDefinition(mh);
                if (record && IsCompilerGenerated(md, method.GetCustomAttributes())) continue;   // EqualityContract is a System.Type
                if (scan.Method(pe, method) is not { } use) continue;
                string where = $"{Name(md, th)}.{md.GetString(method.Name)}";
                foreach (string file in FileOf(pdb, mh) is { } f ? [f] : Files().DefaultIfEmpty(NoFile)) found.TryAdd(file, $"{where}: {use}");
            }
        }
        return found;
    }

    private static MetadataReaderProvider? OpenPdb(string assemblyPath)
    {
        string pdb = Path.ChangeExtension(assemblyPath, ".pdb");
        return File.Exists(pdb) ? MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdb)) : null;
    }

    // The file of a method's first sequence point: where the compiler says its code came from.
    private static string? FileOf(MetadataReader? pdb, MethodDefinitionHandle mh)
    {
        if (pdb is null) return null;
        var info = pdb.GetMethodDebugInformation(mh.ToDebugInformationHandle());
        foreach (var point in info.GetSequencePoints())
            return Path.GetFileName(pdb.GetString(pdb.GetDocument(point.Document).Name));
        return null;
    }

    // Every file a type's methods (its nested types' included) came from.
    private static List<string> FilesOf(MetadataReader md, MetadataReader? pdb, TypeDefinitionHandle th)
    {
        var outer = th;
        while (md.GetTypeDefinition(outer).GetDeclaringType() is { IsNil: false } d) outer = d;
        var files = new List<string>();
        foreach (var other in md.TypeDefinitions)
        {
            var top = other;
            while (md.GetTypeDefinition(top).GetDeclaringType() is { IsNil: false } d) top = d;
            if (top != outer) continue;
            foreach (var mh in md.GetTypeDefinition(other).GetMethods())
                if (FileOf(pdb, mh) is { } f && !files.Contains(f)) files.Add(f);
        }
        return files;
    }

    // <PrivateImplementationDetails> and what it nests: made by the compiler alone (no C# name can start with '<').
    private static bool CompilerOnly(MetadataReader md, TypeDefinitionHandle th)
    {
        var top = th;
        while (md.GetTypeDefinition(top).GetDeclaringType() is { IsNil: false } d) top = d;
        return md.GetString(md.GetTypeDefinition(top).Name).StartsWith("<PrivateImplementationDetails>", StringComparison.Ordinal);
    }

    private static bool IsCompilerGenerated(MetadataReader md, CustomAttributeHandleCollection attributes) =>
        attributes.Any(a => AttributeType(md, md.GetCustomAttribute(a).Constructor) == "System.Runtime.CompilerServices.CompilerGeneratedAttribute");

    private static string? AttributeType(MetadataReader md, EntityHandle ctor) => ctor.Kind switch
    {
        HandleKind.MemberReference when md.GetMemberReference((MemberReferenceHandle)ctor).Parent is { Kind: HandleKind.TypeReference } p
            => Bans.FullName(md, (TypeReferenceHandle)p),
        _ => null,
    };

    // A type as its source names it: a file-local type's metadata name is <File>F{hash}__Name.
    private static string Name(MetadataReader md, TypeDefinitionHandle th)
    {
        var t = md.GetTypeDefinition(th);
        string name = md.GetString(t.Name);
        int local = name.StartsWith('<') ? name.IndexOf("__", StringComparison.Ordinal) : -1;
        if (local > 0) name = name[(local + 2)..];
        return t.GetDeclaringType() is { IsNil: false } d ? $"{Name(md, d)}.{name}" : name;
    }

    /// <summary>Walks method bodies and signatures for the first banned type or member they use.</summary>
    private sealed class Scan(MetadataReader md, Bans bans)
    {
        public readonly BannedTypeProvider Types = new(bans);

        public string? Method(PEReader pe, MethodDefinition method)
        {
            if (method.DecodeSignature(Types, null) is var sig && (sig.ReturnType ?? sig.ParameterTypes.FirstOrDefault(p => p is not null)) is { } inSignature)
                return inSignature;
            if (method.RelativeVirtualAddress == 0) return null;
            var body = pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil && md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(Types, null).FirstOrDefault(l => l is not null) is { } local)
                return local;
            var il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                int code = il.ReadByte();
                if (code == 0xFE) code = 0xFE00 | il.ReadByte();
                var operand = OperandTypes.TryGetValue((short)code, out var o) ? o : OperandType.InlineNone;
                if (operand is OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok or OperandType.InlineSig)
                {
                    if (Entity(MetadataTokens.EntityHandle(il.ReadInt32())) is { } use) return use;
                    continue;
                }
                int skip = operand switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    OperandType.InlineSwitch => 4 * il.ReadInt32(),     // the targets after their count
                    _ => 4,
                };
                il.Offset += skip;
            }
            return null;
        }

        /// <summary>What a token refers to, as a banned use, or null.</summary>
        public string? Entity(EntityHandle h)
        {
            if (h.IsNil) return null;
            switch (h.Kind)
            {
                case HandleKind.TypeReference:
                    return bans.OfType(md, (TypeReferenceHandle)h);
                case HandleKind.TypeSpecification:
                    return md.GetTypeSpecification((TypeSpecificationHandle)h).DecodeSignature(Types, null);
                case HandleKind.MethodSpecification:
                    var spec = md.GetMethodSpecification((MethodSpecificationHandle)h);
                    return Entity(spec.Method) ?? spec.DecodeSignature(Types, null).FirstOrDefault(t => t is not null);
                case HandleKind.StandaloneSignature:
                    var ss = md.GetStandaloneSignature((StandaloneSignatureHandle)h);
                    return ss.GetKind() == StandaloneSignatureKind.Method && ss.DecodeMethodSignature(Types, null) is var m
                        ? m.ReturnType ?? m.ParameterTypes.FirstOrDefault(p => p is not null) : null;
                case HandleKind.MemberReference:
                    var member = md.GetMemberReference((MemberReferenceHandle)h);
                    string name = md.GetString(member.Name);
                    if (bans.OfMember(md, member.Parent, name) is { } banned) return banned;
                    if (bans.Exempt(md, member.Parent, name)) return null;
                    if (Entity(member.Parent) is { } parent) return parent;
                    if (member.GetKind() == MemberReferenceKind.Field) return member.DecodeFieldSignature(Types, null);
                    var msig = member.DecodeMethodSignature(Types, null);
                    return msig.ReturnType ?? msig.ParameterTypes.FirstOrDefault(p => p is not null);
                default:
                    return null;     // the assembly's own types, methods and fields
            }
        }
    }

    // Operand kinds of every IL instruction, from the runtime's own table of them.
    private static readonly Dictionary<short, OperandType> OperandTypes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    /// <summary>A signature's types, decoded to the first banned one (null: none). Custom modifiers (modreq(InAttribute)
    /// on an 'in' parameter) are the compiler's and are not uses.</summary>
    internal sealed class BannedTypeProvider(Bans bans) : ISignatureTypeProvider<string?, object?>
    {
        public string? GetPrimitiveType(PrimitiveTypeCode typeCode) => null;
        public string? GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => null;
        public string? GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => bans.OfType(reader, handle);
        public string? GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        public string? GetSZArrayType(string? elementType) => elementType;
        public string? GetArrayType(string? elementType, ArrayShape shape) => elementType;
        public string? GetByReferenceType(string? elementType) => elementType;
        public string? GetPointerType(string? elementType) => elementType;
        public string? GetPinnedType(string? elementType) => elementType;
        public string? GetGenericInstantiation(string? genericType, ImmutableArray<string?> typeArguments) => genericType ?? typeArguments.FirstOrDefault(a => a is not null);
        public string? GetGenericMethodParameter(object? genericContext, int index) => null;
        public string? GetGenericTypeParameter(object? genericContext, int index) => null;
        public string? GetFunctionPointerType(MethodSignature<string?> signature) => signature.ReturnType ?? signature.ParameterTypes.FirstOrDefault(p => p is not null);
        public string? GetModifiedType(string? modifier, string? unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
