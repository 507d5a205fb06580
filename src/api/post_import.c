/*
 * post_import.c - bulk import of posts from CSV (compose/csvio.h reads the
 * file; each row then goes through the same checks as a post made in the
 * composer).  A dry run reports every row's problems and creates nothing;
 * a real run creates every row in one transaction, or none.
 *
 * Cells: accounts are ids, names or handles ("@bakery"), optionally with
 * the platform ("x:@bakery") when a name is used on several platforms;
 * time is "YYYY-MM-DD HH:MM" in the workspace's zone, "now", "queue" or
 * empty (a draft); media are library ids; campaign a name (created when
 * new).
 */
#define _POSIX_C_SOURCE 200809L
#include "api/api.h"
#include "api/common.h"
#include "api/post_form.h"
#include "compose/csvio.h"
#include "media/ingest.h"
#include "notify/netguard.h"
#include "core/clock.h"
#include "engine/engine.h"
#include "store/accounts.h"
#include "store/campaigns.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Resolve one account cell against the workspace's accounts; 0 = none, -1 = ambiguous. */
static int64_t find_account(const json_t *accounts, const char *cell, char *why, size_t whylen)
{
    char plat[16] = "";
    const char *name = cell;
    const char *colon = strchr(cell, ':');
    if (colon != NULL && colon - cell < (long)sizeof plat) {
        snprintf(plat, sizeof plat, "%.*s", (int)(colon - cell), cell);
        name = colon + 1;
    }
    if (*name == '@')
        name++;
    char *end;
    long long idv = strtoll(name, &end, 10);
    int numeric = *name != '\0' && *end == '\0' && idv > 0;
    int64_t hit = 0;
    int hits = 0;
    size_t i;
    json_t *a;
    json_array_foreach((json_t *)accounts, i, a)
    {
        const char *p = json_string_value(json_object_get(a, "platform"));
        const char *n = json_string_value(json_object_get(a, "name"));
        const char *u = json_string_value(json_object_get(a, "username"));
        const char *st = json_string_value(json_object_get(a, "status"));
        if (plat[0] && strcasecmp(plat, p) != 0)
            continue;
        if (st != NULL && strcmp(st, "disconnected") == 0)
            continue;
        int64_t id = json_integer_value(json_object_get(a, "id"));
        if ((numeric && id == idv) || (n != NULL && strcasecmp(n, name) == 0) ||
            (u != NULL && *u && strcasecmp(u, name) == 0)) {
            if (hit != id)
                hits++;
            hit = id;
        }
    }
    if (hits > 1) {
        snprintf(why, whylen,
                 "\"%s\" names accounts on several platforms; write it as platform:name, "
                 "like x:%s",
                 cell, name);
        return -1;
    }
    if (hits == 0)
        snprintf(why, whylen, "no connected account \"%s\" in this workspace", cell);
    return hit;
}

/* Turn one CSV row into a form; problems go to imp.  0 if the row could be read. */
/*
 * A media link of a row: checked (a dry run), or fetched into the library
 * (a real import; the files stay in the library even if the import is then
 * refused).  0, or -1 after adding the row's problem.
 */
static int media_link(http_req *req, csv_import *imp, const csv_post_row *row, const char *url,
                      int dry, post_form *f)
{
    const app *a = req->app;
    char why[300] = "";
    if (dry) {
        if (!netguard_url_allowed(url, a->cfg->webhook_allow_private, why, sizeof why)) {
            csv_import_add_problem(imp, row->row, "media", "%s", why);
            return -1;
        }
        return 0;
    }
    unsigned char raw[8];
    char id[17], path[1200], sha[65], mime[128];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(id, sizeof id, raw, sizeof raw);
    snprintf(path, sizeof path, "%s/tmp/import-%s", a->cfg->data_dir, id);
    uint64_t size = 0;
    int rc = media_fetch_url(a, url, a->cfg->webhook_allow_private,
                             (uint64_t)a->cfg->media_max_mb * 1024 * 1024, path, sha, &size, mime,
                             sizeof mime, why, sizeof why);
    json_t *item = NULL;
    int dup = 0;
    app_err e = APP_OK;
    if (rc == 0) {
        actor who;
        http_actor(req, &who);
        /* the link's last part names the item */
        const char *slash = strrchr(url, '/');
        char name[201];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(slash != NULL ? slash + 1 : url, "?#"),
                 slash != NULL ? slash + 1 : url);
        for (char *p = name; *p; p++)
            if ((unsigned char)*p < 0x20)
                *p = '_';
        ingest_why w = media_ingest(a, &who, req->auth.workspace_id, path, sha, size,
                                    mime[0] ? mime : NULL, name, &item, &dup, &e, why, sizeof why);
        if (w != INGEST_OK) {
            if (!why[0])
                snprintf(why, sizeof why, "the file could not be stored");
            rc = -1;
        }
    }
    unlink(path);
    if (rc != 0) {
        csv_import_add_problem(imp, row->row, "media", "%s", why);
        json_decref(item);
        return -1;
    }
    int64_t mid = json_integer_value(json_object_get(item, "id"));
    json_decref(item);
    if (f->nmedia >= FORM_MEDIA_MAX) {
        csv_import_add_problem(imp, row->row, "media", "at most %d media items per post",
                               FORM_MEDIA_MAX);
        return -1;
    }
    f->media[f->nmedia++] = mid;
    return 0;
}

