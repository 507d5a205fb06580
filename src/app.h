/*
 * app.h - the application context: everything a request or a background
 * job needs, passed down explicitly (no mutable globals).  Set up once by
 * main.c before any thread starts, then read-only apart from the objects
 * that synchronise themselves (the database pool).
 */
#ifndef P2S_APP_H
#define P2S_APP_H

#include "core/config.h"
#include "core/log.h"
#include "http/router.h"
#include "store/db.h"

#include <stdint.h>

#define P2S_VERSION "0.1.0"

struct app;

typedef struct app {
    const config *cfg;         /* settings */
    logger log;                /* structured log */
    db *db;                    /* database pool */
    const route *routes;       /* the route table */
    size_t nroutes;            /* rows in it */
    char node_id[40];          /* this process's id in the nodes table */
    int64_t started_ms;        /* when this process started (UTC ms) */
    char web_root[4096];       /* realpath of cfg->web_dir, "" if it does not exist */
    struct keyring *keys;      /* master keys (crypto/keyring.h) */
    struct pw_hasher *hasher;  /* password hashing, a few at a time */
    struct probe_gate *probes; /* admits a few media probes at once (media/probe.h) */
    struct media_store *media; /* where media files live (media/storage.h) */
    struct engine *engine;     /* this process's publishing worker, NULL if none (engine.h) */
    struct sse_hub *sse;       /* live event streams of this process, NULL if none (http/sse.h) */
    struct senders *senders;   /* email and webhook delivery, NULL if none (notify/senders.h) */
    /* Called after events were stored (notify.h), to wake this process's streams and senders. */
    void (*on_event)(const struct app *a);
} app;

#endif
