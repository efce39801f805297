/* CUCM `show itl` / `show ctl` style listing of a parsed file. */
#ifndef SBD_LISTING_H
#define SBD_LISTING_H

#include <stdio.h>

#include "sbd/file.h"
#include "sbd/verify.h"

/* Print the listing. vr may be NULL (not verified). mtime < 0 omits the "last modified" line. */
void sbd_listing_print(FILE *out, const sbd_file *f, const sbd_verify_result *vr, long long mtime);

#endif
