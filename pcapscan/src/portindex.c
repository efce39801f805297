/* Entries counted per client port (portindex.h). */
#include <stdlib.h>

#include "cap/portindex.h"

bool cap_port_index_init(cap_port_index *ix)
{
    ix->live = calloc(65536, sizeof *ix->live);
    ix->sole = calloc(65536, sizeof *ix->sole);
    if (ix->live && ix->sole)
        return true;
    cap_port_index_free(ix);
    return false;
}

void cap_port_index_free(cap_port_index *ix)
{
    free(ix->live);
    free(ix->sole);
    ix->live = NULL;
    ix->sole = NULL;
}
