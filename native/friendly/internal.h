/* What the parts of libetsbefriends share; nothing here is exported. */
#ifndef ETSBEFRIENDS_INTERNAL_H
#define ETSBEFRIENDS_INTERNAL_H

#define ETSBEFRIENDS_HIDDEN __attribute__((visibility("hidden")))

/* Gives the calling thread an alternate signal stack, so the SIGSEGV handler can run when the fault is the
 * thread's own stack running out. Returns the mapping to hand to release, or NULL when the thread already had
 * an alternate stack (someone else's: kept) or none could be made (every fault but an overflow is caught). */
ETSBEFRIENDS_HIDDEN void *etsbefriends_alt_stack_acquire(void);

/* Undoes acquire at thread exit: turns the alternate stack off if it is still ours, then unmaps it. */
ETSBEFRIENDS_HIDDEN void etsbefriends_alt_stack_release(void *mapping);

#endif
