/* facebook.c - placeholder until the module is written. */
#include "sim.h"

static int handle(sim *s, sim_req *r, sim_resp *out)
{
    (void)s;
    (void)r;
    (void)out;
    return -1;
}

static void error(sim_resp *out, int status, const char *kind, const char *message)
{
    sim_reply_json(out, status, json_pack("{s:s, s:s}", "error", kind, "message", message));
}

const sim_module sim_facebook = {"facebook", {"/facebook", NULL}, handle, error};
