/* publish_common.c - helpers every publishing adapter uses (see publish.h). */
#include "platform/publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pub_req_reset(pub_job *job)
{
    plat_request_reset(&job->req.r);
    memset(&job->req, 0, sizeof job->req);
}

void pub_req(pub_job *job, const char *method, const char *fmt, ...)
{
    pub_req_reset(job);
    va_list ap;
    va_start(ap, fmt);
    plat_request_vstart(&job->req.r, method, fmt, ap);
    va_end(ap);
}

void pub_req_header(pub_job *job, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plat_request_vheader(&job->req.r, fmt, ap);
    va_end(ap);
}

void pub_req_body(pub_job *job, const char *content_type, const char *body, size_t len)
{
    plat_request_body(&job->req.r, content_type, body, len);
}

void pub_req_json(pub_job *job, const json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    if (text != NULL)
        pub_req_body(job, "application/json", text, strlen(text));
    free(text);
}

void pub_form_add(pub_job *job, const char *key, const char *value)
{
    plat_request_form_add(&job->req.r, key, value);
}

void pub_req_stream(pub_job *job, int media, int64_t offset, int64_t length,
                    const char *content_type)
{
    job->req.stream = 1;
    job->req.range = (pub_range){media, offset, length};
    if (content_type != NULL)
        pub_req_header(job, "Content-Type: %s", content_type);
}

void pub_req_field(pub_job *job, const char *name, const char *value)
{
    if (job->req.nfields >= PUB_MAX_FIELDS)
        return;
    job->req.multipart = 1;
    snprintf(job->req.fields[job->req.nfields][0], sizeof job->req.fields[0][0], "%s", name);
    snprintf(job->req.fields[job->req.nfields][1], sizeof job->req.fields[0][1], "%s", value);
    job->req.nfields++;
}

void pub_req_part(pub_job *job, const char *name, const char *content_type, int media,
                  int64_t offset, int64_t length)
{
    job->req.multipart = 1;
    job->req.range = (pub_range){media, offset, length};
    snprintf(job->req.part_name, sizeof job->req.part_name, "%s", name);
    snprintf(job->req.part_type, sizeof job->req.part_type, "%s",
             content_type != NULL ? content_type : "application/octet-stream");
}

pub_step pub_fail(pub_job *job, plat_err_kind kind, int status, const char *code, const char *fmt,
                  ...)
{
    va_list ap;
    va_start(ap, fmt);
    plat_error_vset(&job->err, kind, status, code, fmt, ap);
    va_end(ap);
    return PUB_FAIL;
}

pub_step pub_wait(pub_job *job, int64_t ms)
{
    job->wait_ms = ms > 0 ? ms : 0;
    return PUB_WAIT;
}

pub_step pub_done(pub_job *job, const char *remote_id, const char *remote_url)
{
    plat_copy_whole(job->remote_id, sizeof job->remote_id, remote_id != NULL ? remote_id : "");
    plat_copy_whole(job->remote_url, sizeof job->remote_url, remote_url != NULL ? remote_url : "");
    return PUB_DONE;
}

pub_step pub_fail_generic(pub_job *job, const plat_response *r, const char *what)
{
    plat_error_generic(&job->err, r, job->now_ms, what);
    return PUB_FAIL;
}

const char *pub_state_str(const pub_job *job, const char *key)
{
    return json_string_value(json_object_get(job->state, key));
}

int64_t pub_state_int(const pub_job *job, const char *key, int64_t dflt)
{
    const json_t *v = json_object_get(job->state, key);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

void pub_state_set_str(pub_job *job, const char *key, const char *value)
{
    if (job->state == NULL)
        job->state = json_object();
    json_object_set_new(job->state, key, value != NULL ? json_string(value) : json_null());
}

void pub_state_set_int(pub_job *job, const char *key, int64_t value)
{
    if (job->state == NULL)
        job->state = json_object();
    json_object_set_new(job->state, key, json_integer(value));
}

json_t *pub_json(const plat_response *r)
{
    if (r == NULL || r->body == NULL || r->body_len == 0)
        return NULL;
    json_t *v = json_loadb(r->body, r->body_len, 0, NULL);
    if (v != NULL && !json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

void pub_job_free(pub_job *job)
{
    pub_req_reset(job);
    json_decref(job->state);
    job->state = NULL;
}
