// A bytecode interpreter (a stack machine with a switch) running a nested counting loop: indirect jumps through
// the jump table, loads and stores of the stack, data-dependent branches.
#include "u-lib.h"

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, XOR, JNZ, DUP, POP, HALT };

static const long program[] = {
    PUSH, 0, STORE, 0,              // acc = 0
    PUSH, 3000, STORE, 1,           // i = 3000
    /* 8: outer */ PUSH, 400, STORE, 2,   // j = 400
    /* 12: inner */ LOAD, 0, LOAD, 2, MUL, LOAD, 1, XOR, LOAD, 0, ADD, STORE, 0,
    LOAD, 2, PUSH, 1, SUB, DUP, STORE, 2, JNZ, 12,
    LOAD, 1, PUSH, 1, SUB, DUP, STORE, 1, JNZ, 8,
    HALT,
};

static long run(const long* code) {
    long stack[64], vars[8] = {0};
    int sp = 0;
    long pc = 0;
    for (;;) {
        switch (code[pc]) {
        case PUSH: stack[sp++] = code[pc + 1]; pc += 2; break;
        case LOAD: stack[sp++] = vars[code[pc + 1]]; pc += 2; break;
        case STORE: vars[code[pc + 1]] = stack[--sp]; pc += 2; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; pc++; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; pc++; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; pc++; break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; pc++; break;
        case JNZ: pc = stack[--sp] ? code[pc + 1] : pc + 2; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; pc++; break;
        case POP: sp--; pc++; break;
        default: return vars[0];
        }
    }
}

void process_main(void) {
    long acc = run(program);
    console_printf("interpreter: %ld\n", acc);
    sys_exit((int)((unsigned long)acc % 97));
}
