// LZ77 compression with hash chains (3-byte hash heads, chains up to 48 long, matches of 3..258 bytes) of a
// generated 4 KB text, then decompression and a byte-for-byte check, for 300 texts: byte compares, table
// updates, branchy match search, overlapping copies.
#include "u-lib.h"

#define IN     4096
#define OUTMAX (IN + IN / 8 + 16)
#define HBITS  12
#define CHAIN  48
#define MINM   3
#define MAXM   258
#define TEXTS  300

static unsigned char in[IN];
static unsigned char out[OUTMAX];
static unsigned char back[IN];
static int16_t head[1 << HBITS];
static int16_t prev[IN];

static const char* const words[24] = {
    "the ", "compress", "window ", "of ", "match", "ing ", "lazy ", "hash ", "chain ", "literal", "s ", "and ",
    "a ", "byte ", "offset ", "length ", "token", "er ", "stream ", "to ", "back", "ward ", "in ", "data "};

static int generate(uint64_t* s) {
    int n = 0;
    while (n < IN) {
        uint64_t r = rand_next(s);
        if ((r & 31) == 0) {                               // now and then a few random letters
            for (int k = 0; k < 3 && n < IN; k++) in[n++] = (unsigned char)('a' + (r >> (8 + 5 * k)) % 26);
            continue;
        }
        const char* w = words[(r >> 8) % 24];
        while (*w && n < IN) in[n++] = (unsigned char)*w++;
    }
    return n;
}

static inline unsigned hash3(const unsigned char* p) {
    return ((unsigned)p[0] * 506832829u ^ (unsigned)p[1] << 8 ^ p[2]) * 2654435761u >> (32 - HBITS);
}

// Output: a flag byte before each group of 8 tokens (bit set = match); a literal is one byte, a match is
// offset (2 bytes, little-endian) and length - 3 (one byte).
static int compress(int n) {
    for (int i = 0; i < (1 << HBITS); i++) head[i] = -1;
    int o = 0, flag_at = 0, bit = 8, i = 0;
    while (i < n) {
        if (bit == 8) { flag_at = o; out[o++] = 0; bit = 0; }
        int best = 0, best_off = 0;
        if (i + MINM <= n) {
            unsigned h = hash3(in + i);
            int limit = n - i < MAXM ? n - i : MAXM;
            int cand = head[h];
            for (int chain = 0; cand >= 0 && chain < CHAIN; chain++, cand = prev[cand]) {
                int len = 0;
                while (len < limit && in[cand + len] == in[i + len]) len++;
                if (len > best) { best = len; best_off = i - cand; if (len == limit) break; }
            }
            prev[i] = head[h];
            head[h] = (int16_t)i;
        }
        if (best >= MINM) {
            out[flag_at] |= (unsigned char)(1 << bit);
            out[o++] = (unsigned char)best_off; out[o++] = (unsigned char)(best_off >> 8);
            out[o++] = (unsigned char)(best - MINM);
            // Insert the positions the match covers into the chains too.
            for (int k = 1; k < best; k++) {
                int p = i + k;
                if (p + MINM > n) break;
                unsigned h = hash3(in + p);
                prev[p] = head[h];
                head[h] = (int16_t)p;
            }
            i += best;
        } else {
            out[o++] = in[i++];
        }
        bit++;
        assert(o <= OUTMAX - 4);
    }
    return o;
}

static int decompress(int len) {
    int o = 0, i = 0;
    while (i < len) {
        unsigned flags = out[i++];
        for (int bit = 0; bit < 8 && i < len; bit++) {
            if (flags & (1u << bit)) {
                int off = out[i] | out[i + 1] << 8;
                int m = out[i + 2] + MINM;
                i += 3;
                for (int k = 0; k < m; k++, o++) back[o] = back[o - off];     // may overlap: byte by byte
            } else {
                back[o++] = out[i++];
            }
        }
    }
    return o;
}

void process_main(void) {
    uint64_t s = 0x3C6EF372FE94F82BULL;
    uint64_t check = 0;
    long total_in = 0, total_out = 0;
    for (int t = 0; t < TEXTS; t++) {
        int n = generate(&s);
        int c = compress(n);
        int d = decompress(c);
        assert(d == n && memcmp(back, in, (size_t)n) == 0);
        total_in += n;
        total_out += c;
        for (int k = 0; k < c; k++) check = check * 257 + out[k];
    }
    console_printf("lz77 %d texts: %ld bytes -> %ld bytes (%ld%%), checksum %016lx\n", TEXTS, total_in, total_out,
                   total_out * 100 / total_in, (unsigned long)check);
    sys_exit((int)(check % 97));
}
