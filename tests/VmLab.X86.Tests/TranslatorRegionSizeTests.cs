using System.Reflection.Emit;
using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.X86;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A region is one .NET method, and the JIT optimises a method only within its size limits: past them it compiles
/// it with no inlining and every local on the stack, several times slower. A loop of gcc -O0-like code (a memory
/// access at almost every instruction) whose page is merged into one region is emitted again with fewer
/// instructions until its method is within them; a loop of ordinary size is not.
/// </summary>
public class TranslatorRegionSizeTests
{
    /// <summary>A loop (ecx from rounds down) of triples that load a local at rbp, add a constant and store it
    /// into another local, as gcc -O0 keeps every variable in the frame.</summary>
    private static Action<Assembler> Locals(int triples, int rounds) => a =>
    {
        var loop = a.CreateLabel();
        a.mov(rbp, (long)X86Machine.StackTop - 512);
        a.mov(ecx, rounds);
        a.Label(ref loop);
        for (int k = 0; k < triples; k++)
        {
            a.mov(eax, __dword_ptr[rbp - 8 - 4 * (k % 32)]);
            a.add(eax, k + 1);
            a.mov(__dword_ptr[rbp - 8 - 4 * ((k + 5) % 32)], eax);
        }
        a.dec(ecx);
        a.jnz(loop);
    };

    private static (X86Machine Translated, long Shrunk) RunAlike(Action<Assembler> program)
    {
        var (t, i) = TranslatorPair.Of(program);
        t.Cpu.TranslationMergeChains = 1;   // the page's regions merge after a few rounds
        Assert.Equal(StopReason.InvalidOpcode, i.Run(50_000_000));
        Assert.Equal(StopReason.InvalidOpcode, t.Run(50_000_000));
        Assert.True(i.Cpu.Registers.SameAs(t.Cpu.Registers), "registers, rip or flags differ");
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        Assert.Equal(i.Memory.Peek(X86Machine.StackTop - 4096, 4096), t.Memory.Peek(X86Machine.StackTop - 4096, 4096));
        Assert.True(t.Cpu.TranslationProfile.Translated > t.Cpu.InstructionCount * 9 / 10,
            $"{t.Cpu.TranslationProfile.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
        return (t, t.Cpu.TranslationForms.Shrunk);
    }

    [Fact]
    public void A_merged_region_too_large_for_the_jit_to_optimise_is_emitted_again_smaller()
    {
        var (t, shrunk) = RunAlike(Locals(triples: 150, rounds: 400));
        Assert.True(shrunk > 0, "the 450-instruction loop's merge was compiled whole");
        Assert.True(t.Cpu.TranslationStats.Regions >= 2, "one region holds the whole loop");
    }

    [Fact]
    public void A_merged_region_within_the_jits_size_limits_but_with_too_many_local_references_is_emitted_again_smaller()
    {
        // 296 instructions: ~48 KB of IL, ~18,200 IL instructions and ~1,500 blocks, all within the JIT's limits,
        // but ~8,400 loads and stores of locals, past its 8,000 (MinOpts: SHA-256 at gcc -O0, 7.5x QEMU)
        var (t, shrunk) = RunAlike(Locals(triples: 98, rounds: 1000));
        Assert.True(shrunk > 0, "the 296-instruction loop's merge was compiled whole");
        Assert.True(t.Cpu.TranslationStats.Regions >= 2, "one region holds the whole loop");
    }

    [Fact]
    public void A_page_too_large_for_one_region_compiles_each_merge_of_its_parts_once()
    {
        // the 450-instruction loop's merges, from one part and then the other, take the same blocks each time: the
        // later ones hand them back to the region compiled before (18 regions when each was compiled again)
        var (t, _) = RunAlike(Locals(triples: 150, rounds: 4000));
        Assert.True(t.Cpu.TranslationRemerged > 0, "no merge handed its blocks back");
        Assert.InRange(t.Cpu.TranslationStats.Regions, 2, 10);
    }

    [Fact]
    public void A_region_whose_accesses_leave_at_a_miss_holds_no_fault_exit_for_them()
    {
        // 257 instructions, ~7,300 references to locals: such an access cannot fault in the region, and a fault
        // exit at every instruction (~40% more references) would have had the merge emitted again smaller
        var (t, shrunk) = RunAlike(Locals(triples: 85, rounds: 1000));
        Assert.Equal(0, shrunk);
        Assert.Equal(0, t.Cpu.TranslationMisses.Recompiled);   // its page still leaves at misses
    }

    [Fact]
    public void A_region_of_ordinary_size_is_emitted_once()
    {
        var (_, shrunk) = RunAlike(Locals(triples: 30, rounds: 2000));
        Assert.Equal(0, shrunk);
    }
}

/// <summary>The IL generator's count of local and argument references is the JIT's: every load, store and address
/// of one, in short or long form; past 8,000 the JIT does not optimise the method (7,900 are allowed).</summary>
public class IlLocalRefCountTests
{
    [Fact]
    public void Loads_stores_and_addresses_of_locals_and_arguments_count_past_the_limit()
    {
        var method = new DynamicMethod("refs", typeof(int), [typeof(int)]);
        var il = new XIl(method.GetILGenerator());
        var locals = Enumerable.Range(0, 300).Select(_ => il.DeclareLocal(typeof(int))).ToArray();
        for (int i = 0; i < 1975; i++)
        {
            il.Emit(OpCodes.Ldarg_0);                      // short form
            il.Emit(OpCodes.Stloc, locals[i % 300]);       // stloc.s past local 3, stloc.N below
            il.Emit(OpCodes.Ldloca, locals[(i + 7) % 300]);
            il.Emit(OpCodes.Pop);
            il.Emit(OpCodes.Ldarg_S, (byte)0);
        }
        il.Emit(OpCodes.Ret);
        Assert.Equal(7900, il.LocalRefs);         // the JIT's 8,000 less what is kept spare
        Assert.True(il.ILOffset < 58_000 && il.Instructions < 19_500 && il.Blocks < 1_950);
        Assert.True(il.Optimizable);
        il.Emit(OpCodes.Ldloc, locals[0]);
        il.Emit(OpCodes.Pop);
        Assert.False(il.Optimizable);
    }
}

/// <summary>The IL generator's count of basic blocks is the JIT's: a block starts at the method's start, at each
/// label a branch goes to, and after each branch, return or throw; a label no branch goes to starts none.</summary>
public class IlBlockCountTests
{
    [Fact]
    public void Blocks_start_at_branch_targets_and_after_branches_only()
    {
        var method = new DynamicMethod("blocks", typeof(int), [typeof(int)]);
        var il = new XIl(method.GetILGenerator());
        var (odd, unused, end) = (il.DefineLabel(), il.DefineLabel(), il.DefineLabel());
        il.Emit(OpCodes.Ldarg_0);           // block 1
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.And);
        il.Emit(OpCodes.Brtrue, odd);
        il.MarkLabel(unused);                                         // block 2 (after the branch), not a target
        il.Emit(OpCodes.Ldc_I4_2);
        il.Emit(OpCodes.Br, end);
        il.MarkLabel(odd);                                            // block 3
        il.Emit(OpCodes.Ldc_I4_3);
        il.MarkLabel(end);                                            // block 4
        il.Emit(OpCodes.Ret);
        Assert.Equal(4, il.Blocks);
        Assert.Equal(8, il.Instructions);
        Assert.Equal(1, il.LocalRefs);
        Assert.True(il.Optimizable);
        var f = method.CreateDelegate<Func<int, int>>();
        Assert.Equal((2, 3), (f(4), f(5)));
    }
}
