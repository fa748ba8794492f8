// Base64 round trips: encodes a 3 KB buffer (lengths vary, so all padding cases occur), decodes it through a
// 256-entry reverse table with validity checks, compares, and mutates the buffer; 3,000 times.
#include "u-lib.h"

#define MAXLEN 3072
#define ROUNDS 3000

static const char alphabet[65] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static signed char reverse[256];
static unsigned char data[MAXLEN];
static char text[(MAXLEN + 2) / 3 * 4 + 1];
static unsigned char back[MAXLEN];

static size_t encode(const unsigned char* in, size_t n, char* out) {
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = 0;
    return o;
}

// Returns the decoded length, or -1 for malformed input.
static long decode(const char* in, size_t n, unsigned char* out) {
    if (n % 4) return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int a = reverse[(unsigned char)in[i]], b = reverse[(unsigned char)in[i + 1]];
        int c = reverse[(unsigned char)in[i + 2]], d = reverse[(unsigned char)in[i + 3]];
        if (a < 0 || b < 0) return -1;
        int last = i + 4 == n;
        if (c < 0 || d < 0) {
            if (!last) return -1;
            if (in[i + 3] != '=') return -1;
            if (in[i + 2] == '=') {
                out[o++] = (unsigned char)(a << 2 | b >> 4);
                return (long)o;
            }
            if (c < 0) return -1;
            out[o++] = (unsigned char)(a << 2 | b >> 4);
            out[o++] = (unsigned char)(b << 4 | c >> 2);
            return (long)o;
        }
        out[o++] = (unsigned char)(a << 2 | b >> 4);
        out[o++] = (unsigned char)(b << 4 | c >> 2);
        out[o++] = (unsigned char)(c << 6 | d);
    }
    return (long)o;
}

void process_main(void) {
    for (int i = 0; i < 256; i++) reverse[i] = -1;
    for (int i = 0; i < 64; i++) reverse[(unsigned char)alphabet[i]] = (signed char)i;

    // Known answers, and malformed input rejected.
    assert(encode((const unsigned char*)"Man", 3, text) == 4 && memcmp(text, "TWFu", 4) == 0);
    assert(encode((const unsigned char*)"Ma", 2, text) == 4 && memcmp(text, "TWE=", 4) == 0);
    assert(encode((const unsigned char*)"M", 1, text) == 4 && memcmp(text, "TQ==", 4) == 0);
    assert(decode("TWFu", 4, back) == 3 && decode("TQ==", 4, back) == 1 && decode("T*==", 4, back) == -1);
    assert(decode("TWE", 3, back) == -1 && decode("TQ==TWFu", 8, back) == -1);

    uint64_t s = 0xBB67AE8584CAA73BULL;
    for (int i = 0; i < MAXLEN; i++) data[i] = (unsigned char)(rand_next(&s) >> 32);
    uint64_t check = 0;
    long bytes = 0;
    for (int r = 0; r < ROUNDS; r++) {
        size_t n = MAXLEN - (size_t)(r % 7);
        size_t t = encode(data, n, text);
        assert(t == (n + 2) / 3 * 4);
        long m = decode(text, t, back);
        assert(m == (long)n && memcmp(back, data, n) == 0);
        bytes += m;
        // Fold some of the text into the checksum, then change a few bytes of the buffer.
        for (size_t k = 0; k < t; k += 61) check = check * 131 + (unsigned char)text[k];
        check += (unsigned char)text[t - 1];
        for (int k = 0; k < 8; k++) data[rand_next(&s) % MAXLEN] ^= (unsigned char)(1 + r);
    }
    console_printf("base64 %d round trips, %ld bytes, checksum %016lx\n", ROUNDS, bytes, (unsigned long)check);
    sys_exit((int)(check % 97));
}
