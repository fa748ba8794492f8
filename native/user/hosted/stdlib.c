// The rest of a Linux program's standard library: malloc/calloc/realloc/free, qsort and bsearch, strtol and
// friends, <ctype.h>, <string.h>, atexit and exit's status.
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
    int value;
    struct node* next;
};

static int by_value(const void* a, const void* b) {
    int x = *(const int*)a, y = *(const int*)b;
    return (x > y) - (x < y);
}

static void goodbye(void) { printf("atexit handler ran\n"); }

int main(void) {
    atexit(goodbye);
    // a linked list, freed and built again: the allocator reuses memory
    struct node* head = NULL;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 2000; i++) {
            struct node* n = malloc(sizeof *n);
            if (!n) return 90;
            n->value = i * 7 % 1000;
            n->next = head;
            head = n;
        }
        long sum = 0;
        while (head) {
            struct node* next = head->next;
            sum += head->value;
            free(head);
            head = next;
        }
        printf("round %d sum %ld\n", round, sum);
    }
    int* v = calloc(500, sizeof *v);
    for (int i = 0; i < 500; i++) if (v[i] != 0) return 91;
    for (int i = 0; i < 500; i++) v[i] = (i * 7919) % 1009 - 500;
    v = realloc(v, 1000 * sizeof *v);
    for (int i = 500; i < 1000; i++) v[i] = (i * 104729) % 997 - 498;
    qsort(v, 1000, sizeof *v, by_value);
    for (int i = 1; i < 1000; i++) if (v[i - 1] > v[i]) return 92;
    int key = v[321];
    int* found = bsearch(&key, v, 1000, sizeof *v, by_value);
    printf("min %d max %d median %d found %d\n", v[0], v[999], v[500], found ? *found : -1);
    free(v);

    const char* numbers[] = {"42", "  -17abc", "0x1F", "0777", "+9", "junk", "99999999999999999999", "-9223372036854775808"};
    for (int i = 0; i < 8; i++) {
        char* end;
        long a = strtol(numbers[i], &end, 0);
        unsigned long b = strtoul(numbers[i], NULL, 10);
        printf("%-24s strtol %ld (rest '%s') strtoul %lu atoi %d\n", numbers[i], a, end, b, atoi(numbers[i]));
    }
    char text[] = "Hello, World! 123 the Quick brown fox";
    int upper = 0, digits = 0, spaces = 0, punct = 0;
    for (char* p = text; *p; p++) {
        upper += isupper((unsigned char)*p) != 0;
        digits += isdigit((unsigned char)*p) != 0;
        spaces += isspace((unsigned char)*p) != 0;
        punct += ispunct((unsigned char)*p) != 0;
        *p = (char)toupper((unsigned char)*p);
    }
    printf("%s: %d upper, %d digits, %d spaces, %d punctuation\n", text, upper, digits, spaces, punct);
    char joined[64] = "left";
    strcat(joined, "+right");
    strncat(joined, "+more-than-this", 5);
    char* copy = strdup(joined);
    printf("%s %s %s %s %zu\n", joined, strstr(joined, "right"), strrchr(joined, '+'), copy, strlen(copy));
    free(copy);
    printf("abs %d %ld\n", abs(-5), labs(-70000L));
    exit(strcmp("a", "b") < 0 ? 3 : 4);
}
