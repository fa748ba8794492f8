// The older WeensyOS name for the user-program header (programs that include "process.hh" and "lib.hh").
#ifndef VMLAB_PROCESS_HH
#define VMLAB_PROCESS_HH
#include "u-lib.hh"
#endif
