/* post_form.c - reading and checking a post (see post_form.h). */
#define _POSIX_C_SOURCE 200809L
#include "api/post_form.h"
#include "api/common.h"
#include "compose/rules.h"
#include "core/clock.h"
#include "store/campaigns.h"
#include "store/queue.h"
#include "store/workspaces.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_MAX_BYTES 100000

static const char *str_or(const char *s, const char *dflt)
{
    return s != NULL ? s : dflt;
}

void post_form_init(post_form *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->mode, sizeof f->mode, "none");
    snprintf(f->action, sizeof f->action, "save");
    f->problems = json_array();
    f->warnings = json_array();
}

static void target_clear(form_target *t)
{
    free(t->text);
    json_decref(t->options);
    memset(t, 0, sizeof *t);
}

void post_form_free(post_form *f)
{
    free(f->body);
    for (size_t i = 0; i < f->ntargets; i++)
        target_clear(&f->targets[i]);
    json_decref(f->problems);
    json_decref(f->warnings);
    json_decref(f->targets_info);
    memset(f, 0, sizeof *f);
}

static int64_t instant_of(const json_t *v)
{
    int64_t ms = 0;
    if (json_is_string(v) && tz_parse_rfc3339(json_string_value(v), &ms) == APP_OK)
        return ms;
    return 0;
}

void post_form_from_post(post_form *f, const json_t *post)
{
    free(f->body);
    f->body = strdup(str_or(json_string_value(json_object_get(post, "body")), ""));
    f->nmedia = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(post, "media"), i, v) if (f->nmedia < FORM_MEDIA_MAX)
        f->media[f->nmedia++] = json_integer_value(json_object_get(v, "id"));
    json_t *camp = json_object_get(post, "campaign");
    f->campaign_id = json_is_object(camp) ? json_integer_value(json_object_get(camp, "id")) : 0;
    for (size_t k = 0; k < f->ntargets; k++)
        target_clear(&f->targets[k]);
    f->ntargets = 0;
    json_array_foreach(json_object_get(post, "targets"), i, v)
    {
        if (f->ntargets >= FORM_TARGETS_MAX)
            break;
        form_target *t = &f->targets[f->ntargets++];
        t->account_id = json_integer_value(json_object_get(v, "account_id"));
        snprintf(t->kind, sizeof t->kind, "%s",
                 str_or(json_string_value(json_object_get(v, "kind")), ""));
        const char *text = json_string_value(json_object_get(v, "text"));
        t->text = text != NULL ? strdup(text) : NULL;
        json_t *o = json_object_get(v, "options");
        t->options = json_is_object(o) ? json_deep_copy(o) : json_object();
    }
    json_t *s = json_object_get(post, "schedule");
    snprintf(f->mode, sizeof f->mode, "%s",
             str_or(json_string_value(json_object_get(s, "mode")), "none"));
    f->at = instant_of(json_object_get(s, "at"));
    f->has_local = 0;
    f->version = json_integer_value(json_object_get(post, "version"));
    const char *note = json_string_value(json_object_get(post, "review_note"));
    snprintf(f->review_note, sizeof f->review_note, "%s", note != NULL ? note : "");
    f->reviewed_by =
        json_integer_value(json_object_get(json_object_get(post, "reviewed_by"), "id"));
}

/* ---- reading ---- */

typedef struct rd {
    http_req *req;
    char *field;
    size_t fieldlen;
    char *msg;
    size_t msglen;
} rd;

static int fail(const rd *r, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const rd *r, const char *field, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->req != NULL)
        http_reply_error(r->req, 400, "invalid_field", msg, field);
    if (r->field != NULL)
        snprintf(r->field, r->fieldlen, "%s", field);
    if (r->msg != NULL)
        snprintf(r->msg, r->msglen, "%s", msg);
    return -1;
}

/* Text without control characters other than tab and newlines. */
static int clean_text(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
            return 0;
    return 1;
}