static int row_form(http_req *req, csv_import *imp, const csv_post_row *row, const json_t *accounts,
                    const tz_zone *z, post_form *f, const char **campaign, int dry)
{
    char why[300];
    int ok = 1;
    free(f->body);
    f->body = strdup(row->text);
    if (f->body == NULL)
        return -1;
    if (row->naccounts == 0) {
        csv_import_add_problem(imp, row->row, "accounts", "name at least one account");
        ok = 0;
    }
    for (size_t i = 0; i < row->naccounts; i++) {
        int64_t id = find_account(accounts, row->accounts[i], why, sizeof why);
        if (id <= 0) {
            csv_import_add_problem(imp, row->row, "accounts", "%s", why);
            ok = 0;
            continue;
        }
        int dup = 0;
        for (size_t k = 0; k < f->ntargets; k++)
            dup |= f->targets[k].account_id == id;
        if (dup || f->ntargets >= FORM_TARGETS_MAX)
            continue;
        form_target *t = &f->targets[f->ntargets++];
        t->account_id = id;
        t->options = json_object();
    }
    for (size_t i = 0; i < row->nmedia; i++) {
        char *end;
        if (strncasecmp(row->media[i], "https://", 8) == 0 ||
            strncasecmp(row->media[i], "http://", 7) == 0) {
            if (media_link(req, imp, row, row->media[i], dry, f) != 0)
                ok = 0;
            continue;
        }
        long long v = strtoll(row->media[i], &end, 10);
        if (*row->media[i] == '\0' || *end != '\0' || v <= 0) {
            csv_import_add_problem(imp, row->row, "media",
                                   "\"%s\" is neither a media library id nor an http(s) link",
                                   row->media[i]);
            ok = 0;
        } else if (f->nmedia < FORM_MEDIA_MAX)
            f->media[f->nmedia++] = v;
        else {
            csv_import_add_problem(imp, row->row, "media", "at most %d media items per post",
                                   FORM_MEDIA_MAX);
            ok = 0;
        }
    }
    if (row->time == NULL)
        snprintf(f->mode, sizeof f->mode, "none");
    else if (strcasecmp(row->time, "now") == 0)
        snprintf(f->mode, sizeof f->mode, "now");
    else if (strcasecmp(row->time, "queue") == 0)
        snprintf(f->mode, sizeof f->mode, "queue");
    else if (tz_parse_local(row->time, &f->local) == APP_OK) {
        snprintf(f->mode, sizeof f->mode, "at");
        f->has_local = 1;
    } else {
        csv_import_add_problem(imp, row->row, "time",
                               "\"%s\" is not a time: write YYYY-MM-DD HH:MM (in %s), now, "
                               "queue, or leave it empty for a draft",
                               row->time, tz_name(z));
        ok = 0;
    }
    *campaign = row->campaign;
    (void)req;
    return ok ? 0 : 1;
}

