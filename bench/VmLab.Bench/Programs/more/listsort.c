// Merge sort of a 2,048-node singly linked list from a static pool, 600 times with fresh keys and a shuffled
// link order: pointer chasing, recursive split and merge, unpredictable compare branches.
#include "u-lib.h"

#define NODES  2048
#define ROUNDS 600

struct node {
    uint32_t key;
    uint32_t tag;
    struct node* next;
};

static struct node pool[NODES];
static uint16_t order[NODES];

// Splits off the first half of a list of length n, sorts each half, merges them.
static struct node* msort(struct node* head, int n) {
    if (n <= 1) {
        if (head) head->next = 0;
        return head;
    }
    int half = n / 2;
    struct node* mid = head;
    for (int i = 0; i < half; i++) mid = mid->next;
    struct node* a = msort(head, half);
    struct node* b = msort(mid, n - half);
    struct node dummy;
    struct node* tail = &dummy;
    while (a && b) {
        if (a->key <= b->key) { tail->next = a; a = a->next; }   // <= keeps equal keys in order: stable
        else { tail->next = b; b = b->next; }
        tail = tail->next;
    }
    tail->next = a ? a : b;
    return dummy.next;
}

void process_main(void) {
    uint64_t s = 0x243F6A8885A308D3ULL;
    for (int i = 0; i < NODES; i++) order[i] = (uint16_t)i;
    uint64_t check = 0;
    for (int round = 0; round < ROUNDS; round++) {
        // Fresh keys (a narrow range in odd rounds, so there are many ties), and a partial shuffle of the link order.
        uint32_t mask = (round & 1) ? 0x3FF : 0xFFFFFFFF;
        for (int i = 0; i < NODES; i++) {
            pool[i].key = (uint32_t)(rand_next(&s) >> 16) & mask;
            pool[i].tag = (uint32_t)i;
        }
        for (int i = 0; i < 64; i++) {
            int a = (int)(rand_next(&s) % NODES), b = (int)(rand_next(&s) % NODES);
            uint16_t t = order[a]; order[a] = order[b]; order[b] = t;
        }
        for (int i = 0; i + 1 < NODES; i++) pool[order[i]].next = &pool[order[i + 1]];
        pool[order[NODES - 1]].next = 0;

        struct node* head = msort(&pool[order[0]], NODES);

        // Check: sorted and all nodes present; fold keys (and where ties landed) into the checksum.
        int count = 0;
        uint32_t prev = 0;
        uint64_t h = 0;
        for (struct node* p = head; p; p = p->next, count++) {
            assert(p->key >= prev);
            prev = p->key;
            h = h * 1000003 + p->key + (p->tag & 7);
        }
        assert(count == NODES);
        check ^= h + (uint64_t)round;
    }
    console_printf("list merge sort of %d nodes x%d: checksum %016lx\n", NODES, ROUNDS, (unsigned long)check);
    sys_exit((int)(check % 97));
}