static int read_text(const rd *r, const json_t *v, const char *field, char **out)
{
    if (v == NULL || json_is_null(v)) {
        free(*out);
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v))
        return fail(r, field, "%s must be a string", field);
    if (json_string_length(v) > BODY_MAX_BYTES)
        return fail(r, field, "%s is longer than %d bytes", field, BODY_MAX_BYTES);
    if (!clean_text(json_string_value(v)))
        return fail(r, field, "%s contains control characters", field);
    free(*out);
    *out = strdup(json_string_value(v));
    return 0;
}

static int read_ids(const rd *r, const json_t *v, const char *field, int64_t *ids, size_t max,
                    size_t *n)
{
    if (!json_is_array(v))
        return fail(r, field, "%s must be a list of media ids", field);
    if (json_array_size(v) > max)
        return fail(r, field, "%s may hold at most %zu items", field, max);
    size_t i;
    json_t *x;
    *n = 0;
    json_array_foreach(v, i, x)
    {
        if (!json_is_integer(x) || json_integer_value(x) <= 0)
            return fail(r, field, "%s must hold positive integer ids", field);
        for (size_t k = 0; k < *n; k++)
            if (ids[k] == json_integer_value(x))
                return fail(r, field, "%s lists media item %lld twice", field, (long long)ids[k]);
        ids[(*n)++] = json_integer_value(x);
    }
    return 0;
}

static int read_schedule(const rd *r, post_form *f, const json_t *s)
{
    if (json_is_null(s)) {
        snprintf(f->mode, sizeof f->mode, "none");
        f->at = 0;
        f->has_local = 0;
        return 0;
    }
    if (!json_is_object(s))
        return fail(r, "schedule", "schedule must be an object like {\"mode\": \"at\", ...}");
    const char *mode = json_string_value(json_object_get(s, "mode"));
    if (mode == NULL || (strcmp(mode, "none") != 0 && strcmp(mode, "at") != 0 &&
                         strcmp(mode, "now") != 0 && strcmp(mode, "queue") != 0))
        return fail(r, "schedule.mode", "schedule.mode must be none, at, now or queue");
    snprintf(f->mode, sizeof f->mode, "%s", mode);
    f->at = 0;
    f->has_local = 0;
    f->fold_later = 0;
    if (strcmp(mode, "at") != 0)
        return 0;
    const json_t *local = json_object_get(s, "local"), *at = json_object_get(s, "at");
    const json_t *fold = json_object_get(s, "fold");
    if (fold != NULL && !json_is_null(fold)) {
        const char *fs = json_string_value(fold);
        if (fs == NULL || (strcmp(fs, "earlier") != 0 && strcmp(fs, "later") != 0))
            return fail(r, "schedule.fold", "schedule.fold must be earlier or later");
        f->fold_later = strcmp(fs, "later") == 0;
    }
    if (json_is_string(local)) {
        if (tz_parse_local(json_string_value(local), &f->local) != APP_OK)
            return fail(r, "schedule.local",
                        "schedule.local must be a date and time like 2026-12-01T09:30 (a real "
                        "date, hours 00-23)");
        f->has_local = 1;
        return 0;
    }
    if (json_is_string(at)) {
        if (tz_parse_rfc3339(json_string_value(at), &f->at) != APP_OK)
            return fail(r, "schedule.at",
                        "schedule.at must be an RFC 3339 instant like 2026-12-01T14:30:00Z");
        return 0;
    }
    return fail(r, "schedule.local",
                "give schedule.local (wall time in the workspace's time zone) or schedule.at");
}

