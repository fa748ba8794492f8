/* The lock and the table from addresses to views, shared by both fault paths (see lazycopy.c for the
 * ordering rules). The table hashes 64 KiB granules; a view is linked under every granule it overlaps, so
 * any address inside any view is found with one probe, for any number of views. */
#define _GNU_SOURCE
#include "lazycopy.h"

#include <sched.h>
#include <stdlib.h>

static volatile int lock;
static struct lc_link **buckets;
static size_t nbuckets;         /* a power of two */
static size_t nlinked;          /* links in the table */

void lc_lock(void)
{
    for (int spins = 0; __atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE); spins++) {
        while (__atomic_load_n(&lock, __ATOMIC_RELAXED)) {
            if (++spins < 64)
                __builtin_ia32_pause();
            else
                sched_yield();  /* a raw system call: safe in the handler */
        }
    }
}

void lc_unlock(void)
{
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

static size_t bucket_of(uintptr_t granule, size_t n)
{
    return (size_t)((granule * 0x9E3779B97F4A7C15ull) >> 32) & (n - 1);
}

/* ---- the table (caller holds the lock) ---- */

void lc_table_link(struct lc_view *v)
{
    for (size_t i = 0; i < v->nlinks; i++) {
        struct lc_link *l = &v->links[i];
        size_t b = bucket_of(l->granule, nbuckets);
        l->next = buckets[b];
        buckets[b] = l;
    }
    nlinked += v->nlinks;
}

void lc_table_unlink(struct lc_view *v)
{
    for (size_t i = 0; i < v->nlinks; i++) {
        struct lc_link **pp = &buckets[bucket_of(v->links[i].granule, nbuckets)];
        while (*pp != &v->links[i])
            pp = &(*pp)->next;
        *pp = v->links[i].next;
    }
    nlinked -= v->nlinks;
}

struct lc_view *lc_find(uintptr_t a)
{
    if (nbuckets == 0)
        return NULL;
    uintptr_t g = a >> GRANULE_SHIFT;
    for (struct lc_link *l = buckets[bucket_of(g, nbuckets)]; l; l = l->next)
        if (l->granule == g && a - l->view->addr < l->view->size)
            return l->view;
    return NULL;
}

/* Makes room for `more` links (not with the lock held: it allocates). 0, or -1 with errno ENOMEM. */
int lc_table_reserve(size_t more)
{
    lc_lock();
    size_t have = nbuckets, need = nlinked + more;
    lc_unlock();
    if (have != 0 && need <= have)
        return 0;
    size_t n = have ? have : 1024;
    while (n < need * 2)
        n *= 2;
    struct lc_link **fresh = calloc(n, sizeof *fresh), **old = NULL;
    if (!fresh)
        return -1;
    lc_lock();
    if (nbuckets < n) {
        for (size_t b = 0; b < nbuckets; b++) {
            for (struct lc_link *l = buckets[b], *next; l; l = next) {
                next = l->next;
                size_t nb = bucket_of(l->granule, n);
                l->next = fresh[nb];
                fresh[nb] = l;
            }
        }
        old = buckets;
        buckets = fresh;
        nbuckets = n;
        fresh = NULL;
    }
    lc_unlock();
    free(old);
    free(fresh);
    return 0;
}

