// WeensyOS's library header for C++ user programs, on VmLab's user library (u-lib.h): the same names and
// overloads CS61 programs call (console_printf(cpos, color, ...), rand(min, max), min/max, round_up/round_down,
// assert with a message, assert_eq...), so a WeensyOS program compiles as it is. What differs is in
// docs/user-programs.md ("WeensyOS programs").
#ifndef VMLAB_LIB_HH
#define VMLAB_LIB_HH
#ifndef __cplusplus
#error "lib.hh is for C++ programs (.cc); a C program includes u-lib.h"
#endif
#include "u-lib.h"

#define PID_MAX             16          // process slots (NPROC): pids are 1 .. 15
#define MAXNPROC            PID_MAX     // the same, as CS61's 2025 handout spells it
#define COLOR_ERROR         0xC000
#define COLOR_SUCCESS       0x0A00
#define COLOR_NORMAL        0x0700

// WeensyOS's error numbers (VmLab's syscalls answer -1 for every failure).
#define E_AGAIN             -11
#define E_NOMEM             -12
#define E_INVAL             -22
#define E_RANGE             -34

#ifndef offsetof
#define offsetof(type, member)  __builtin_offsetof(type, member)
#endif
#define arraysize(array)        (sizeof(array) / sizeof((array)[0]))

// min(a, b, ...) and max(a, b, ...): the smallest and largest argument (all of one type).
template <typename T> inline constexpr T min(T a, T b) { return b < a ? b : a; }
template <typename T, typename... Rest> inline constexpr T min(T a, T b, Rest... rest) { return min(min(a, b), rest...); }
template <typename T> inline constexpr T max(T a, T b) { return a < b ? b : a; }
template <typename T, typename... Rest> inline constexpr T max(T a, T b, Rest... rest) { return max(max(a, b), rest...); }

// round_down(x, m) and round_up(x, m): x rounded to a multiple of m, for unsigned x (an address as uintptr_t).
template <typename T> inline constexpr T round_down(T x, unsigned m) {
    static_assert(T(-1) > T(0), "round_down needs an unsigned type");
    return x - x % m;
}
template <typename T> inline constexpr T round_up(T x, unsigned m) {
    static_assert(T(-1) > T(0), "round_up needs an unsigned type");
    return round_down<T>(x + m - 1, m);
}
// The nearest powers of two at or below / at or above x (0 stays 0).
template <typename T> inline constexpr T round_down_pow2(T x) {
    static_assert(T(-1) > T(0), "round_down_pow2 needs an unsigned type");
    return x ? T(T(1) << (63 - __builtin_clzll((unsigned long long)x))) : T(0);
}
template <typename T> inline constexpr T round_up_pow2(T x) {
    return x <= 1 ? x : round_down_pow2<T>(T(x - 1)) << 1;
}

// msb(x): 1 + the index of the highest set bit (0 for 0); lsb(x): 1 + the index of the lowest (0 for 0).
inline constexpr int msb(unsigned long long x) { return x ? 64 - __builtin_clzll(x) : 0; }
inline constexpr int lsb(unsigned long long x) { return __builtin_ffsll((long long)x); }

inline bool isspace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
inline bool isdigit(int c) { return c >= '0' && c <= '9'; }
inline bool islower(int c) { return c >= 'a' && c <= 'z'; }
inline bool isupper(int c) { return c >= 'A' && c <= 'Z'; }
inline bool isalpha(int c) { return islower(c) || isupper(c); }
inline bool isalnum(int c) { return isalpha(c) || isdigit(c); }
inline int tolower(int c) { return isupper(c) ? c + ('a' - 'A') : c; }
inline int toupper(int c) { return islower(c) ? c - ('a' - 'A') : c; }

// rand(min, max): a number in [min, max], both included.
inline int rand(int min, int max) {
    assert(min <= max);
    return min + (int)(((unsigned long long)rand() * (unsigned long long)((long long)max - min + 1)) >> 31);
}