static int read_target(const rd *r, form_target *t, const json_t *v, size_t i)
{
    char field[64];
    snprintf(field, sizeof field, "targets[%zu]", i);
    if (!json_is_object(v))
        return fail(r, field, "%s must be an object with account_id", field);
    const char *key;
    json_t *x;
    json_object_foreach((json_t *)v, key, x)
    {
        if (strcmp(key, "account_id") != 0 && strcmp(key, "kind") != 0 &&
            strcmp(key, "text") != 0 && strcmp(key, "options") != 0) {
            snprintf(field, sizeof field, "targets[%zu].%s", i, key);
            return fail(r, field, "%s is not a field of a target", field);
        }
    }
    const json_t *acc = json_object_get(v, "account_id");
    snprintf(field, sizeof field, "targets[%zu].account_id", i);
    if (!json_is_integer(acc) || json_integer_value(acc) <= 0)
        return fail(r, field, "%s must be the id of a connected account", field);
    t->account_id = json_integer_value(acc);
    const json_t *kind = json_object_get(v, "kind");
    snprintf(field, sizeof field, "targets[%zu].kind", i);
    if (kind != NULL && !json_is_null(kind)) {
        if (!json_is_string(kind) || json_string_length(kind) >= sizeof t->kind)
            return fail(r, field, "%s is not a post kind", field);
        snprintf(t->kind, sizeof t->kind, "%s", json_string_value(kind));
    } else
        t->kind[0] = '\0';
    snprintf(field, sizeof field, "targets[%zu].text", i);
    if (read_text(r, json_object_get(v, "text"), field, &t->text) != 0)
        return -1;
    const json_t *opts = json_object_get(v, "options");
    json_decref(t->options);
    t->options = json_is_object(opts) ? json_deep_copy(opts) : json_object();
    if (opts != NULL && !json_is_null(opts) && !json_is_object(opts)) {
        snprintf(field, sizeof field, "targets[%zu].options", i);
        return fail(r, field, "%s must be an object", field);
    }
    return 0;
}

int post_form_read(http_req *req, post_form *f, const json_t *in, const tz_zone *z, char *field,
                   size_t fieldlen, char *msg, size_t msglen)
{
    (void)z;
    rd r = {req, field, fieldlen, msg, msglen};
    if (!json_is_object(in))
        return fail(&r, "body", "the request must be a JSON object");
    const json_t *v;
    if ((v = json_object_get(in, "body")) != NULL) {
        if (json_is_null(v)) {
            free(f->body);
            f->body = strdup("");
        } else if (read_text(&r, v, "body", &f->body) != 0)
            return -1;
    }
    if (f->body == NULL)
        f->body = strdup("");
    if ((v = json_object_get(in, "media")) != NULL &&
        read_ids(&r, v, "media", f->media, FORM_MEDIA_MAX, &f->nmedia) != 0)
        return -1;
    if ((v = json_object_get(in, "campaign_id")) != NULL) {
        if (json_is_null(v))
            f->campaign_id = 0;
        else if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return fail(&r, "campaign_id", "campaign_id must be a campaign's id or null");
        else
            f->campaign_id = json_integer_value(v);
    }
    if ((v = json_object_get(in, "targets")) != NULL) {
        if (!json_is_array(v))
            return fail(&r, "targets", "targets must be a list of {\"account_id\": ...}");
        if (json_array_size(v) > FORM_TARGETS_MAX)
            return fail(&r, "targets", "a post goes to at most %d accounts", FORM_TARGETS_MAX);
        for (size_t k = 0; k < f->ntargets; k++)
            target_clear(&f->targets[k]);
        f->ntargets = 0;
        size_t i;
        json_t *t;
        json_array_foreach(v, i, t)
        {
            form_target *ft = &f->targets[f->ntargets++];
            if (read_target(&r, ft, t, i) != 0)
                return -1;
            for (size_t k = 0; k + 1 < f->ntargets; k++)
                if (f->targets[k].account_id == ft->account_id) {
                    char fl[48];
                    snprintf(fl, sizeof fl, "targets[%zu].account_id", i);
                    return fail(&r, fl, "account %lld is chosen twice", (long long)ft->account_id);
                }
        }
    }
    if ((v = json_object_get(in, "schedule")) != NULL) {
        if (read_schedule(&r, f, v) != 0)
            return -1;
        f->schedule_given = 1;
    }
    if ((v = json_object_get(in, "action")) != NULL) {
        const char *a = json_string_value(v);
        if (a == NULL ||
            (strcmp(a, "save") != 0 && strcmp(a, "submit") != 0 && strcmp(a, "schedule") != 0))
            return fail(&r, "action", "action must be save, submit or schedule");
        snprintf(f->action, sizeof f->action, "%s", a);
    }
    if ((v = json_object_get(in, "version")) != NULL && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return fail(&r, "version", "version must be the post's version number");
        f->version = json_integer_value(v);
    }
    return 0;
}

