/* TFTP hookup shared by the trust-list and signed-file heuristics. */
#include "cucm-tftp.h"

#include <epan/prefs.h>
/* prefs-int.h needs prefs.h first */
#include <epan/prefs-int.h>

void cucm_tftp_force_defragment(void)
{
    /* Without reassembly TFTP only hands single-block files to heuristics; every real ITL is
     * bigger than one block. Reassembly does not change what Export Objects sees. */
    module_t *tftp = prefs_find_module("tftp");
    pref_t *defrag = tftp ? prefs_find_preference(tftp, "defragment") : NULL;
    if (defrag)
        prefs_set_bool_value(defrag, TRUE, pref_current);
}
