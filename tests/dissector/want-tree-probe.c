/* want-tree-probe.so, preloaded into tshark (tshark-plugin.sh: SBD_PRELOAD): appends each answer
 * libwireshark gives to "does a postdissector want fields?" to the file $SBD_WANT_TREE_LOG, one
 * line "0" or "1". tshark asks once per pass, and a yes makes it build a protocol tree for every
 * packet of the pass, which costs more than the rest of the plugin; the answer is in no output
 * and not logged by release builds of tshark (4.4, 4.6), so the test asks the library itself. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* gboolean (int) up to 4.0, bool from 4.2 on: read as bool (0 or 1 in the low byte either way),
 * returned as int (callers of both reading it see 0 or 1). */
int postdissectors_want_hfids(void);

int postdissectors_want_hfids(void)
{
    bool (*real)(void) = (bool (*)(void))dlsym(RTLD_NEXT, "postdissectors_want_hfids");
    int want = real ? (real() ? 1 : 0) : -1;
    const char *path = getenv("SBD_WANT_TREE_LOG");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fprintf(f, "%d\n", want);
        fclose(f);
    }
    return want;
}
