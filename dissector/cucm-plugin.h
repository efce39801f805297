/* Registration entry points of the three protocols, called from plugin.c. */
#ifndef CUCM_PLUGIN_H
#define CUCM_PLUGIN_H

void proto_register_cucmtl(void);
void proto_reg_handoff_cucmtl(void);
void proto_register_cucmsgn(void);
void proto_reg_handoff_cucmsgn(void);
void proto_register_cucmtvs(void);
void proto_reg_handoff_cucmtvs(void);

#endif