// console_printf(cpos, color, format, ...): prints at cpos (CPOS(row, col)); returns the position after.
// console_printf(color, format, ...) prints at `cursorpos` and moves it. Both also go to the console log.
int console_printf(int cpos, int color, const char* format, ...) __attribute__((format(printf, 3, 4)));
inline int console_printf(int cpos, int color, const char* format, ...) {
    va_list ap;
    va_start(ap, format);
    cpos = console_vprintf(cpos, color, format, ap);
    va_end(ap);
    return cpos;
}
void console_printf(int color, const char* format, ...) __attribute__((format(printf, 2, 3)));
inline void console_printf(int color, const char* format, ...) {
    va_list ap;
    va_start(ap, format);
    cursorpos = console_vprintf(cursorpos, color, format, ap);
    va_end(ap);
}

// error_printf: WeensyOS prints errors in red; VmLab's log has no colour, so these are console_printf.
inline int error_vprintf(int cpos, int color, const char* format, va_list ap) {
    return console_vprintf(cpos, color, format, ap);
}
void error_printf(int cpos, int color, const char* format, ...) __attribute__((format(printf, 3, 4)));
inline void error_printf(int cpos, int color, const char* format, ...) {
    va_list ap;
    va_start(ap, format);
    cursorpos = console_vprintf(cpos, color, format, ap);
    va_end(ap);
}
void error_printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
inline void error_printf(const char* format, ...) {
    va_list ap;
    va_start(ap, format);
    cursorpos = console_vprintf(cursorpos, COLOR_ERROR, format, ap);
    va_end(ap);
}

// assert(x) and assert(x, "message"): a false x prints where and what, then ends the process (status 1).
[[noreturn]] inline void assert_fail(const char* file, int line, const char* expression, const char* message) {
    panic("%s:%d: assertion '%s' failed: %s", file, line, expression, message);
}
#undef assert
#define assert(x, ...) ((x) ? (void)0 : assert_fail(__FILE__, __LINE__, #x, ##__VA_ARGS__))

// assert_eq(x, y) and friends: like assert(x == y), and the message shows both values.
inline void assert_value(char* buf, size_t n, long long v) { snprintf(buf, n, "%lld", v); }
inline void assert_value(char* buf, size_t n, unsigned long long v) { snprintf(buf, n, "%llu", v); }
inline void assert_value(char* buf, size_t n, const volatile void* v) { snprintf(buf, n, "%p", (const void*)v); }
inline void assert_value(char* buf, size_t n, long v) { assert_value(buf, n, (long long)v); }
inline void assert_value(char* buf, size_t n, int v) { assert_value(buf, n, (long long)v); }
inline void assert_value(char* buf, size_t n, short v) { assert_value(buf, n, (long long)v); }
inline void assert_value(char* buf, size_t n, signed char v) { assert_value(buf, n, (long long)v); }
inline void assert_value(char* buf, size_t n, char v) { assert_value(buf, n, (long long)v); }
inline void assert_value(char* buf, size_t n, bool v) { snprintf(buf, n, "%s", v ? "true" : "false"); }
inline void assert_value(char* buf, size_t n, unsigned long v) { assert_value(buf, n, (unsigned long long)v); }
inline void assert_value(char* buf, size_t n, unsigned v) { assert_value(buf, n, (unsigned long long)v); }
inline void assert_value(char* buf, size_t n, unsigned short v) { assert_value(buf, n, (unsigned long long)v); }
inline void assert_value(char* buf, size_t n, unsigned char v) { assert_value(buf, n, (unsigned long long)v); }

template <typename T, typename U>
[[noreturn]] inline void assert_op_fail(const char* file, int line, const char* expression, const T& x, const U& y) {
    char a[32], b[32];
    assert_value(a, sizeof a, x);
    assert_value(b, sizeof b, y);
    panic("%s:%d: assertion '%s' failed (%s vs %s)", file, line, expression, a, b);
}
#define assert_op(x, op, y) do {                                                    \
        auto __x = (x); auto __y = (y);                                             \
        if (!(__x op __y)) assert_op_fail(__FILE__, __LINE__, #x " " #op " " #y, __x, __y); \
    } while (0)
#define assert_eq(x, y) assert_op(x, ==, y)
#define assert_ne(x, y) assert_op(x, !=, y)
#define assert_lt(x, y) assert_op(x, <, y)
#define assert_le(x, y) assert_op(x, <=, y)
#define assert_gt(x, y) assert_op(x, >, y)
#define assert_ge(x, y) assert_op(x, >=, y)
#define assert_memeq(x, y, sz) assert(memcmp((x), (y), (sz)) == 0)

#endif
