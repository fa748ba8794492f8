using VmLab.Sim.Cpu;
using VmLab.Sim.Machine;
using VmLab.Sim.Memory;

namespace VmLab.Sim.Kernel;

// IDLE FOREVER: WeensyOS programs never exit; once memory is full they yield in a loop (p-allocator, p-fork). With
// KernelOptions.StopWhenIdle the run ends there instead of spinning to its instruction or time limit.
public sealed partial class Kernel
{
    /// <summary>Idle kernel entries in a row, per live process, before the machine is called idle.</summary>
    internal const int IdleEntriesPerProcess = 2000;

    private readonly IdleWatch _idle = new();

    /// <summary>True once every live process has only yielded for <see cref="IdleEntriesPerProcess"/> kernel entries
    /// per process, each yield with exactly the registers of that process's previous one, no frame allocated or freed,
    /// nothing printed, and every byte of physical memory the same halfway through the streak as at its end: the
    /// machine is in a loop, nothing more will happen. Only watched with <see cref="KernelOptions.StopWhenIdle"/>.</summary>
    internal bool Idle { get; private set; }

    private void ForgetIdle()
    {
        Idle = false;
        _idle.Forget();
    }

    // After an entry.
    private void WatchIdle(Process p, StopReason reason, in RegisterFile asked)
    {
        if (!Options.StopWhenIdle) return;
        bool yield = reason == StopReason.Syscall && (long)asked[Reg.Rax] == SyscallAbi.Yield;
        Idle = _idle.Note(p.Pid, reason == StopReason.Timer, yield, asked, Frames.Version, _console.Length, Memory, _slots);
    }

    // The streak of idle entries: a yield with the registers of the same process's previous yield, the frame
    // allocator and the console unchanged since the entry before. A timer interrupt of a process inside its yield
    // loop neither counts nor breaks the streak. Halfway, all of memory is copied; at the end it must be the same.
    private sealed class IdleWatch
    {
        private readonly RegisterFile[] _lastYield = new RegisterFile[KernelLayout.NProc];
        private readonly bool[] _yielded = new bool[KernelLayout.NProc];
        private long _streak, _halfAt, _frames = -1, _console = -1;
        private byte[]? _halfway;

        public void Forget()
        {
            Array.Clear(_yielded);
            _streak = 0;
            _halfway = null;
        }

        // slots: the process table, whose live processes say how long the streak must be (counted only during one)
        public bool Note(int pid, bool timer, bool yield, in RegisterFile asked, long frames, long console, PhysicalMemory memory, Process?[] slots)
        {
            if (timer && _yielded[pid]) return false;
            bool same = yield && _yielded[pid] && _lastYield[pid].SameAs(asked) && frames == _frames && console == _console;
            _yielded[pid] = yield;
            if (yield) _lastYield[pid] = asked;
            (_frames, _console) = (frames, console);
            _streak = same ? _streak + 1 : 0;
            long needed = _streak == 0 ? 0 : IdleEntriesPerProcess * (long)slots.Count(q => q is { Alive: true });
            if (_streak == 0 || needed == 0)
                _halfway = null;
            else if (_halfway is null)
            {
                if (_streak >= needed / 2) (_halfway, _halfAt) = (Copy(memory), _streak);
            }
            else if (_streak - _halfAt >= needed - needed / 2)
            {
                if (Same(memory, _halfway)) return true;
                (_halfway, _halfAt) = (Copy(memory), _streak);     // memory moved: watch another half
            }
            return false;
        }

        private static byte[] Copy(PhysicalMemory memory)
        {
            var copy = new byte[memory.Size];
            for (ulong pa = 0; pa < memory.Size; pa += PhysicalMemory.FrameSize)
                memory.FrameArrayOrNull(pa)?.CopyTo(copy, (int)pa);
            return copy;
        }

        private static bool Same(PhysicalMemory memory, byte[] copy)
        {
            for (ulong pa = 0; pa < memory.Size; pa += PhysicalMemory.FrameSize)
            {
                var was = copy.AsSpan((int)pa, PhysicalMemory.FrameSize);
                if (memory.FrameArrayOrNull(pa) is { } now ? !now.AsSpan().SequenceEqual(was) : was.ContainsAnyExcept((byte)0)) return false;
            }
            return true;
        }
    }
}