/* YouTube targets get what the platform requires when a CSV row cannot say it. */
static void youtube_defaults(post_form *f)
{
    for (size_t i = 0; i < f->ntargets; i++) {
        form_target *t = &f->targets[i];
        if (strcmp(t->account.platform, "youtube") != 0)
            continue;
        if (json_object_get(t->options, "title") == NULL) {
            char title[101];
            size_t n = 0;
            for (const char *p = f->body; *p && *p != '\n' && n < 90; p++)
                if (*p != '<' && *p != '>')
                    title[n++] = *p;
            while (n > 0 && ((unsigned char)title[n - 1] & 0xC0) == 0x80)
                n--; /* never cut a character in two */
            if (n > 0 && ((unsigned char)title[n - 1] & 0x80))
                n--;
            title[n] = '\0';
            json_object_set_new(t->options, "title", json_string(title));
        }
        if (json_object_get(t->options, "made_for_kids") == NULL)
            json_object_set_new(t->options, "made_for_kids", json_false());
    }
}

static json_t *problems_json(const csv_import *imp)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < imp->nproblems; i++) {
        char text[320];
        csv_problem_text(&imp->problems[i], text, sizeof text);
        json_array_append_new(arr, json_pack("{s:i, s:s, s:s, s:s}", "row", imp->problems[i].row,
                                             "column", imp->problems[i].column, "message",
                                             imp->problems[i].message, "text", text));
    }
    return arr;
}

