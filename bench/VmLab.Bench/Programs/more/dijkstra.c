// Dijkstra's shortest paths from every source of a dense 128-vertex directed graph (an adjacency matrix of
// 16-bit weights), with the O(V^2) linear scan for the nearest vertex, over 8 seeded graphs.
#include "u-lib.h"

#define V      128
#define GRAPHS 8
#define INF    0xFFFFFFFFu

static uint16_t w[V][V];           // 0: no edge
static uint32_t dist[V];
static unsigned char done[V];

static uint64_t shortest_from(int src, uint32_t* farthest) {
    for (int i = 0; i < V; i++) { dist[i] = INF; done[i] = 0; }
    dist[src] = 0;
    for (int step = 0; step < V; step++) {
        int u = -1;
        uint32_t best = INF;
        for (int i = 0; i < V; i++)
            if (!done[i] && dist[i] < best) { best = dist[i]; u = i; }
        if (u < 0) break;                              // the rest is unreachable
        done[u] = 1;
        const uint16_t* row = w[u];
        for (int v = 0; v < V; v++) {
            uint32_t wt = row[v];
            if (wt && !done[v] && best + wt < dist[v]) dist[v] = best + wt;
        }
    }
    uint64_t sum = 0;
    uint32_t far = 0;
    for (int i = 0; i < V; i++)
        if (dist[i] != INF) { sum += dist[i]; if (dist[i] > far) far = dist[i]; }
    *farthest = far;
    return sum;
}

void process_main(void) {
    uint64_t s = 0xD1B54A32D192ED03ULL;
    uint64_t check = 0, total = 0;
    uint32_t diameter = 0;
    for (int g = 0; g < GRAPHS; g++) {
        // Edge density from 1/2 down to 1/16; weights 1..4000, and a cycle of heavy edges keeps it connected.
        int sparsity = 1 + (g % 4);
        for (int i = 0; i < V; i++)
            for (int j = 0; j < V; j++) {
                uint64_t r = rand_next(&s);
                w[i][j] = (i != j && (r & ((1u << sparsity) - 1)) == 0) ? (uint16_t)(1 + (r >> 20) % 4000) : 0;
            }
        for (int i = 0; i < V; i++) w[i][(i + 1) % V] = 60000;
        for (int src = 0; src < V; src++) {
            uint32_t far;
            uint64_t sum = shortest_from(src, &far);
            total += sum;
            if (far > diameter) diameter = far;
            check = check * 1000003 + sum + far;
        }
    }
    console_printf("dijkstra %d graphs x %d sources: total distance %lu, max eccentricity %u, checksum %016lx\n",
                   GRAPHS, V, (unsigned long)total, diameter, (unsigned long)check);
    sys_exit((int)(check % 97));
}
