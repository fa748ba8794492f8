using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;

namespace VmLab.Sim.X86;

/// <summary>
/// The IL generator a region is emitted through: it passes everything on to the method's own, and remembers, for
/// each local, when it was last stored (<see cref="Now"/> at that moment). A memory access's miss uses that to
/// carry across the region's shared slow path only the scratch values its own instruction computed before it:
/// a scratch local carried at every miss would be live at every access of the region, from whatever instruction
/// last set it. It also counts what the JIT measures of a method before compiling it (<see cref="Optimizable"/>).
/// </summary>
internal sealed class XIl(ILGenerator inner) : ILGenerator
{
    private readonly List<long> _stored = [];   // by local index: Now when last stored, or long.MinValue

    /// <summary>IL instructions, and a bound on the basic blocks (every label marked, every branch, every return),
    /// emitted so far.</summary>
    public int Instructions { get; private set; }
    public int Blocks { get; private set; }

    /// <summary>Whether the JIT will optimise the method. The runtime's JIT compiles a method whose IL passes
    /// 60,000 bytes, 20,000 instructions or 2,000 basic blocks (or 2,000 locals, far more than a region declares)
    /// with no optimisation at all (MinOpts: no inlining, every local on the stack): a 282-instruction region of
    /// gcc -O0 code (58,793 bytes of IL, 4,000 blocks by this bound) ran 3 times slower than its parts do
    /// compiled apart. Blocks here is a bound (every marked label counts, branched to or not), so a region
    /// within it is within the JIT's count.</summary>
    public bool Optimizable => ILOffset <= 57_000 && Instructions <= 19_000 && Blocks <= 1_950;

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
        Count(opcode);
        inner.Emit(opcode, local);
    }

    // every overload counts its instruction, and a block after each branch, return or throw
    private void Count(OpCode opcode)
    {
        Instructions++;
        if (opcode.FlowControl is FlowControl.Branch or FlowControl.Cond_Branch or FlowControl.Return or FlowControl.Throw) Blocks++;
    }

    public override void Emit(OpCode opcode) { Count(opcode); inner.Emit(opcode); }
    public override void Emit(OpCode opcode, byte arg) { Count(opcode); inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, short arg) { Count(opcode); inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, long arg) { Count(opcode); inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, float arg) { Count(opcode); inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, double arg) { Count(opcode); inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, int arg) { Count(opcode); inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, MethodInfo meth) { Count(opcode); inner.Emit(opcode, meth); }
    public override void Emit(OpCode opcode, SignatureHelper signature) { Count(opcode); inner.Emit(opcode, signature); }
    public override void Emit(OpCode opcode, ConstructorInfo con) { Count(opcode); inner.Emit(opcode, con); }
    public override void Emit(OpCode opcode, Type cls) { Count(opcode); inner.Emit(opcode, cls); }
    public override void Emit(OpCode opcode, Label label) { Count(opcode); inner.Emit(opcode, label); }
    public override void Emit(OpCode opcode, FieldInfo field) { Count(opcode); inner.Emit(opcode, field); }
    public override void Emit(OpCode opcode, string str) { Count(opcode); inner.Emit(opcode, str); }

    public override void Emit(OpCode opcode, Label[] labels)
    {
        Count(opcode);
        Blocks += labels.Length;   // a switch: each case (its fall-through counted as a branch's)
        inner.Emit(opcode, labels);
    }

    public override void EmitCalli(OpCode opcode, CallingConventions callingConvention, Type? returnType, Type[]? parameterTypes,
        Type[]? optionalParameterTypes)
    {
        Count(opcode);
        inner.EmitCalli(opcode, callingConvention, returnType, parameterTypes, optionalParameterTypes);
    }

    public override void EmitCalli(OpCode opcode, CallingConvention unmanagedCallConv, Type? returnType, Type[]? parameterTypes)
    {
        Count(opcode);
        inner.EmitCalli(opcode, unmanagedCallConv, returnType, parameterTypes);
    }

    public override void EmitCall(OpCode opcode, MethodInfo methodInfo, Type[]? optionalParameterTypes)
    {
        Count(opcode);
        inner.EmitCall(opcode, methodInfo, optionalParameterTypes);
    }

    public override Label BeginExceptionBlock() => inner.BeginExceptionBlock();
    public override void EndExceptionBlock() => inner.EndExceptionBlock();
    public override void BeginExceptFilterBlock() => inner.BeginExceptFilterBlock();
    public override void BeginCatchBlock(Type? exceptionType) => inner.BeginCatchBlock(exceptionType);
    public override void BeginFaultBlock() => inner.BeginFaultBlock();
    public override void BeginFinallyBlock() => inner.BeginFinallyBlock();
    public override Label DefineLabel() => inner.DefineLabel();
    public override void MarkLabel(Label loc)
    {
        Blocks++;
        inner.MarkLabel(loc);
    }

    public override LocalBuilder DeclareLocal(Type localType, bool pinned) => inner.DeclareLocal(localType, pinned);
    public override void UsingNamespace(string usingNamespace) => inner.UsingNamespace(usingNamespace);
    public override void BeginScope() => inner.BeginScope();
    public override void EndScope() => inner.EndScope();
    public override int ILOffset => inner.ILOffset;
}
