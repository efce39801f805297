/* libFuzzer target: bytes parsed as SGN (.sgn), then listed, searched and verified. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_exercise_file(data, size, SBD_KIND_SGN);
    return 0;
}
