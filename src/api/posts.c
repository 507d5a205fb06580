/*
 * posts.c - writing posts: create, change, validate, read, delete, and the
 * review and scheduling steps (submit, approve, request changes, schedule,
 * cancel).  Who may do what in which state is decided here, on top of the
 * route's permission (contributors and up reach these routes; the finer
 * rules of docs/api.md "Review and scheduling" are these functions).
 */
#include "api/api.h"
#include "api/common.h"
#include "api/post_form.h"
#include "api/validate.h"
#include "auth/guard.h"
#include "core/clock.h"
#include "core/text.h"
#include "engine/engine.h"
#include "notify/notify.h"
#include "store/posts.h"

#include <stdio.h>
#include <string.h>

static int is_editor(const http_req *req)
{
    return req->auth.ws_role >= ROLE_EDITOR;
}

/* Add "local" and "timezone" to a post's schedule. */
static void add_local(json_t *post, const tz_zone *z)
{
    json_t *s = json_object_get(post, "schedule");
    int64_t at = 0;
    const char *iso = json_string_value(json_object_get(s, "at"));
    char buf[TZ_FMT_MAX];
    if (iso != NULL && tz_parse_rfc3339(iso, &at) == APP_OK)
        json_object_set_new(s, "local", json_string(tz_format_local(z, at, buf, sizeof buf)));
    else
        json_object_set_new(s, "local", json_null());
    json_object_set_new(s, "timezone", json_string(tz_name(z)));
}

/* Reply {post, problems, warnings} with the stored post. */
static void reply_post(http_req *req, int status, int64_t id, const tz_zone *z, const post_form *f)
{
    json_t *post = NULL;
    app_err e = store_post_get(req->app->db, req->auth.workspace_id, id, &post);
    if (e != APP_OK) {
        api_fail(req, e, "post");
        return;
    }
    add_local(post, z);
    json_t *body = json_pack("{s:o}", "post", post);
    json_object_set_new(body, "problems", f != NULL ? json_copy(f->problems) : json_array());
    json_object_set_new(body, "warnings", f != NULL ? json_copy(f->warnings) : json_array());
    http_reply_json(req, status, body);
}

static void reply_why(http_req *req, app_err e, store_post_why why)
{
    if (e == APP_ECONFLICT && why == POST_LOCKED)
        http_reply_error(req, 409, "post_locked",
                         "publishing has started; the post can no longer be changed", NULL);
    else if (e == APP_ECONFLICT && why == POST_STALE)
        http_reply_error(req, 409, "conflict",
                         "someone changed this post meanwhile; reload it and try again", "version");
    else if (e == APP_ECONFLICT && why == POST_QUEUE_FULL)
        http_reply_error(req, 409, "queue_full",
                         "every queue slot of the next weeks is taken; add slots or pick a time",
                         "schedule.mode");
    else if (e == APP_ENOTFOUND)
        http_reply_error(req, 409, "conflict",
                         "an account, media item or campaign of the post was removed meanwhile",
                         NULL);
    else
        api_fail(req, e, "post");
}

/* Load a post; answers 404 when missing. */
static json_t *load_post(http_req *req, int64_t *id)
{
    *id = guard_parse_id(http_param(req, "post_id"));
    json_t *post = NULL;
    app_err e =
        *id > 0 ? store_post_get(req->app->db, req->auth.workspace_id, *id, &post) : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e, "post");
        return NULL;
    }
    return post;
}

static const char *post_state(const json_t *post)
{
    return json_string_value(json_object_get(post, "state"));
}

static int64_t post_author(const json_t *post)
{
    return json_integer_value(json_object_get(json_object_get(post, "created_by"), "id"));
}

static int state_in(const char *state, const char *const *list)
{
    for (; *list != NULL; list++)
        if (strcmp(state, *list) == 0)
            return 1;
    return 0;
}

