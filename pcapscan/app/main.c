/* pcapscan: placeholder entry point, replaced by the pcapscan front end. */
#include <stdio.h>

int main(void)
{
    fputs("pcapscan: not built yet\n", stderr);
    return 2;
}
