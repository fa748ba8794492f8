/* libetsbefriends: replaces "Segmentation fault" with an encouraging message.
 *
 * Load it into any dynamically linked program, unmodified, with LD_PRELOAD=/path/libetsbefriends.so, or link
 * it in with -letsbefriends. Its constructor installs a SIGSEGV handler; on a fault the handler writes one
 * randomly chosen message, the faulting address and what kind of fault it looks like to stderr, and ends the
 * program with _exit(ETSBEFRIENDS_EXIT_STATUS). docs/friendly-segfaults.md has the full rules.
 *
 * Environment, read once by the constructor:
 *   FRIENDLY_SEGV_MESSAGES=file   one message per line, replacing the built-in list (blank lines skipped)
 *   FRIENDLY_SEGV_SEED=n          a fixed seed for the message choice (reproducible runs); default: per run
 */
#ifndef ETSBEFRIENDS_H
#define ETSBEFRIENDS_H

/* SIGSEGV is signal 11. Deliberately not 139 (128 + 11), which is how shells and .NET report a process the
 * signal killed: a caller can tell "caught and reported" from "killed". */
#define ETSBEFRIENDS_EXIT_STATUS 11

/* How many messages the handler chooses from (the file's when it was usable, else the built-in ones). */
int etsbefriends_message_count(void);

/* Message i of the active list, or NULL when i is out of range. */
const char *etsbefriends_message(int i);

#endif
