// bigdata (seed 003 C1): prints the string at `message`. The data is 8 pages: `message` fills the first and
// `amazing` the last, each a whole page at page offset 0, so one mapping change (message's page -> the frame
// behind amazing) changes what it prints without writing a byte, and hides nothing else.
#include "lib/u-lib.h"

__attribute__((aligned(4096))) char message[4096] = "Boo! This big data is boring.\n";
__attribute__((aligned(4096))) char bigdata[4096 * 6] = {1};
__attribute__((aligned(4096))) char amazing[4096] = "CS 61 Is Amazing\n";

void process_main(void) {
    console_printf("%s", message);
}
