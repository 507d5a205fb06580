/*
 * rules.h - the platform rules a post must meet, in one place.
 *
 * A pure module (no I/O, no clock).  Given a post as the composer holds it
 * (body, ordered media with what the probe found, one target per chosen
 * account with its kind, text override and options), it lists every problem
 * per target and field, the warnings, and per target the counters the
 * composer shows ("291 / 280") and the kind the target resolves to.  The
 * API runs it for saving, submitting and scheduling, and for the live
 * preview (POST .../posts/validate), so the two never disagree.
 *
 * Limits come from PLATFORMS.md ("Limits" / "Content limits" of sections
 * 1-5); media fit checks are those of media/fit.h.
 */
#ifndef P2S_COMPOSE_RULES_H
#define P2S_COMPOSE_RULES_H

#include "media/fit.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A media item the post (or an X thread part) uses. */
typedef struct rules_media {
    int64_t id;
    media_facts facts;
} rules_media;

/* One target: an account and what the post says there. */
typedef struct rules_target {
    int64_t account_id;
    const char *platform;     /* "facebook", "instagram", "linkedin", "youtube", "x" */
    const char *account_name; /* for messages */
    const char *kind;         /* requested kind, or NULL to derive it from the media */
    const char *text;         /* override of the body, or NULL */
    const json_t *options;    /* an object (may be NULL = none) */
} rules_target;

/* The post. */
typedef struct rules_post {
    const char *body;
    const rules_media *media; /* in order */
    size_t nmedia;
    const rules_media *library; /* every item referenced (post and X thread parts), for lookups */
    size_t nlibrary;
    const rules_target *targets;
    size_t ntargets;
} rules_post;

/*
 * Check the post.  Appends to problems and warnings objects of the form
 * {"target": i, "account_id": n, "field": "targets[i].text", "message": "..."}
 * (warnings add "code").  Returns a new array with one object per target:
 * {"account_id", "platform", "kind", "text" (the effective text), "counters":
 * [{"field", "used", "limit"}]}.  A kind that cannot be derived resolves to
 * null with a problem.
 */
json_t *rules_check(const rules_post *p, json_t *problems, json_t *warnings);

/* 1 if kind is one of the platform's post kinds. */
int rules_kind_known(const char *platform, const char *kind);

/*
 * Check the shape of a target's options (types and allowed values; unknown
 * keys refused).  0, or -1 with the offending option's name in field and a
 * message.  The API refuses such input outright (400), whatever the action.
 */
int rules_options_shape(const char *platform, const json_t *options, char *field, size_t fieldlen,
                        char *msg, size_t msglen);

#endif