void api_posts_import(http_req *req)
{
    const char *ct = http_header(req, "Content-Type");
    if (ct == NULL ||
        (strncasecmp(ct, "text/csv", 8) != 0 && strncasecmp(ct, "text/plain", 10) != 0)) {
        http_reply_error(req, 415, "unsupported_media_type",
                         "send the CSV file as the body with Content-Type: text/csv", NULL);
        return;
    }
    const char *dr = http_query(req, "dry_run");
    int dry = dr != NULL && (strcmp(dr, "1") == 0 || strcmp(dr, "true") == 0);
    tz_zone *z = post_form_zone(req, req->auth.workspace_id);
    if (z == NULL)
        return;
    csv_import imp;
    json_t *accounts = NULL;
    if (csv_import_parse(req->body != NULL ? req->body : "", req->body_len, &imp) != 0) {
        tz_free(z);
        http_reply_error(req, 500, "internal_error", "out of memory", NULL);
        return;
    }
    app_err e = store_account_list(req->app->db, req->auth.workspace_id, &accounts);
    if (e != APP_OK) {
        api_fail(req, e, "accounts");
        csv_import_free(&imp);
        tz_free(z);
        return;
    }
    size_t n = imp.nrows;
    post_form *forms = calloc(n > 0 ? n : 1, sizeof *forms);
    post_form_store *stores = calloc(n > 0 ? n : 1, sizeof *stores);
    const store_post_in **ins = calloc(n > 0 ? n : 1, sizeof *ins);
    int64_t *ids = calloc(n > 0 ? n : 1, sizeof *ids);
    json_t *rows = json_array();
    int64_t now = clock_now_ms();
    int ready = forms != NULL && stores != NULL && ins != NULL && ids != NULL;
    for (size_t i = 0; ready && i < n; i++) {
        const csv_post_row *row = &imp.rows[i];
        post_form *f = &forms[i];
        post_form_init(f);
        const char *campaign = NULL;
        size_t before = imp.nproblems;
        if (row_form(req, &imp, row, accounts, z, f, &campaign, dry) < 0) {
            ready = 0;
            break;
        }
        char field[128] = "", msg[400] = "";
        json_t *info = json_pack("{s:i}", "row", row->row);
        if (imp.nproblems == before && !row->flagged) {
            /* account platforms first, so YouTube defaults can be filled in */
            if (post_form_check(NULL, req->app, req->auth.workspace_id, f, z, 0, now, field,
                                sizeof field, msg, sizeof msg) != 0)
                csv_import_add_problem(&imp, row->row, "", "%s: %s", field, msg);
            else {
                youtube_defaults(f);
                if (post_form_check(NULL, req->app, req->auth.workspace_id, f, z, 0, now, field,
                                    sizeof field, msg, sizeof msg) != 0)
                    csv_import_add_problem(&imp, row->row, "", "%s: %s", field, msg);
                size_t k, links = 0;
                json_t *p;
                for (size_t q = 0; q < row->nmedia; q++)
                    links += strncasecmp(row->media[q], "http", 4) == 0;
                json_array_foreach(f->problems, k, p)
                {
                    const char *pf = json_string_value(json_object_get(p, "field"));
                    /* a dry run has not fetched the links: what depends on the media waits */
                    if (dry && links > 0 && pf != NULL &&
                        (strstr(pf, ".media") != NULL || strstr(pf, ".kind") != NULL))
                        continue;
                    csv_import_add_problem(&imp, row->row, "", "%s: %s", pf,
                                           json_string_value(json_object_get(p, "message")));
                }
                if (dry && links > 0) {
                    char note[200];
                    snprintf(note, sizeof note,
                             "%zu media link%s will be fetched and checked against each "
                             "platform when the file is imported",
                             links, links == 1 ? "" : "s");
                    json_array_append_new(f->warnings, json_pack("{s:n, s:s, s:s, s:s}", "target",
                                                                 "field", "media", "code",
                                                                 "media_links", "message", note));
                }
                json_object_set(info, "warnings", f->warnings);
            }
        }
        if (campaign != NULL) {
            int64_t cid = 0;
            json_object_set_new(info, "campaign", json_string(campaign));
            if (store_campaign_by_name(req->app->db, req->auth.workspace_id, campaign, &cid) ==
                APP_OK)
                f->campaign_id = cid;
            else
                json_object_set_new(info, "campaign_created", json_true());
        }
        if (imp.nproblems == before && !row->flagged) {
            const char *state = strcmp(f->mode, "none") == 0 ? "draft" : "scheduled";
            if (post_form_to_store(NULL, req->app, req->auth.workspace_id, f, z, state, now,
                                   &stores[i]) != 0 ||
                (strcmp(f->mode, "queue") == 0 && stores[i].in.nqueue_slots == 0))
                csv_import_add_problem(&imp, row->row, "time",
                                       "the queue has no time slots; add some, or give a time");
            if (campaign != NULL && f->campaign_id == 0)
                stores[i].in.campaign_name = campaign;
            ins[i] = &stores[i].in;
        }
        json_object_set_new(info, "ok", json_boolean(imp.nproblems == before && !row->flagged));
        json_object_set_new(info, "mode", json_string(f->mode));
        if (f->resolved_at > 0) {
            char l[TZ_FMT_MAX];
            json_object_set_new(info, "local",
                                json_string(tz_format_local(z, f->resolved_at, l, sizeof l)));
        }
        json_object_set_new(info, "targets", json_integer((json_int_t)f->ntargets));
        json_array_append_new(rows, info);
    }
    if (!ready) {
        http_reply_error(req, 500, "internal_error", "out of memory", NULL);
    } else if (imp.nproblems > 0 || dry) {
        json_t *body =
            json_pack("{s:b, s:I, s:o, s:o, s:i}", "dry_run", dry, "rows_read", (json_int_t)n,
                      "problems", problems_json(&imp), "rows", rows, "created", 0);
        rows = NULL;
        if (imp.nproblems > 0 && !dry) {
            json_object_set_new(body, "error",
                                json_pack("{s:s, s:s, s:n}", "code", "invalid_import", "message",
                                          "nothing was imported: fix the rows listed in "
                                          "problems",
                                          "field"));
            http_reply_json(req, 422, body);
        } else
            http_reply_json(req, 200, body);
    } else {
        actor who;
        http_actor(req, &who);
        size_t failed = 0;
        store_post_why why = POST_OK;
        e = store_posts_import(req->app->db, &who, req->auth.workspace_id, ins, n, now, ids,
                               &failed, &why);
        if (e == APP_ECONFLICT && why == POST_QUEUE_FULL) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "row %d: no free queue slot is left in the next weeks; nothing was imported",
                     imp.rows[failed].row);
            http_reply_error(req, 409, "queue_full", msg, "time");
        } else if (e != APP_OK)
            api_fail(req, e, "import");
        else {
            engine_wake(req->app->engine);
            json_t *created = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(created, json_integer(ids[i]));
            http_reply_json(req, 201,
                            json_pack("{s:b, s:I, s:o, s:o, s:I, s:o}", "dry_run", 0, "rows_read",
                                      (json_int_t)n, "problems", json_array(), "rows", rows,
                                      "created", (json_int_t)n, "post_ids", created));
            rows = NULL;
        }
    }
    json_decref(rows);
    for (size_t i = 0; forms != NULL && i < n; i++) {
        post_form_free(&forms[i]);
        if (stores != NULL)
            post_form_store_free(&stores[i]);
    }
    free(forms);
    free(stores);
    free(ins);
    free(ids);
    json_decref(accounts);
    csv_import_free(&imp);
    tz_free(z);
}
