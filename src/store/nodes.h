/*
 * nodes.h - the processes (serve, worker) running against this database,
 * with a heartbeat, so readiness checks and operators see who is alive.
 */
#ifndef P2S_STORE_NODES_H
#define P2S_STORE_NODES_H

#include "store/db.h"

#include <stdint.h>

/* Record this process as running.  kind is "serve" or "worker". */
app_err store_node_register(db *d, const char *id, const char *kind, const char *hostname,
                            int64_t pid, const char *version, int64_t now_ms);

/* Refresh this process's heartbeat. */
app_err store_node_heartbeat(db *d, const char *id, int64_t now_ms);

/* Remove this process (clean shutdown), and any node silent for stale_ms. */
app_err store_node_remove(db *d, const char *id, int64_t now_ms, int64_t stale_ms);

#endif
