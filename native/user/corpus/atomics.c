// Atomics as gcc builds them for one CPU: C11 and __sync builtins at every width (lock-prefixed add/sub/inc/
// dec/and/or/xor/xadd/xchg/cmpxchg/bts/btr/btc, cmpxchg loops for nand and fetch-ops whose old value is used)
// and the fences (__atomic_thread_fence and __sync_synchronize: `lock orq $0,(%rsp)` at -O0..-O3, mfence at -Os).
#include "../lib/u-lib.h"

static uint64_t h = 0xcbf29ce484222325UL;

static void fold(uint64_t v) {
    h = (h ^ v) * 0x100000001B3UL;
}

#define WIDTH(ty, name)                                                                              \
    static ty name##_g;                                                                              \
    __attribute__((noinline)) static void name(ty a, ty b, int bit) {                                \
        name##_g = a;                                                                                \
        fold((uint64_t)__atomic_fetch_add(&name##_g, b, __ATOMIC_SEQ_CST));                          \
        fold((uint64_t)__atomic_fetch_sub(&name##_g, a, __ATOMIC_ACQ_REL));                          \
        fold((uint64_t)__atomic_fetch_and(&name##_g, (ty)~b, __ATOMIC_SEQ_CST));                     \
        fold((uint64_t)__atomic_fetch_or(&name##_g, a, __ATOMIC_RELEASE));                           \
        fold((uint64_t)__atomic_fetch_xor(&name##_g, b, __ATOMIC_SEQ_CST));                          \
        fold((uint64_t)__atomic_fetch_nand(&name##_g, a, __ATOMIC_SEQ_CST));                         \
        fold((uint64_t)__atomic_add_fetch(&name##_g, b, __ATOMIC_SEQ_CST));                          \
        fold((uint64_t)__atomic_nand_fetch(&name##_g, b, __ATOMIC_SEQ_CST));                         \
        __atomic_fetch_add(&name##_g, 1, __ATOMIC_RELAXED);                                          \
        __atomic_fetch_sub(&name##_g, 1, __ATOMIC_RELAXED);                                          \
        __atomic_fetch_or(&name##_g, b, __ATOMIC_RELAXED);                                           \
        __atomic_fetch_xor(&name##_g, a, __ATOMIC_RELAXED);                                          \
        fold((uint64_t)(__atomic_sub_fetch(&name##_g, a, __ATOMIC_SEQ_CST) == 0));                  \
        fold((uint64_t)((__atomic_add_fetch(&name##_g, b, __ATOMIC_SEQ_CST) & ((ty)1 << (sizeof(ty) * 8 - 1))) != 0)); \
        fold((uint64_t)((__atomic_fetch_or(&name##_g, (ty)1 << bit, __ATOMIC_SEQ_CST) >> bit) & 1)); \
        fold((uint64_t)((__atomic_fetch_and(&name##_g, (ty) ~((ty)1 << bit), __ATOMIC_SEQ_CST) >> bit) & 1)); \
        fold((uint64_t)((__atomic_fetch_xor(&name##_g, (ty)1 << bit, __ATOMIC_SEQ_CST) >> bit) & 1)); \
        fold((uint64_t)((__atomic_fetch_or(&name##_g, (ty)1 << 5, __ATOMIC_SEQ_CST) & ((ty)1 << 5)) != 0)); \
        fold((uint64_t)__atomic_exchange_n(&name##_g, b, __ATOMIC_SEQ_CST));                         \
        ty expected = a;                                                                             \
        fold((uint64_t)__atomic_compare_exchange_n(&name##_g, &expected, a, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)); \
        fold((uint64_t)expected);                                                                    \
        fold((uint64_t)__atomic_compare_exchange_n(&name##_g, &expected, b, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)); \
        fold((uint64_t)__sync_fetch_and_add(&name##_g, a));                                          \
        fold((uint64_t)__sync_fetch_and_or(&name##_g, b));                                           \
        fold((uint64_t)__sync_bool_compare_and_swap(&name##_g, name##_g, a));                        \
        fold((uint64_t)__sync_val_compare_and_swap(&name##_g, b, a));                                \
        fold((uint64_t)__sync_lock_test_and_set(&name##_g, b));                                      \
        __sync_lock_release(&name##_g);                                                              \
        __atomic_store_n(&name##_g, a, __ATOMIC_SEQ_CST);                                            \
        __atomic_thread_fence(__ATOMIC_SEQ_CST);                                                     \
        fold((uint64_t)__atomic_load_n(&name##_g, __ATOMIC_SEQ_CST));                                \
        __sync_synchronize();                                                                        \
        fold((uint64_t)__atomic_load_n(&name##_g, __ATOMIC_ACQUIRE));                                \
    }

WIDTH(int8_t, s8)
WIDTH(uint8_t, u8)
WIDTH(int16_t, s16)
WIDTH(uint16_t, u16)
WIDTH(int32_t, s32)
WIDTH(uint32_t, u32)
WIDTH(int64_t, s64)
WIDTH(uint64_t, u64)

static volatile char flag;

void process_main(void) {
    static const int64_t values[] = {0, 1, -1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, -32768, 0x7FFFFFFF, -2147483647 - 1,
                                     0x123456789abcdef0, -9223372036854775807 - 1, 9223372036854775807};
    int n = (int)(sizeof values / sizeof values[0]);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int64_t a = values[i], b = values[j];
            int bit = (i * 7 + j) & 63;
            s8((int8_t)a, (int8_t)b, bit & 7);
            u8((uint8_t)a, (uint8_t)b, bit & 7);
            s16((int16_t)a, (int16_t)b, bit & 15);
            u16((uint16_t)a, (uint16_t)b, bit & 15);
            s32((int32_t)a, (int32_t)b, bit & 31);
            u32((uint32_t)a, (uint32_t)b, bit & 31);
            s64(a, b, bit);
            u64((uint64_t)a, (uint64_t)b, bit);
        }
    console_printf("atomics: %016lx\n", h);
    fold((uint64_t)__atomic_test_and_set(&flag, __ATOMIC_SEQ_CST));
    fold((uint64_t)__atomic_test_and_set(&flag, __ATOMIC_SEQ_CST));
    __atomic_clear(&flag, __ATOMIC_SEQ_CST);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    console_printf("flag: %016lx\n", h);
    sys_exit((int)(h % 101));
}