/* ---- checking ---- */

static void media_facts_of(const db_rows *m, int i, rules_media *out)
{
    const char *fps = db_rows_text(m, i, 8);
    out->id = db_rows_int(m, i, 0, 0);
    out->facts = (media_facts){.kind = db_rows_text(m, i, 1),
                               .mime = db_rows_text(m, i, 2),
                               .format = db_rows_text(m, i, 3),
                               .size = db_rows_int(m, i, 4, 0),
                               .width = (int)db_rows_int(m, i, 5, 0),
                               .height = (int)db_rows_int(m, i, 6, 0),
                               .duration_s = (double)db_rows_int(m, i, 7, 0) / 1000.0,
                               .fps = fps != NULL ? strtod(fps, NULL) : 0.0,
                               .video_codec = db_rows_text(m, i, 9),
                               .audio_codec = db_rows_text(m, i, 10),
                               .animated = db_rows_int(m, i, 11, 0) != 0};
}

/* Hash of the text as people see it: surrounding white space does not count. */
static void text_hash(const char *text, char out[65])
{
    size_t len = strlen(text);
    while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
        len--;
    while (len > 0 && strchr(" \t\r\n", *text) != NULL)
        text++, len--;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static void add_problem(post_form *f, int target, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_problem(post_form *f, int target, const char *field, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *o = json_pack("{s:s, s:s}", "field", field, "message", msg);
    json_object_set_new(o, "target", target >= 0 ? json_integer(target) : json_null());
    json_array_append_new(f->problems, o);
}

static void add_warning(post_form *f, int target, const char *code, const char *field,
                        const char *msg)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "field", field, "code", code, "message", msg);
    json_object_set_new(o, "target", target >= 0 ? json_integer(target) : json_null());
    json_array_append_new(f->warnings, o);
}

static const char *wall_words(const tz_local_in *w, char *buf, size_t len)
{
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", w->year, w->month, w->day, w->hour, w->minute);
    return buf;
}

/* Resolve the schedule to an instant (modes at and now). */
static int check_schedule(const rd *r, post_form *f, const tz_zone *z, int64_t now_ms)
{
    f->resolved_at = 0;
    if (strcmp(f->mode, "now") == 0) {
        f->resolved_at = now_ms;
        return 0;
    }
    if (strcmp(f->mode, "at") != 0)
        return 0;
    const char *field = f->has_local ? "schedule.local" : "schedule.at";
    if (f->has_local) {
        tz_resolution res;
        char a[32], b[32], c[32];
        if (tz_local_to_utc(z, &f->local, &res) != APP_OK)
            return fail(r, field, "schedule.local is not a real date and time");
        if (res.kind == TZ_GAP) {
            char off1[16], off2[16];
            return fail(r, field,
                        "%s does not exist in %s: the clocks go forward from %s to %s (UTC%s to "
                        "UTC%s). Choose a time before %s or from %s",
                        wall_words(&f->local, a, sizeof a), tz_name(z),
                        wall_words(&res.jump_from, b, sizeof b) + 11,
                        wall_words(&res.jump_to, c, sizeof c) + 11,
                        tz_format_offset(res.offset_before, off1, sizeof off1),
                        tz_format_offset(res.offset_after, off2, sizeof off2), b + 11, c + 11);
        }
        f->resolved_at = res.utc_ms;
        if (res.kind == TZ_OVERLAP) {
            char msg[400], off1[16], off2[16];
            if (f->fold_later)
                f->resolved_at = res.later_ms;
            snprintf(
                msg, sizeof msg,
                "%s happens twice in %s (the clocks go back); this is the %s one (UTC%s). "
                "Send \"fold\": \"%s\" for the %s one (UTC%s)",
                wall_words(&f->local, a, sizeof a), tz_name(z), f->fold_later ? "second" : "first",
                tz_format_offset(f->fold_later ? res.later_offset : res.offset, off1, sizeof off1),
                f->fold_later ? "earlier" : "later", f->fold_later ? "first" : "second",
                tz_format_offset(f->fold_later ? res.offset : res.later_offset, off2, sizeof off2));
            add_warning(f, -1, "ambiguous_time", field, msg);
        }
    } else
        f->resolved_at = f->at;
    if (f->resolved_at <= now_ms) {
        char when[TZ_FMT_MAX];
        add_problem(f, -1, field, "the time %s (%s) has passed; choose a time in the future",
                    tz_format_local(z, f->resolved_at, when, sizeof when), tz_name(z));
    }
    return 0;
}

