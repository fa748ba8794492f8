using System.Text;
using Iced.Intel;

namespace VmLab.Sim.X86;

/// <summary>
/// Iced's formatter output, collected as text, with branch targets laid out as objdump lays them out. Iced writes
/// a target it has a symbol for as the symbol and its offset (<c>sys_exit+0x10</c>); objdump puts the address
/// first and the rest in angle brackets (<c>100070 &lt;sys_exit+0x10&gt;</c>).
/// </summary>
internal sealed class ObjdumpOutput : FormatterOutput
{
    private enum Symbol { None, Named, Signed }

    private readonly StringBuilder _text = new();
    private Symbol _symbol;

    public override void Write(string text, FormatterTextKind kind)
    {
        // after the symbol Iced may write its offset (an operator, then a number); anything else ends the symbol
        if (_symbol == Symbol.Named && kind == FormatterTextKind.Operator)
            _symbol = Symbol.Signed;
        else if (_symbol != Symbol.Signed || kind != FormatterTextKind.Number)
            Close();
        _text.Append(text);
        if (_symbol == Symbol.Signed && kind == FormatterTextKind.Number)
            Close();
    }

    public override void WriteSymbol(in Instruction instruction, int operand, int instructionOperand, ulong address,
        in SymbolResult symbol)
    {
        Close();
        _text.Append(address.ToString("x")).Append(" <");
        base.WriteSymbol(instruction, operand, instructionOperand, address, symbol);
        _symbol = Symbol.Named;
    }

    /// <summary>The instruction's text so far; the output is empty again for the next one.</summary>
    public string ToStringAndReset()
    {
        Close();
        string text = _text.ToString();
        _text.Clear();
        return text;
    }

    private void Close()
    {
        if (_symbol == Symbol.None) return;
        _text.Append('>');
        _symbol = Symbol.None;
    }
}
