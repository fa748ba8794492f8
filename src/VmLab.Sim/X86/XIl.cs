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

    // what the JIT counts as basic blocks: the IL offsets that start one (the method's start, a branch's target,
    // the instruction after a branch, return or throw); labels by index, with the offset each was marked at
    private readonly HashSet<int> _starts = [0];
    private readonly HashSet<int> _targets = [];
    private readonly List<int> _marked = [];

    /// <summary>IL instructions emitted so far.</summary>
    public int Instructions { get; private set; }

    /// <summary>References to locals and arguments (loads, stores and addresses) emitted so far.</summary>
    public int LocalRefs { get; private set; }

    /// <summary>Basic blocks as the JIT finds them in the IL emitted so far.</summary>
    public int Blocks
    {
        get
        {
            var starts = new HashSet<int>(_starts);
            foreach (int label in _targets)
                if (label < _marked.Count && _marked[label] >= 0) starts.Add(_marked[label]);
            starts.Remove(inner.ILOffset);   // the end: no instruction starts a block there
            return starts.Count;
        }
    }

    /// <summary>Whether the JIT will optimise the method. The runtime's JIT compiles a method whose IL passes
    /// 60,000 bytes, 20,000 instructions, 2,000 basic blocks, 2,000 locals (far more than a region declares) or
    /// 8,000 references to locals and arguments with no optimisation at all (MinOpts: no inlining, every local on
    /// the stack): a 282-instruction region of gcc -O0 code (58,793 bytes of IL) ran 3 times slower than its parts
    /// do compiled apart. The references bind first for a region: about one IL instruction in two loads or stores
    /// a guest register, a flag or a scratch value (SHA-256's rounds at gcc -O0 merged into 52 KB of IL with 9,084
    /// references: MinOpts, the whole run 7.5x QEMU). A little is kept spare.</summary>
    public bool Optimizable => ILOffset <= 58_000 && Instructions <= 19_500 && Blocks <= 1_950 && LocalRefs <= 7_900;

    /// <summary>The emitter's current moment (its instruction).</summary>
    public Func<long> Now { get; set; } = () => 0;

    /// <summary>Whether a branch or switch emitted so far goes to the label.</summary>
    public bool Targeted(Label label) => _targets.Contains(label.GetHashCode());

    /// <summary>Whether the local was last stored at moment now.</summary>
    public bool StoredAt(LocalBuilder local, long now) => local.LocalIndex < _stored.Count && _stored[local.LocalIndex] == now;

    public override void Emit(OpCode opcode, LocalBuilder local)
    {
        if (opcode == OpCodes.Stloc || opcode == OpCodes.Stloc_S)
        {
            while (_stored.Count <= local.LocalIndex) _stored.Add(long.MinValue);
            _stored[local.LocalIndex] = Now();
        }
        Instructions++;
        LocalRefs++;
        inner.Emit(opcode, local);
    }

    // ldarg, ldarga, starg, ldloc, ldloca, stloc in all their forms (0xFE 0x09-0x0E and 0x02-0x13)
    private static bool IsLocalRef(OpCode opcode) =>
        opcode.Value is >= 0x02 and <= 0x13 || opcode.Value is >= unchecked((short)0xFE09) and <= unchecked((short)0xFE0E);

    // after a branch, return or throw, a block starts
    private void Ended(OpCode opcode)
    {
        if (opcode.FlowControl is FlowControl.Branch or FlowControl.Cond_Branch or FlowControl.Return or FlowControl.Throw)
            _starts.Add(inner.ILOffset);
    }

    public override void Emit(OpCode opcode)
    {
        Instructions++;
        if (IsLocalRef(opcode)) LocalRefs++;
        inner.Emit(opcode);
        Ended(opcode);
    }

    public override void Emit(OpCode opcode, byte arg) { Instructions++; LocalRefs += IsLocalRef(opcode) ? 1 : 0; inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, short arg) { Instructions++; LocalRefs += IsLocalRef(opcode) ? 1 : 0; inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, long arg) { Instructions++; inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, float arg) { Instructions++; inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, double arg) { Instructions++; inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, int arg) { Instructions++; inner.Emit(opcode, arg); }
    public override void Emit(OpCode opcode, MethodInfo meth) { Instructions++; inner.Emit(opcode, meth); }
    public override void Emit(OpCode opcode, SignatureHelper signature) { Instructions++; inner.Emit(opcode, signature); }
    public override void Emit(OpCode opcode, ConstructorInfo con) { Instructions++; inner.Emit(opcode, con); }
    public override void Emit(OpCode opcode, Type cls) { Instructions++; inner.Emit(opcode, cls); }

    public override void Emit(OpCode opcode, Label label)
    {
        Instructions++;
        _targets.Add(label.GetHashCode());   // a label's hash code is its index
        inner.Emit(opcode, label);
        Ended(opcode);
    }

    public override void Emit(OpCode opcode, FieldInfo field) { Instructions++; inner.Emit(opcode, field); }
    public override void Emit(OpCode opcode, string str) { Instructions++; inner.Emit(opcode, str); }

    public override void Emit(OpCode opcode, Label[] labels)
    {
        Instructions++;
        foreach (Label label in labels) _targets.Add(label.GetHashCode());
        inner.Emit(opcode, labels);
        Ended(opcode);
    }

    public override void EmitCalli(OpCode opcode, CallingConventions callingConvention, Type? returnType, Type[]? parameterTypes,
        Type[]? optionalParameterTypes)
    {
        Instructions++;
        inner.EmitCalli(opcode, callingConvention, returnType, parameterTypes, optionalParameterTypes);
    }

    public override void EmitCalli(OpCode opcode, CallingConvention unmanagedCallConv, Type? returnType, Type[]? parameterTypes)
    {
        Instructions++;
        inner.EmitCalli(opcode, unmanagedCallConv, returnType, parameterTypes);
    }

    public override void EmitCall(OpCode opcode, MethodInfo methodInfo, Type[]? optionalParameterTypes)
    {
        Instructions++;
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
        int label = loc.GetHashCode();
        while (_marked.Count <= label) _marked.Add(-1);
        _marked[label] = inner.ILOffset;
        inner.MarkLabel(loc);
    }

    public override LocalBuilder DeclareLocal(Type localType, bool pinned) => inner.DeclareLocal(localType, pinned);
    public override void UsingNamespace(string usingNamespace) => inner.UsingNamespace(usingNamespace);
    public override void BeginScope() => inner.BeginScope();
    public override void EndScope() => inner.EndScope();
    public override int ILOffset => inner.ILOffset;
}