int post_form_check(http_req *req, const app *a, int64_t workspace_id, post_form *f,
                    const tz_zone *z, int64_t exclude_post_id, int64_t now_ms, char *field,
                    size_t fieldlen, char *msg, size_t msglen)
{
    rd r = {req, field, fieldlen, msg, msglen};
    json_array_clear(f->problems);
    json_array_clear(f->warnings);
    json_decref(f->targets_info);
    f->targets_info = NULL;
    /* accounts */
    int64_t ids[FORM_TARGETS_MAX];
    store_post_account accs[FORM_TARGETS_MAX];
    for (size_t i = 0; i < f->ntargets; i++)
        ids[i] = f->targets[i].account_id;
    size_t found = 0;
    app_err e = store_post_accounts(a->db, workspace_id, ids, f->ntargets, accs, &found);
    if (e != APP_OK) {
        if (req != NULL)
            api_fail(req, e, "accounts");
        return fail(&(rd){NULL, field, fieldlen, msg, msglen}, "targets",
                    "the accounts could not be read");
    }
    for (size_t i = 0; i < f->ntargets; i++) {
        char fl[128], words[160];
        snprintf(fl, sizeof fl, "targets[%zu].account_id", i);
        if (accs[i].id == 0)
            return fail(&r, fl, "account %lld is not connected to this workspace",
                        (long long)ids[i]);
        if (strcmp(accs[i].status, "disconnected") == 0)
            return fail(&r, fl, "%s (%s) was disconnected; connect it again to post there",
                        accs[i].name, accs[i].platform);
        f->targets[i].account = accs[i];
        char why[64];
        if (!rules_kind_known(accs[i].platform, f->targets[i].kind) && f->targets[i].kind[0]) {
            snprintf(fl, sizeof fl, "targets[%zu].kind", i);
            return fail(&r, fl, "%s is not a kind of %s post", f->targets[i].kind,
                        accs[i].platform);
        }
        if (rules_options_shape(accs[i].platform, f->targets[i].options, why, sizeof why, words,
                                sizeof words) != 0) {
            snprintf(fl, sizeof fl, "targets[%zu].%s", i, why);
            return fail(&r, fl, "%s %s", fl, words);
        }
        if (strcmp(accs[i].status, "needs_reconnect") == 0)
            add_problem(f, (int)i, fl,
                        "%s (%s) needs reconnecting before anything can be posted there",
                        accs[i].name, accs[i].platform);
    }
    if (f->campaign_id > 0) {
        json_t *camp = NULL;
        e = store_campaign_get(a->db, workspace_id, f->campaign_id, &camp);
        json_decref(camp);
        if (e == APP_ENOTFOUND)
            return fail(&r, "campaign_id", "campaign %lld does not exist in this workspace",
                        (long long)f->campaign_id);
    }
    /* media: the post's and those of X thread parts */
    int64_t all[128];
    size_t nall = 0;
    for (size_t i = 0; i < f->nmedia; i++)
        all[nall++] = f->media[i];
    for (size_t i = 0; i < f->ntargets; i++) {
        size_t k;
        json_t *part;
        json_array_foreach(json_object_get(f->targets[i].options, "thread"), k, part)
        {
            size_t j;
            json_t *id;
            json_array_foreach(json_object_get(part, "media"), j, id)
            {
                int64_t v = json_integer_value(id);
                int dup = 0;
                for (size_t q = 0; q < nall; q++)
                    dup |= all[q] == v;
                if (!dup && nall < sizeof all / sizeof all[0])
                    all[nall++] = v;
            }
        }
    }
    db_rows *m = NULL;
    e = store_post_media_facts(a->db, workspace_id, all, nall, &m);
    if (e != APP_OK) {
        if (req != NULL)
            api_fail(req, e, "media");
        return fail(&(rd){NULL, field, fieldlen, msg, msglen}, "media",
                    "the media could not be read");
    }
    rules_media lib[128], post_media[FORM_MEDIA_MAX];
    size_t nlib = 0;
    for (int i = 0; i < db_rows_count(m); i++)
        media_facts_of(m, i, &lib[nlib++]);
    int bad = 0;
    for (size_t i = 0; i < nall && !bad; i++) {
        int have = 0;
        for (size_t k = 0; k < nlib; k++)
            have |= lib[k].id == all[i];
        if (!have) {
            bad = 1;
            fail(&r, i < f->nmedia ? "media" : "targets",
                 "media item %lld is not in this workspace's library", (long long)all[i]);
        }
    }
    if (bad) {
        db_rows_free(m);
        return -1;
    }
    for (size_t i = 0; i < f->nmedia; i++)
        for (size_t k = 0; k < nlib; k++)
            if (lib[k].id == f->media[i])
                post_media[i] = lib[k];
    rules_target rt[FORM_TARGETS_MAX];
    for (size_t i = 0; i < f->ntargets; i++)
        rt[i] = (rules_target){
            f->targets[i].account_id,   f->targets[i].account.platform,
            f->targets[i].account.name, f->targets[i].kind[0] ? f->targets[i].kind : NULL,
            f->targets[i].text,         f->targets[i].options};
    rules_post rp = {f->body, post_media, f->nmedia, lib, nlib, rt, f->ntargets};
    f->targets_info = rules_check(&rp, f->problems, f->warnings);
    db_rows_free(m);
    if (f->ntargets == 0)
        add_problem(f, -1, "targets", "choose at least one account to post to");
    for (size_t i = 0; i < f->ntargets; i++) {
        json_t *info = json_array_get(f->targets_info, i);
        snprintf(f->targets[i].resolved_kind, sizeof f->targets[i].resolved_kind, "%s",
                 str_or(json_string_value(json_object_get(info, "kind")), ""));
        const char *text = str_or(json_string_value(json_object_get(info, "text")), "");
        text_hash(text, f->targets[i].text_hash);
    }
    if (check_schedule(&r, f, z, now_ms) != 0)
        return -1;
    /* duplicates */
    for (size_t i = 0; i < f->ntargets; i++) {
        const char *text =
            json_string_value(json_object_get(json_array_get(f->targets_info, i), "text"));
        if (text == NULL || strspn(text, " \t\r\n") == strlen(text))
            continue;
        int dup = 0;
        char state[32] = "";
        int64_t at = 0;
        if (store_post_duplicate(a->db, f->targets[i].account_id, f->targets[i].text_hash,
                                 exclude_post_id, now_ms - 24LL * 3600 * 1000, &dup, state,
                                 sizeof state, &at) != APP_OK ||
            !dup)
            continue;
        char when[TZ_FMT_MAX] = "", words[400], fl[48];
        if (at > 0)
            tz_format_local(z, at, when, sizeof when);
        if (strcmp(state, "published") == 0)
            snprintf(words, sizeof words,
                     "the same text was published to %s at %s (in the last 24 hours)",
                     f->targets[i].account.name, when);
        else
            snprintf(words, sizeof words, "the same text is already %s for %s%s%s",
                     strcmp(state, "scheduled") == 0 ? "scheduled" : "waiting to be published",
                     f->targets[i].account.name, at > 0 ? " at " : "", when);
        snprintf(fl, sizeof fl, "targets[%zu].text", i);
        add_warning(f, (int)i, "duplicate", fl, words);
    }
    return 0;
}

