/* health.c - liveness (/healthz) and readiness (/readyz). */
#include "api/api.h"
#include "core/clock.h"
#include "store/jobs.h"
#include "store/migrate.h"

/* Process alive: answers without touching the database. */
void api_healthz(http_req *req)
{
    const app *a = req->app;
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:I}", "status", "ok", "version", P2S_VERSION, "node",
                  a->node_id, "uptime_s", (json_int_t)((clock_now_ms() - a->started_ms) / 1000));
    http_reply_json(req, 200, body);
}

/* Ready for traffic: the database answers a query within two seconds. */
void api_readyz(http_req *req)
{
    const app *a = req->app;
    int64_t t0 = clock_mono_us();
    db_conn *c = db_acquire(a->db, 2000);
    app_err e = APP_EDB;
    int64_t version = -1;
    if (c != NULL) {
        db_rows *r = NULL;
        e = db_exec(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL, 0, &r,
                    NULL);
        if (e == APP_OK)
            version = db_rows_int(r, 0, 0, -1);
        db_rows_free(r);
        db_release(c);
    }
    double ms = (double)(clock_mono_us() - t0) / 1000.0;
    json_t *dbcheck = json_pack("{s:s, s:b, s:f}", "backend", db_kind_name(a->db), "ok",
                                e == APP_OK, "latency_ms", ms);
    if (e == APP_OK)
        json_object_set_new(dbcheck, "schema_version", json_integer(version));
    json_t *checks = json_pack("{s:o}", "database", dbcheck);
    /* Publishing: due targets nobody picks up (no worker running, or one stuck) make the
       whole deployment unhealthy, whichever node is asked. */
    json_t *stats = NULL;
    int engine_ok = 1;
    if (e == APP_OK && store_jobs_stats(a->db, clock_now_ms(), &stats) == APP_OK) {
        int64_t overdue = json_integer_value(json_object_get(stats, "overdue"));
        int64_t last = json_integer_value(json_object_get(stats, "last_attempt_ms"));
        /* overdue work is fine while attempts keep starting (a burst being worked off) */
        engine_ok = overdue == 0 || clock_now_ms() - last < 60000;
        json_object_set_new(checks, "publishing",
                            json_pack("{s:b, s:I, s:I, s:b}", "ok", engine_ok, "overdue",
                                      (json_int_t)overdue, "in_flight",
                                      json_object_get(stats, "in_flight") != NULL
                                          ? json_integer_value(json_object_get(stats, "in_flight"))
                                          : 0,
                                      "worker_here", a->engine != NULL));
        json_decref(stats);
    }
    if (e == APP_OK && !engine_ok) {
        json_t *err = json_pack("{s:s, s:s, s:n}", "code", "not_ready", "message",
                                "posts are due and no worker is publishing them", "field");
        http_reply_json(
            req, 503,
            json_pack("{s:o, s:s, s:o}", "error", err, "status", "unavailable", "checks", checks));
        return;
    }
    if (e != APP_OK) {
        json_t *err = json_pack("{s:s, s:s, s:n}", "code", "not_ready", "message",
                                "the database does not answer", "field");
        http_reply_json(
            req, 503,
            json_pack("{s:o, s:s, s:o}", "error", err, "status", "unavailable", "checks", checks));
        return;
    }
    http_reply_json(req, 200, json_pack("{s:s, s:o}", "status", "ready", "checks", checks));
}
