/* Shared by the reference's two files (benchmarks only). */
#ifndef VMLAB_REF_H
#define VMLAB_REF_H
#include <stddef.h>
#include <stdint.h>

uintptr_t ref_spare_take(size_t size);

#endif