/* ---- storing ---- */

int post_form_to_store(http_req *req, const app *a, int64_t workspace_id, post_form *f,
                       const tz_zone *z, const char *state, int64_t now_ms, post_form_store *s)
{
    memset(s, 0, sizeof *s);
    store_post_in *in = &s->in;
    in->state = state;
    in->body = f->body;
    in->media = f->media;
    in->nmedia = f->nmedia;
    in->campaign_id = f->campaign_id;
    in->schedule_mode = f->mode;
    in->scheduled_at = strcmp(f->mode, "at") == 0 || strcmp(f->mode, "now") == 0
                           ? (f->resolved_at ? f->resolved_at : f->at)
                           : 0;
    in->review_note = f->review_note[0] ? f->review_note : NULL;
    in->reviewed_by = f->reviewed_by;
    for (size_t i = 0; i < f->ntargets; i++) {
        s->options[i] = json_dumps(f->targets[i].options, JSON_COMPACT | JSON_SORT_KEYS);
        s->targets[i] = (store_target_in){
            f->targets[i].account_id,
            f->targets[i].account.platform,
            f->targets[i].resolved_kind[0] ? f->targets[i].resolved_kind
                                           : (f->targets[i].kind[0] ? f->targets[i].kind : "post"),
            f->targets[i].text,
            s->options[i],
            f->targets[i].text_hash};
    }
    in->targets = s->targets;
    in->ntargets = f->ntargets;
    if (strcmp(f->mode, "queue") != 0)
        return 0;
    /* The account's own queue when the post goes to one account that has one. */
    store_slot slots[200];
    size_t n = 0;
    int64_t scope = 0;
    if (f->ntargets == 1 &&
        store_queue_slots(a->db, workspace_id, f->targets[0].account_id, slots, 200, &n) ==
            APP_OK &&
        n > 0)
        scope = f->targets[0].account_id;
    else if (store_queue_slots(a->db, workspace_id, 0, slots, 200, &n) != APP_OK)
        n = 0;
    in->queue_account_id = scope;
    if (strcmp(state, "scheduled") != 0)
        return 0;
    if (!f->schedule_given && f->at > now_ms) {
        /* a queued post keeps the slot it holds when its schedule is not changed */
        s->slots[0] = f->at;
        in->queue_slots = s->slots;
        in->nqueue_slots = 1;
        return 0;
    }
    if (n == 0 && req == NULL)
        return -1;
    if (n == 0) {
        http_reply_error(req, 409, "queue_empty",
                         "the queue has no time slots yet; add some in the queue settings, or "
                         "pick a time",
                         "schedule.mode");
        return -1;
    }
    tz_slot ts[200];
    for (size_t i = 0; i < n; i++)
        ts[i] = (tz_slot){slots[i].weekday, slots[i].minute};
    /* a minute of margin so a slot is not handed out as it passes */
    in->nqueue_slots =
        tz_next_slots(z, ts, n, now_ms + 60000, s->slots, sizeof s->slots / sizeof s->slots[0]);
    in->queue_slots = s->slots;
    return 0;
}

