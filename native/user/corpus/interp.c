// A small bytecode interpreter: a stack machine with a switch dispatch loop, locals, jumps and calls, running
// factorial, a Fibonacci loop, a prime count and Collatz steps.
#include "../lib/u-lib.h"

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, DIV, LT, EQ, JMP, JZ, CALL, RET, PRINT, HALT, DUP, DROP };

static int64_t stack[64], locals[16];

static int64_t run(const int64_t* prog) {
    int sp = 0, pc = 0, rsp = 0, calls[16];
    for (long steps = 0; steps < 10000000; steps++) {
        if (sp < 0 || sp > 60 || rsp < 0 || rsp > 15 || pc < 0 || pc >= 256) return -2;
        int64_t op = prog[pc++], a, b;
        switch (op) {
        case PUSH: stack[sp++] = prog[pc++]; break;
        case LOAD: stack[sp++] = locals[prog[pc++]]; break;
        case STORE: locals[prog[pc++]] = stack[--sp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case DROP: sp--; break;
        case ADD: b = stack[--sp]; a = stack[--sp]; stack[sp++] = a + b; break;
        case SUB: b = stack[--sp]; a = stack[--sp]; stack[sp++] = a - b; break;
        case MUL: b = stack[--sp]; a = stack[--sp]; stack[sp++] = a * b; break;
        case MOD: b = stack[--sp]; a = stack[--sp]; stack[sp++] = b ? a % b : 0; break;
        case DIV: b = stack[--sp]; a = stack[--sp]; stack[sp++] = b ? a / b : 0; break;
        case LT: b = stack[--sp]; a = stack[--sp]; stack[sp++] = a < b; break;
        case EQ: b = stack[--sp]; a = stack[--sp]; stack[sp++] = a == b; break;
        case JMP: pc = (int)prog[pc]; break;
        case JZ: pc = stack[--sp] ? pc + 1 : (int)prog[pc]; break;
        case CALL: calls[rsp++] = pc + 1; pc = (int)prog[pc]; break;
        case RET: pc = calls[--rsp]; break;
        case PRINT: console_printf("  out %ld\n", stack[--sp]); break;
        case HALT: return sp ? stack[sp - 1] : 0;
        default: console_printf("  bad opcode %ld\n", op); return -1;
        }
    }
    return -3;
}

// A one-pass assembler for the programs: forward jumps are patched when their target is reached.
static int64_t code[256];
static int at;

static void op(int64_t o) { code[at++] = o; }
static void op1(int64_t o, int64_t arg) { code[at++] = o; code[at++] = arg; }
static int here(void) { return at; }
static int forward(int64_t o) { code[at++] = o; code[at++] = -1; return at - 1; }
static void land(int hole) { code[hole] = at; }

// n = 20; result = 1; while (0 < n) { result *= n; n -= 1; }
static void factorial(void) {
    at = 0;
    op1(PUSH, 20); op1(STORE, 0); op1(PUSH, 1); op1(STORE, 1);
    int top = here();
    op1(PUSH, 0); op1(LOAD, 0); op(LT); int done = forward(JZ);
    op1(LOAD, 1); op1(LOAD, 0); op(MUL); op1(STORE, 1);
    op1(LOAD, 0); op1(PUSH, 1); op(SUB); op1(STORE, 0); op1(JMP, top);
    land(done); op1(LOAD, 1); op(HALT);
}

// a, b = 0, 1; 80 times: a, b = b, a + b, printing a every 20th time
static void fibonacci(void) {
    at = 0;
    op1(PUSH, 0); op1(STORE, 0); op1(PUSH, 1); op1(STORE, 1); op1(PUSH, 0); op1(STORE, 2);
    int top = here();
    op1(LOAD, 2); op1(PUSH, 80); op(LT); int done = forward(JZ);
    op1(LOAD, 0); op1(LOAD, 1); op(DUP); op1(STORE, 0); op(ADD); op1(STORE, 1);
    op1(LOAD, 2); op1(PUSH, 1); op(ADD); op(DUP); op1(STORE, 2);
    op1(PUSH, 20); op(MOD); int print = forward(JZ); op1(JMP, top);
    land(print); op1(LOAD, 0); op(PRINT); op1(JMP, top);
    land(done); op1(LOAD, 0); op(HALT);
}

// primes below 2000 by trial division, the test a subroutine
static void primes(void) {
    at = 0;
    op1(PUSH, 2); op1(STORE, 0); op1(PUSH, 0); op1(STORE, 3);
    int top = here();
    op1(LOAD, 0); op1(PUSH, 2000); op(LT); int done = forward(JZ);
    int call = forward(CALL); op1(LOAD, 3); op(ADD); op1(STORE, 3);
    op1(LOAD, 0); op1(PUSH, 1); op(ADD); op1(STORE, 0); op1(JMP, top);
    land(done); op1(LOAD, 3); op(HALT);
    land(call); op1(PUSH, 2); op1(STORE, 1);                    // isprime(locals[0]): d = 2
    int loop = here();
    op1(LOAD, 1); op1(LOAD, 1); op(MUL); op1(LOAD, 0); op1(PUSH, 1); op(ADD); op(LT); int prime = forward(JZ);
    op1(LOAD, 0); op1(LOAD, 1); op(MOD); int composite = forward(JZ);
    op1(LOAD, 1); op1(PUSH, 1); op(ADD); op1(STORE, 1); op1(JMP, loop);
    land(prime); op1(PUSH, 1); op(RET);
    land(composite); op1(PUSH, 0); op(RET);
}

// steps for 27 to reach 1 under n -> n / 2 or 3n + 1
static void collatz(void) {
    at = 0;
    op1(PUSH, 27); op1(STORE, 0); op1(PUSH, 0); op1(STORE, 1);
    int top = here();
    op1(LOAD, 0); op1(PUSH, 1); op(EQ); int more = forward(JZ); op1(LOAD, 1); op(HALT);
    land(more); op1(LOAD, 1); op1(PUSH, 1); op(ADD); op1(STORE, 1);
    op1(LOAD, 0); op1(PUSH, 2); op(MOD); int even = forward(JZ);
    op1(LOAD, 0); op1(PUSH, 3); op(MUL); op1(PUSH, 1); op(ADD); op1(STORE, 0); op1(JMP, top);
    land(even); op1(LOAD, 0); op1(PUSH, 2); op(DIV); op1(STORE, 0); op1(JMP, top);
}

void process_main(void) {
    factorial();
    console_printf("factorial(20) = %ld\n", run(code));
    console_printf("fibonacci:\n");
    fibonacci();
    console_printf("fib(80) = %ld\n", run(code));
    primes();
    int64_t p = run(code);
    console_printf("primes below 2000: %ld\n", p);
    collatz();
    int64_t c = run(code);
    console_printf("collatz(27) steps: %ld\n", c);
    sys_exit((int)(p % 256));
}
