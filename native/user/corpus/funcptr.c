// Function pointers: indirect calls through a table, through a struct of operations, callbacks that take
// callbacks, and a pointer returned from a function.
#include "../lib/u-lib.h"

typedef int64_t (*binop)(int64_t, int64_t);

__attribute__((noinline)) static int64_t add(int64_t a, int64_t b) { return a + b; }
__attribute__((noinline)) static int64_t sub(int64_t a, int64_t b) { return a - b; }
__attribute__((noinline)) static int64_t mul(int64_t a, int64_t b) { return a * b; }
__attribute__((noinline)) static int64_t max(int64_t a, int64_t b) { return a > b ? a : b; }
__attribute__((noinline)) static int64_t xor(int64_t a, int64_t b) { return a ^ b; }

static binop table[] = {add, sub, mul, max, xor};
static const char* names[] = {"add", "sub", "mul", "max", "xor"};

struct shape {
    const char* name;
    int64_t (*area)(const struct shape*);
    int64_t w, h;
};

static int64_t rect_area(const struct shape* s) { return s->w * s->h; }
static int64_t tri_area(const struct shape* s) { return s->w * s->h / 2; }

__attribute__((noinline)) static int64_t fold(const int64_t* v, int n, binop op, int64_t init) {
    for (int i = 0; i < n; i++) init = op(init, v[i]);
    return init;
}

__attribute__((noinline)) static binop pick(const char* name) {
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0) return table[i];
    return add;
}

__attribute__((noinline)) static int64_t twice(binop f, int64_t (*g)(binop, int64_t), int64_t x) {
    return g(f, g(f, x));
}

static int64_t square_with(binop f, int64_t x) { return f(x, x); }

void process_main(void) {
    int64_t v[] = {3, -7, 12, 5, -1, 9, 100, -42};
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        console_printf("%s over v: %ld\n", names[i], fold(v, 8, table[i], i == 2 ? 1 : 0));
    struct shape shapes[] = {{"rect", rect_area, 6, 7}, {"tri", tri_area, 9, 5}, {"square", rect_area, 11, 11}};
    int64_t total = 0;
    for (int i = 0; i < 3; i++) {
        int64_t a = shapes[i].area(&shapes[i]);
        console_printf("%s area %ld\n", shapes[i].name, a);
        total += a;
    }
    console_printf("pick(\"mul\")(6, 7) = %ld, twice(mul, square, 3) = %ld\n", pick("mul")(6, 7), twice(pick("mul"), square_with, 3));
    sys_exit((int)(total % 200));
}