void post_form_store_free(post_form_store *s)
{
    for (size_t i = 0; i < FORM_TARGETS_MAX; i++)
        free(s->options[i]);
}

tz_zone *post_form_zone(http_req *req, int64_t workspace_id)
{
    json_t *ws = NULL;
    app_err e = store_workspace_get(req->app->db, workspace_id, req->auth.user_id, &ws);
    if (e != APP_OK) {
        api_fail(req, e, "workspace");
        return NULL;
    }
    char err[160];
    tz_zone *z =
        tz_load(str_or(json_string_value(json_object_get(ws, "timezone")), "UTC"), err, sizeof err);
    if (z == NULL)
        z = tz_load("UTC", err, sizeof err);
    json_decref(ws);
    if (z == NULL)
        http_reply_error(req, 500, "internal_error", "time zones cannot be read on this server",
                         NULL);
    return z;
}

void post_form_reply_invalid(http_req *req, const post_form *f)
{
    size_t n = json_array_size(f->problems);
    char msg[64];
    snprintf(msg, sizeof msg, "%zu problem%s to fix first", n, n == 1 ? "" : "s");
    const char *field = json_string_value(json_object_get(json_array_get(f->problems, 0), "field"));
    json_t *body =
        json_pack("{s:{s:s, s:s, s:s?}, s:O, s:O}", "error", "code", "invalid_post", "message", msg,
                  "field", field, "problems", f->problems, "warnings", f->warnings);
    http_reply_json(req, 422, body);
}
