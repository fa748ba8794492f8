// Word frequency count: generates a 10 KB text of syllable words (skewed word choice, capitals, punctuation,
// line breaks), tokenises it, lower-cases, hashes with FNV-1a and counts in an open-addressing table; 450 texts.
#include "u-lib.h"

#define TEXT   10000
#define VOCAB  500
#define TABLE  1024           // a power of two, at least twice VOCAB
#define ARENA  4096
#define TEXTS  450

struct entry {
    uint32_t hash;
    uint32_t count;
    uint16_t offset;          // of the word's letters in the arena
    uint8_t len;
    uint8_t used;
};

static char text[TEXT + 32];
static struct entry table[TABLE];
static char arena[ARENA];
static int arena_used;

static const char* const syllables[16] = {"ka", "to", "ri", "ne", "su", "mo", "la", "pi",
                                          "en", "dor", "qua", "sh", "ul", "ve", "x", "yo"};

// Writes word number i (1 to 3 syllables), capitalised if asked; returns its length.
static int put_word(char* out, int i, int capital) {
    int n = 0;
    int parts = 1 + i % 3;
    unsigned v = (unsigned)i * 2654435761u >> 8;
    for (int p = 0; p < parts; p++, v >>= 4)
        for (const char* q = syllables[v & 15]; *q; q++) out[n++] = *q;
    if (capital) out[0] = (char)(out[0] - 'a' + 'A');
    return n;
}

static int generate(uint64_t* s) {
    int n = 0, capital = 1;
    while (n < TEXT) {
        uint64_t r = rand_next(s);
        int a = (int)(r % VOCAB), b = (int)((r >> 16) % VOCAB);
        int word = a < b ? a : b;                       // the smaller of two: low numbers are common
        n += put_word(text + n, word, capital);
        capital = 0;
        switch ((r >> 32) & 15) {
        case 0: text[n++] = '.'; text[n++] = ' '; capital = 1; break;
        case 1: text[n++] = ','; text[n++] = ' '; break;
        case 2: text[n++] = '\n'; break;
        case 3: text[n++] = ' '; text[n++] = '-'; text[n++] = ' '; break;
        default: text[n++] = ' '; break;
        }
    }
    text[n] = 0;
    return n;
}

static void count_word(const char* w, int len, uint32_t h) {
    uint32_t i = h & (TABLE - 1);
    for (;;) {
        struct entry* e = &table[i];
        if (!e->used) {
            assert(arena_used + len <= ARENA);
            memcpy(arena + arena_used, w, (size_t)len);
            e->hash = h; e->count = 1; e->offset = (uint16_t)arena_used; e->len = (uint8_t)len; e->used = 1;
            arena_used += len;
            return;
        }
        if (e->hash == h && e->len == len && memcmp(arena + e->offset, w, (size_t)len) == 0) {
            e->count++;
            return;
        }
        i = (i + 1) & (TABLE - 1);
    }
}

void process_main(void) {
    uint64_t s = 0x6A09E667F3BCC908ULL;
    uint64_t check = 0;
    long words = 0;
    int distinct = 0, top_count = 0;
    char top[32];
    for (int t = 0; t < TEXTS; t++) {
        memset(table, 0, sizeof table);
        arena_used = 0;
        int n = generate(&s);
        char word[32];
        int len = 0;
        uint32_t h = 2166136261u;
        for (int i = 0; i <= n; i++) {
            char c = text[i];
            if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
            if (c >= 'a' && c <= 'z') {
                word[len++] = c;
                h = (h ^ (unsigned char)c) * 16777619u;
            } else if (len) {
                count_word(word, len, h);
                words++;
                len = 0;
                h = 2166136261u;
            }
        }
        // The most frequent word (the first in table order on ties) and the number of distinct words.
        distinct = 0;
        top_count = 0;
        int top_i = 0;
        for (int i = 0; i < TABLE; i++) {
            if (!table[i].used) continue;
            distinct++;
            check = check * 31 + table[i].count * (uint64_t)(i + 1);
            if ((int)table[i].count > top_count) { top_count = (int)table[i].count; top_i = i; }
        }
        memcpy(top, arena + table[top_i].offset, table[top_i].len);
        top[table[top_i].len] = 0;
    }
    console_printf("word count over %d texts: %ld words; last text: %d distinct, top \"%s\" x%d; checksum %016lx\n",
                   TEXTS, words, distinct, top, top_count, (unsigned long)check);
    sys_exit((int)(check % 97));
}