/* Contributors: their own posts, while draft or sent back.  Answers 403 otherwise. */
static int contributor_may_edit(http_req *req, const json_t *post)
{
    static const char *const open[] = {"draft", "changes_requested", NULL};
    if (is_editor(req))
        return 1;
    if (post_author(post) != req->auth.user_id) {
        http_reply_error(req, 403, "forbidden",
                         "contributors change only their own posts; ask an editor", NULL);
        return 0;
    }
    if (!state_in(post_state(post), open)) {
        http_reply_error(req, 403, "forbidden",
                         "this post is with the editors; it can be changed again if they send it "
                         "back",
                         NULL);
        return 0;
    }
    return 1;
}

/*
 * Check f and write it in state `state` (or create when id is 0).  Actions
 * that move a post on (submit, schedule) refuse problems with 422.
 */
static int commit(http_req *req, post_form *f, const tz_zone *z, int64_t id, int64_t version,
                  const char *state, int strict, const char *action, int status)
{
    char field[128], msg[400];
    int64_t now = clock_now_ms();
    if (post_form_check(req, req->app, req->auth.workspace_id, f, z, id, now, field, sizeof field,
                        msg, sizeof msg) != 0)
        return 0;
    if (strcmp(state, "scheduled") == 0 && strcmp(f->mode, "none") == 0) {
        http_reply_error(req, 400, "invalid_field",
                         "choose when: a date and time, now, or the queue", "schedule.mode");
        return 0;
    }
    if (strict && json_array_size(f->problems) > 0) {
        post_form_reply_invalid(req, f);
        return 0;
    }
    post_form_store s;
    if (post_form_to_store(req, req->app, req->auth.workspace_id, f, z, state, now, &s) != 0) {
        post_form_store_free(&s);
        return 0;
    }
    json_t *details = json_pack("{s:i}", "targets", (int)f->ntargets);
    store_post_why why = POST_OK;
    int64_t at = 0;
    app_err e;
    actor who;
    http_actor(req, &who);
    if (id == 0)
        e = store_post_create(req->app->db, &who, req->auth.workspace_id, &s.in, action, details,
                              now, &id, &at, &why);
    else
        e = store_post_update(req->app->db, &who, req->auth.workspace_id, id, version, &s.in,
                              action, details, now, &at, &why);
    json_decref(details);
    post_form_store_free(&s);
    if (e != APP_OK) {
        reply_why(req, e, why);
        return 0;
    }
    /* live: calendars and lists open elsewhere follow (told before the worker can act) */
    json_t *data =
        json_pack("{s:I, s:s, s:s}", "post_id", (json_int_t)id, "state", state, "action", action);
    notify_event ev = {req->auth.workspace_id, EV_POST_STATE, data, 0, 0, NULL, NULL, NULL};
    notify_emit(req->app, &ev, NULL);
    json_decref(data);
    if (strcmp(state, "scheduled") == 0)
        engine_wake(req->app->engine); /* it may be due sooner than what the worker waits for */
    reply_post(req, status, id, z, f);
    return 1;
}

void api_posts_create(http_req *req)
{
    tz_zone *z = post_form_zone(req, req->auth.workspace_id);
    if (z == NULL)
        return;
    post_form f;
    post_form_init(&f);
    if (post_form_read(req, &f, req->json, z, NULL, 0, NULL, 0) == 0) {
        if (strcmp(f.action, "schedule") == 0 && !is_editor(req))
            http_reply_error(req, 403, "forbidden",
                             "contributors save drafts and submit them for approval; an editor "
                             "schedules",
                             "action");
        else if (strcmp(f.action, "schedule") == 0)
            commit(req, &f, z, 0, 0, "scheduled", 1, "post.scheduled", 201);
        else if (strcmp(f.action, "submit") == 0)
            commit(req, &f, z, 0, 0, "pending_approval", 1, "post.submitted", 201);
        else
            commit(req, &f, z, 0, 0, "draft", 0, "post.created", 201);
    }
    post_form_free(&f);
    tz_free(z);
}

