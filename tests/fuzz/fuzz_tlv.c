/* libFuzzer target: bytes parsed as TRUST_LIST (.tlv), then listed, searched and verified. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_exercise_file(data, size, SBD_KIND_TRUST_LIST);
    return 0;
}
