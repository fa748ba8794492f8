using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;

namespace VmLab.Sim.X86;

/// <summary>
/// The IL generator a region is emitted through: it passes everything on to the method's own, and remembers, for
/// each local, when it was last stored (<see cref="Now"/> at that moment). A memory access's miss uses that to
/// carry across the region's shared slow path only the scratch values its own instruction computed before it:
/// a scratch local carried at every miss would be live at every access of the region, from whatever instruction
/// last set it.
/// </summary>
internal sealed class XIl(ILGenerator inner) : ILGenerator
{
    private readonly List<long> _stored = [];   // by local index: Now when last stored, or long.MinValue

    /// <summary>The emitter's current moment (its instruction).</summary>
    public Func<long> Now { get; set; } = () => 0;

    /// <summary>Whether the local was last stored at moment now.</summary>
    public bool StoredAt(LocalBuilder local, long now) => local.LocalIndex < _stored.Count && _stored[local.LocalIndex] == now;

    public override void Emit(OpCode opcode, LocalBuilder local)
    {
        if (opcode == OpCodes.Stloc || opcode == OpCodes.Stloc_S)
        {
            while (_stored.Count <= local.LocalIndex) _stored.Add(long.MinValue);
            _stored[local.LocalIndex] = Now();
        }
        inner.Emit(opcode, local);
    }

    public override void Emit(OpCode opcode) => inner.Emit(opcode);
    public override void Emit(OpCode opcode, byte arg) => inner.Emit(opcode, arg);
    public override void Emit(OpCode opcode, short arg) => inner.Emit(opcode, arg);
    public override void Emit(OpCode opcode, long arg) => inner.Emit(opcode, arg);
    public override void Emit(OpCode opcode, float arg) => inner.Emit(opcode, arg);
    public override void Emit(OpCode opcode, double arg) => inner.Emit(opcode, arg);
    public override void Emit(OpCode opcode, int arg) => inner.Emit(opcode, arg);
    public override void Emit(OpCode opcode, MethodInfo meth) => inner.Emit(opcode, meth);
    public override void Emit(OpCode opcode, SignatureHelper signature) => inner.Emit(opcode, signature);
    public override void Emit(OpCode opcode, ConstructorInfo con) => inner.Emit(opcode, con);
    public override void Emit(OpCode opcode, Type cls) => inner.Emit(opcode, cls);
    public override void Emit(OpCode opcode, Label label) => inner.Emit(opcode, label);
    public override void Emit(OpCode opcode, Label[] labels) => inner.Emit(opcode, labels);
    public override void Emit(OpCode opcode, FieldInfo field) => inner.Emit(opcode, field);
    public override void Emit(OpCode opcode, string str) => inner.Emit(opcode, str);

    public override void EmitCalli(OpCode opcode, CallingConventions callingConvention, Type? returnType, Type[]? parameterTypes,
        Type[]? optionalParameterTypes) => inner.EmitCalli(opcode, callingConvention, returnType, parameterTypes, optionalParameterTypes);

    public override void EmitCalli(OpCode opcode, CallingConvention unmanagedCallConv, Type? returnType, Type[]? parameterTypes) =>
        inner.EmitCalli(opcode, unmanagedCallConv, returnType, parameterTypes);

    public override void EmitCall(OpCode opcode, MethodInfo methodInfo, Type[]? optionalParameterTypes) =>
        inner.EmitCall(opcode, methodInfo, optionalParameterTypes);

    public override Label BeginExceptionBlock() => inner.BeginExceptionBlock();
    public override void EndExceptionBlock() => inner.EndExceptionBlock();
    public override void BeginExceptFilterBlock() => inner.BeginExceptFilterBlock();
    public override void BeginCatchBlock(Type? exceptionType) => inner.BeginCatchBlock(exceptionType);
    public override void BeginFaultBlock() => inner.BeginFaultBlock();
    public override void BeginFinallyBlock() => inner.BeginFinallyBlock();
    public override Label DefineLabel() => inner.DefineLabel();
    public override void MarkLabel(Label loc) => inner.MarkLabel(loc);
    public override LocalBuilder DeclareLocal(Type localType, bool pinned) => inner.DeclareLocal(localType, pinned);
    public override void UsingNamespace(string usingNamespace) => inner.UsingNamespace(usingNamespace);
    public override void BeginScope() => inner.BeginScope();
    public override void EndScope() => inner.EndScope();
    public override int ILOffset => inner.ILOffset;
}