void api_posts_validate(http_req *req)
{
    tz_zone *z = post_form_zone(req, req->auth.workspace_id);
    if (z == NULL)
        return;
    post_form f;
    post_form_init(&f);
    char field[128], msg[400];
    int64_t exclude = 0;
    const json_t *pid = json_object_get(req->json, "post_id");
    if (json_is_integer(pid))
        exclude = json_integer_value(pid);
    if (json_is_object(req->json))
        json_object_del(req->json, "post_id");
    if (post_form_read(req, &f, req->json, z, NULL, 0, NULL, 0) == 0 &&
        post_form_check(req, req->app, req->auth.workspace_id, &f, z, exclude, clock_now_ms(),
                        field, sizeof field, msg, sizeof msg) == 0) {
        json_t *sched = json_pack("{s:s, s:s}", "mode", f.mode, "timezone", tz_name(z));
        if (f.resolved_at > 0) {
            char a[TZ_FMT_MAX], b[TZ_FMT_MAX];
            json_object_set_new(sched, "at",
                                json_string(clock_format_iso(f.resolved_at, a, sizeof a)));
            json_object_set_new(sched, "local",
                                json_string(tz_format_local(z, f.resolved_at, b, sizeof b)));
        }
        http_reply_json(req, 200,
                        json_pack("{s:b, s:O, s:O, s:O, s:o}", "ok",
                                  json_array_size(f.problems) == 0, "problems", f.problems,
                                  "warnings", f.warnings, "targets", f.targets_info, "schedule",
                                  sched));
    }
    post_form_free(&f);
    tz_free(z);
}

void api_post_get(http_req *req)
{
    int64_t id;
    json_t *post = load_post(req, &id);
    if (post == NULL)
        return;
    json_decref(post);
    tz_zone *z = post_form_zone(req, req->auth.workspace_id);
    if (z == NULL)
        return;
    reply_post(req, 200, id, z, NULL);
    tz_free(z);
}

void api_post_patch(http_req *req)
{
    int64_t id;
    json_t *post = load_post(req, &id);
    if (post == NULL)
        return;
    tz_zone *z = NULL;
    post_form f;
    post_form_init(&f);
    int64_t version = json_integer_value(json_object_get(post, "version"));
    const char *state = post_state(post);
    if (!store_post_state_editable(state)) {
        http_reply_error(req, 409, "post_locked",
                         "publishing has started; the post can no longer be changed", NULL);
        goto out;
    }
    if (!contributor_may_edit(req, post))
        goto out;
    if ((z = post_form_zone(req, req->auth.workspace_id)) == NULL)
        goto out;
    post_form_from_post(&f, post);
    f.version = 0;
    if (post_form_read(req, &f, req->json, z, NULL, 0, NULL, 0) != 0)
        goto out;
    if (f.version != 0 && f.version != version) {
        http_reply_error(req, 409, "conflict",
                         "someone changed this post meanwhile; reload it and try again", "version");
        goto out;
    }
    if (strcmp(f.action, "schedule") == 0 && !is_editor(req)) {
        http_reply_error(req, 403, "forbidden",
                         "contributors save drafts and submit them for approval; an editor "
                         "schedules",
                         "action");
        goto out;
    }
    if (strcmp(f.action, "schedule") == 0)
        commit(req, &f, z, id, version, "scheduled", 1,
               strcmp(state, "scheduled") == 0 ? "post.rescheduled" : "post.scheduled", 200);
    else if (strcmp(f.action, "submit") == 0)
        commit(req, &f, z, id, version, "pending_approval", 1, "post.submitted", 200);
    else {
        /* saving keeps the state; a post on its way out must stay valid */
        int strict = strcmp(state, "draft") != 0 && strcmp(state, "changes_requested") != 0;
        commit(req, &f, z, id, version, state, strict, "post.updated", 200);
    }
out:
    json_decref(post);
    post_form_free(&f);
    tz_free(z);
}

