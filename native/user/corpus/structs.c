// Struct copies of many sizes, return by value, unions, bitfields, arrays of structs.
#include "../lib/u-lib.h"
struct s3 { char c[3]; };
struct s12 { int a, b, c; };
struct s24 { long a; int b; short c; char d; };
struct big { long v[37]; char tail[5]; };
union u { double d; uint64_t u; unsigned char b[8]; };
struct bf { unsigned a : 3, b : 7, c : 1; signed d : 5; unsigned long e : 40; };
static uint64_t h = 1469598103934665603UL;
static void fold(uint64_t v) { h = (h ^ v) * 1099511628211UL; }
static void foldmem(const void* p, size_t n) { const unsigned char* c = p; for (size_t i = 0; i < n; i++) fold(c[i]); }
__attribute__((noinline)) static struct big make(int seed) {
    struct big b; for (int i = 0; i < 37; i++) b.v[i] = (long)seed * 1000003 + i * i - 5;
    for (int i = 0; i < 5; i++) b.tail[i] = (char)(seed + i);
    return b;
}
__attribute__((noinline)) static struct s24 mk24(long a) { struct s24 s = {a, (int)a * 3, (short)a, (char)a}; return s; }
__attribute__((noinline)) static struct s12 add12(struct s12 x, struct s12 y) { return (struct s12){x.a + y.a, x.b - y.b, x.c * y.c}; }
__attribute__((noinline)) static struct s3 rev3(struct s3 x) { return (struct s3){{x.c[2], x.c[1], x.c[0]}}; }
__attribute__((noinline)) static long sumbig(struct big b) { long s = 0; for (int i = 0; i < 37; i++) s += b.v[i] ^ i; return s + b.tail[4]; }
static struct big gbig[3];
void process_main(void) {
    struct big a = make(7), b;
    b = a; b.v[36]++;
    gbig[1] = b; gbig[2] = gbig[1]; gbig[0] = make(-3);
    foldmem(gbig, sizeof gbig);
    fold((uint64_t)sumbig(gbig[2]));
    struct s24 arr[9];
    for (int i = 0; i < 9; i++) arr[i] = mk24(i * 77 - 100);
    struct s24 arr2[9]; __builtin_memcpy(arr2, arr, sizeof arr);
    for (int i = 0; i < 9; i++) fold((uint64_t)arr2[i].a + (uint64_t)arr2[i].b + (uint64_t)arr2[i].c + (uint64_t)arr2[i].d);
    struct s12 p = {1, 2, 3}, q = {40, 50, 60};
    for (int i = 0; i < 10; i++) p = add12(p, q);
    fold((uint64_t)p.a); fold((uint64_t)p.b); fold((uint64_t)p.c);
    struct s3 t = {{'x', 'y', 'z'}}; t = rev3(t); foldmem(&t, 3);
    union u un; un.u = 0x400921FB54442D18UL; foldmem(un.b, 8);
    struct bf f = {5, 100, 1, -9, 0x123456789AUL};
    for (int i = 0; i < 20; i++) { f.a += 3; f.b ^= (unsigned)i; f.c = !f.c; f.d -= 3; f.e = f.e * 3 + 1; }
    fold(f.a); fold(f.b); fold(f.c); fold((uint64_t)(int64_t)f.d); fold(f.e);
    console_printf("structs %016lx %c%c%c %d %ld\n", h, t.c[0], t.c[1], t.c[2], f.d, (long)f.e);
    sys_exit((int)(h & 63));
}
