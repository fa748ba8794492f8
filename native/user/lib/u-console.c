// Printing at a console position, as WeensyOS programs do: the CGA page at 0xB8000 (`console`, placed there by
// user.ld) and the kernel's console log. VmLab's kernel shows its log, not the CGA page, so the text always goes
// to the log too: a program written for a screen still prints where `vmlab sim run` can show it.
#include "u-lib.h"

static int advance(int cpos) {
    return cpos + 1 >= END_CPOS ? 0 : cpos + 1;
}

int console_puts(int cpos, int color, const char* s, size_t len) {
    if (cpos < 0 || cpos >= END_CPOS) cpos = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') {
            // A newline blanks the rest of its row (to zero, so `console[CPOS(r, 0)]` reads as empty again).
            do {
                console[cpos] = 0;
                cpos = advance(cpos);
            } while (CCOL(cpos) != 0);
        } else {
            console[cpos] = (uint16_t)((unsigned char)s[i] | (color & 0xFF00));
            cpos = advance(cpos);
        }
    }
    if (len) sys_write(s, len);
    return cpos;
}

int console_vprintf(int cpos, int color, const char* format, va_list ap) {
    char line[256];
    int n = vsnprintf(line, sizeof line, format, ap);
    size_t len = n < (int)sizeof line ? (size_t)n : sizeof line - 1;
    return console_puts(cpos, color, line, len);
}

void console_clear(void) {
    for (int i = 0; i < END_CPOS; i++) console[i] = 0;
    cursorpos = 0;
}