void api_post_delete(http_req *req)
{
    int64_t id;
    json_t *post = load_post(req, &id);
    if (post == NULL)
        return;
    static const char *const open[] = {"draft", "changes_requested", NULL};
    if (!store_post_state_editable(post_state(post))) {
        http_reply_error(req, 409, "post_locked",
                         "publishing has started; the post can no longer be deleted", NULL);
    } else if (!is_editor(req) &&
               (post_author(post) != req->auth.user_id || !state_in(post_state(post), open))) {
        http_reply_error(req, 403, "forbidden",
                         "contributors delete only their own drafts; ask an editor", NULL);
    } else {
        actor who;
        http_actor(req, &who);
        store_post_why why;
        app_err e = store_post_delete(req->app->db, &who, req->auth.workspace_id, id,
                                      json_integer_value(json_object_get(post, "version")),
                                      clock_now_ms(), &why);
        if (e != APP_OK)
            reply_why(req, e, why);
        else
            http_reply_empty(req, 204);
    }
    json_decref(post);
}

/* ---- review and scheduling ---- */

/* Tell the post's author it was approved or sent back. */
static void review_told(http_req *req, const json_t *post, int64_t id, int approved,
                        const char *note)
{
    char ex[200], title[300], body[1600], link[700];
    const char *text = json_string_value(json_object_get(post, "body"));
    text_excerpt(text != NULL ? text : "", 60, ex, sizeof ex);
    snprintf(title, sizeof title, approved ? "Your post was approved" : "Your post was sent back");
    snprintf(body, sizeof body, "\"%s\" %s%s%s", ex,
             approved ? "was approved." : "needs changes: ", approved && note[0] ? " Note: " : "",
             note);
    snprintf(link, sizeof link, "%s/compose?post=%lld", req->app->cfg->public_url, (long long)id);
    json_t *data = json_pack("{s:I, s:s}", "post_id", (json_int_t)id, "note", note);
    notify_event ev = {req->auth.workspace_id,
                       approved ? EV_POST_APPROVED : EV_POST_CHANGES,
                       data,
                       post_author(post),
                       req->auth.user_id,
                       title,
                       body,
                       link};
    notify_emit(req->app, &ev, NULL);
    json_decref(data);
}

typedef enum step { STEP_SUBMIT, STEP_APPROVE, STEP_CHANGES, STEP_SCHEDULE, STEP_CANCEL } step;

