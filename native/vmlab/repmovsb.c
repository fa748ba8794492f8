/* The seed's rep_movsb_copy: the whole copy is ONE instruction, `rep movsb`.
 *
 * Why this matters for fault handling: rep movsb keeps its progress in registers. Each iteration copies
 * one byte from [rsi] to [rdi], advances both and decrements rcx. When an iteration faults, the CPU
 * reports the fault with rsi/rdi/rcx describing exactly the bytes not yet copied and rip still pointing at
 * the instruction; when the signal handler returns, the kernel restores those registers and the
 * instruction continues where it stopped. A handler that makes the destination page accessible is
 * therefore "idempotent" with respect to the copy: nothing is copied twice, nothing is skipped.
 */
#define _GNU_SOURCE
#include "regions.h"

VMLAB_EXPORT void vmlab_rep_movsb(void *dst, const void *src, size_t len)
{
#if defined(__x86_64__)
    /* The seed passes dst/src/len as plain inputs, but rep movsb changes rdi, rsi and rcx: telling the
     * compiler they are only read lets it reuse stale values after the asm. "+" marks them read-write.
     * cld is redundant under the SysV ABI (DF is clear on entry) and kept for fidelity to the seed. */
    __asm__ volatile("cld\n\t"
                     "rep movsb"
                     : "+D"(dst), "+S"(src), "+c"(len)
                     :
                     : "memory");
#else
    /* Other architectures have no string instruction; an ascending byte loop faults the same pages in the
     * same order, but each retry re-executes one byte store rather than resuming one instruction. */
    volatile unsigned char *d = dst;
    const volatile unsigned char *s = src;
    for (size_t i = 0; i < len; i++)
        d[i] = s[i];
#endif
}
