/* sim_int.h - the simulator's core internals (not for platform modules). */
#ifndef P2S_SIM_INT_H
#define P2S_SIM_INT_H

#include "sim.h"

#include <pthread.h>
#include <stdatomic.h>

#define SIM_MAX_BODY  (128u * 1024 * 1024) /* largest request body */
#define SIM_MAX_FETCH (512u * 1024 * 1024) /* largest media fetched from a URL */
#define SIM_MAX_LOG   5000                 /* requests kept in the log */

struct sim {
    pthread_mutex_t mu;           /* guards state */
    json_t *state;                /* everything simulated */
    atomic_llong clock_offset_ms; /* simulated clock minus real clock */
    char media_dir[1024];         /* where media bytes are kept */
    char base_url[256];           /* how clients reach us */
    int default_polls;            /* processing polls before ready */
    json_t *initial_faults;       /* faults from the command line / environment */
};

json_t *sim_state_new(void);

struct MHD_Daemon;
struct sockaddr;
/* http.c: start serving on addr (thread per connection). */
struct MHD_Daemon *sim_http_start(sim *s, const struct sockaddr *addr);

/* admin.c: /_sim routes (API and page). */
void sim_admin(sim *s, sim_req *r, sim_resp *out);

#endif