static void transition(http_req *req, step st)
{
    static const char *const from_submit[] = {"draft", "changes_requested", NULL};
    static const char *const from_review[] = {"pending_approval", NULL};
    static const char *const from_schedule[] = {"draft",    "pending_approval", "changes_requested",
                                                "approved", "scheduled",        NULL};
    static const char *const from_cancel[] = {"scheduled", "approved", "pending_approval", NULL};
    static const char *const *const from[] = {from_submit, from_review, from_review, from_schedule,
                                              from_cancel};
    static const char *const words[] = {"submitted for approval", "approved", "sent back",
                                        "scheduled", "cancelled"};
    int64_t id;
    json_t *post = load_post(req, &id);
    if (post == NULL)
        return;
    tz_zone *z = NULL;
    post_form f;
    post_form_init(&f);
    const char *state = post_state(post);
    int64_t version = json_integer_value(json_object_get(post, "version"));
    if (!store_post_state_editable(state)) {
        http_reply_error(req, 409, "post_locked",
                         "publishing has started; the post can no longer be changed", NULL);
        goto out;
    }
    if (st == STEP_SUBMIT && !is_editor(req) && post_author(post) != req->auth.user_id) {
        http_reply_error(req, 403, "forbidden",
                         "contributors submit only their own posts; ask an editor", NULL);
        goto out;
    }
    if (!state_in(state, from[st])) {
        char msg[160];
        snprintf(msg, sizeof msg, "a post that is %s cannot be %s", state, words[st]);
        http_reply_error(req, 409, "invalid_state", msg, "state");
        goto out;
    }
    if (st == STEP_SUBMIT && !contributor_may_edit(req, post))
        goto out;
    if ((z = post_form_zone(req, req->auth.workspace_id)) == NULL)
        goto out;
    post_form_from_post(&f, post);
    const json_t *v = json_object_get(req->json, "version");
    if (json_is_integer(v) && json_integer_value(v) != version) {
        http_reply_error(req, 409, "conflict",
                         "someone changed this post meanwhile; reload it and try again", "version");
        goto out;
    }
    switch (st) {
    case STEP_SUBMIT:
        commit(req, &f, z, id, version, "pending_approval", 1, "post.submitted", 200);
        break;
    case STEP_APPROVE: {
        /* a proposed time that has passed is dropped: the post is approved without one */
        int stale = strcmp(f.mode, "at") == 0 && f.at <= clock_now_ms();
        if (stale)
            snprintf(f.mode, sizeof f.mode, "none");
        const json_t *note = json_object_get(req->json, "note");
        if (note != NULL && !json_is_null(note) &&
            (!json_is_string(note) || utf8_chars(json_string_value(note)) > 1000)) {
            http_reply_error(req, 400, "invalid_field",
                             "note must be text of up to 1,000 characters", "note");
            goto out;
        }
        /* the note of a send-back is answered by approving: it gives way to the approval's */
        snprintf(f.review_note, sizeof f.review_note, "%s",
                 json_is_string(note) ? json_string_value(note) : "");
        f.reviewed_by = req->auth.user_id;
        if (commit(req, &f, z, id, version, strcmp(f.mode, "none") == 0 ? "approved" : "scheduled",
                   1, "post.approved", 200))
            review_told(req, post, id, 1, f.review_note);
        break;
    }
    case STEP_CHANGES: {
        const json_t *note = json_object_get(req->json, "note");
        const char *s = json_string_value(note);
        if (s == NULL || strspn(s, " \t\r\n") == strlen(s) || utf8_chars(s) > 1000) {
            http_reply_error(req, 400, "invalid_field",
                             "say what should change (a note of up to 1,000 characters)", "note");
            goto out;
        }
        snprintf(f.review_note, sizeof f.review_note, "%s", s);
        f.reviewed_by = req->auth.user_id;
        if (commit(req, &f, z, id, version, "changes_requested", 0, "post.changes_requested", 200))
            review_told(req, post, id, 0, f.review_note);
        break;
    }
    case STEP_SCHEDULE: {
        json_t *in = json_pack("{s:O?}", "schedule", json_object_get(req->json, "schedule"));
        int ok = json_object_get(in, "schedule") != NULL;
        if (!ok)
            http_reply_error(req, 400, "invalid_field",
                             "give the schedule: {\"mode\": \"at\", \"local\": ...}, now or queue",
                             "schedule");
        else if (post_form_read(req, &f, in, z, NULL, 0, NULL, 0) == 0)
            commit(req, &f, z, id, version, "scheduled", 1,
                   strcmp(state, "scheduled") == 0 ? "post.rescheduled" : "post.scheduled", 200);
        json_decref(in);
        break;
    }
    case STEP_CANCEL:
        if (strcmp(f.mode, "queue") == 0)
            f.at = 0; /* the slot goes back to the queue */
        commit(req, &f, z, id, version, "draft", 0, "post.cancelled", 200);
        break;
    }
out:
    json_decref(post);
    post_form_free(&f);
    tz_free(z);
}

void api_post_submit(http_req *req)
{
    transition(req, STEP_SUBMIT);
}

void api_post_approve(http_req *req)
{
    transition(req, STEP_APPROVE);
}

void api_post_request_changes(http_req *req)
{
    transition(req, STEP_CHANGES);
}

void api_post_schedule(http_req *req)
{
    transition(req, STEP_SCHEDULE);
}

void api_post_cancel(http_req *req)
{
    transition(req, STEP_CANCEL);
}
