/*
 * facebook.c - www.facebook.com (the OAuth dialog), graph.facebook.com (Pages
 * publishing, tokens, insights, and Instagram through Facebook Login) and
 * rupload.facebook.com (video byte uploads), per PLATFORMS.md section 1.
 *
 * Also the Graph plumbing both Meta modules use (meta.h): the error
 * envelope, token checks, field selection, paging, usage headers.
 *
 * Demo world: user 10150000000000001 "Sim Demo", admin of Pages
 * 20150000000000001 "Sim Coffee Roasters" (Instagram 17841400000000001) and
 * 20150000000000002 "Sim Bike Shop".  SIM_FACEBOOK_REDIRECT_URIS (comma list)
 * restricts redirect URIs like the app's "Valid OAuth Redirect URIs".
 *
 * Choices where the contracts are silent or unconfirmed:
 * - Every Graph error is HTTP 400 (403 for permission codes 10 and 200);
 *   190 errors carry WWW-Authenticate.  Codes: wrong code redirect_uri
 *   100/36008, used 100/36009, expired 100/36007; bad secret 1, bad app 101.
 * - Short-lived user tokens last 5400 s.  A Page token from a long-lived user
 *   token never expires, one from a short-lived token expires with it; a Page
 *   token dies with the user token it came from (revocation).  DELETE
 *   /me/permissions removes the app: every token of the user then answers
 *   190/458; admin revocation answers 190/460.
 * - Without pages_show_list /me/accounts is empty; instagram_business_account
 *   shows only with instagram_basic.  Reading a Page's posts, posts and
 *   insights needs that Page's token (a user token gets code 10).
 * - Photo URL that cannot be fetched: 324/2069019 "Missing or invalid image
 *   file" (seen in public client code); not JPG/PNG or over 4 MB: 324/1366046.
 *   Video URL that cannot be fetched: 389; not MP4/MOV: 352.
 * - A video post is recorded when created (unless processing is set to fail);
 *   GET /{video}?fields=status is "processing" for the set number of polls.
 *   A video's permalink_url is relative ("/{page}/videos/{id}/", "/reel/{id}/").
 * - Duplicate: the same message (and link) as the Page's latest feed post
 *   within 24 h is 506/1455006.
 * - post_impressions*, post_engaged_users and page_impressions* are refused
 *   from 2026-06-15 on the simulated clock (Postiz's comments).  Metrics are a
 *   deterministic function of the id and the time since publishing.
 * - The core's 429 becomes code 4 (app-level) with X-App-Usage at 100; other
 *   usage headers report the /_sim/ratelimit budget, or calls in the last
 *   hour against an assumed 4800.
 */
#define _GNU_SOURCE
#include "meta.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- the demo world ---- */

typedef struct fb_page {
    const char *id, *name, *username, *category, *category_id, *ig;
    int fans;
} fb_page;

static const fb_page pages[] = {
    {META_PAGE1_ID, "Sim Coffee Roasters", "simcoffee", "Coffee Shop", "128673187201735",
     META_IG_ID, 1840},
    {META_PAGE2_ID, "Sim Bike Shop", "simbikes", "Bicycle Shop", "109527622457518", NULL, 620},
};
#define NPAGES (sizeof pages / sizeof pages[0])

static const fb_page *page_of(const char *id)
{
    for (size_t i = 0; i < NPAGES; i++)
        if (strcmp(pages[i].id, id) == 0)
            return &pages[i];
    return NULL;
}

/* The page an object belongs to (objects only ever hold demo page ids). */
static const fb_page *owner_page(json_t *o, const char *key)
{
    const char *id = json_string_value(json_object_get(o, key));
    const fb_page *p = id != NULL ? page_of(id) : NULL;
    return p != NULL ? p : &pages[0];
}

const char *meta_ig_of_page(const char *page_id)
{
    const fb_page *p = page_of(page_id);
    return p != NULL ? p->ig : NULL;
}

/* Permissions the dialog knows (anything else is "Invalid Scopes", as Facebook says). */
static const char *const fb_perms[] = {
    "public_profile",
    "email",
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_posts",
    "pages_manage_engagement",
    "pages_manage_metadata",
    "pages_read_user_content",
    "pages_messaging",
    "business_management",
    "read_insights",
    "publish_video",
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "instagram_manage_messages",
    "ads_management",
    "ads_read",
    NULL,
};

/* ---- small helpers ---- */

void meta_app(const char *platform, char *id, size_t idlen, char *secret, size_t secretlen)
{
    int ig = strcmp(platform, "instagram") == 0;
    const char *i = getenv(ig ? "SIM_INSTAGRAM_CLIENT_ID" : "SIM_FACEBOOK_CLIENT_ID");
    const char *sec = getenv(ig ? "SIM_INSTAGRAM_CLIENT_SECRET" : "SIM_FACEBOOK_CLIENT_SECRET");
    snprintf(id, idlen, "%s",
             i != NULL && *i ? i : (ig ? "p2s-sim-instagram" : "p2s-sim-facebook"));
    snprintf(secret, secretlen, "%s",
             sec != NULL && *sec ? sec
                                 : (ig ? "p2s-sim-instagram-secret" : "p2s-sim-facebook-secret"));
}

int meta_redirect_allowed(const char *platform, const char *uri)
{
    if (uri == NULL || (strncmp(uri, "http://", 7) != 0 && strncmp(uri, "https://", 8) != 0))
        return 0;
    if (strchr(uri, '#') != NULL)
        return 0;
    const char *list = getenv(strcmp(platform, "instagram") == 0 ? "SIM_INSTAGRAM_REDIRECT_URIS"
                                                                 : "SIM_FACEBOOK_REDIRECT_URIS");
    if (list == NULL || *list == '\0')
        return 1;
    size_t ul = strlen(uri);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ", ");
        if (n == ul && strncmp(p, uri, n) == 0)
            return 1;
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

/* A growing string. */
typedef struct sbuf {
    char *b;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *s, const char *text, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        while (nc < s->len + n + 1)
            nc *= 2;
        char *nb = realloc(s->b, nc);
        if (nb == NULL)
            return;
        s->b = nb;
        s->cap = nc;
    }
    memcpy(s->b + s->len, text, n);
    s->len += n;
    s->b[s->len] = '\0';
}

static void sb_str(sbuf *s, const char *text)
{
    sb_add(s, text, strlen(text));
}

static void sb_enc(sbuf *s, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            sb_add(s, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            sb_add(s, e, 3);
        }
    }
}

char *meta_build_url(const char *base, const char *const *kv, const char *fragment)
{
    sbuf s = {0};
    sb_str(&s, base);
    int first = strchr(base, '?') == NULL;
    for (int i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        if (kv[i + 1] == NULL)
            continue;
        sb_str(&s, first ? "?" : "&");
        first = 0;
        sb_enc(&s, kv[i]);
        sb_str(&s, "=");
        sb_enc(&s, kv[i + 1]);
    }
    if (fragment != NULL)
        sb_str(&s, fragment);
    if (s.b == NULL)
        s.b = strdup("");
    return s.b;
}

void meta_time(char *out, size_t len, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%S+0000", &tm);
}

/* Pacific time as Graph words expiry messages ("Tuesday, 05-Mar-24 10:00:00 PST"). */
static void pacific_time(char *out, size_t len, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm u;
    gmtime_r(&t, &u);
    /* US daylight time: second Sunday of March 10:00 UTC to first Sunday of November 09:00 UTC. */
    int year = u.tm_year + 1900;
    struct tm m = {.tm_year = year - 1900, .tm_mon = 2, .tm_mday = 1, .tm_hour = 10};
    time_t mar1 = timegm(&m);
    struct tm w;
    gmtime_r(&mar1, &w);
    time_t dst_start = mar1 + (time_t)(((7 - w.tm_wday) % 7) + 7) * 86400;
    struct tm n = {.tm_year = year - 1900, .tm_mon = 10, .tm_mday = 1, .tm_hour = 9};
    time_t nov1 = timegm(&n);
    gmtime_r(&nov1, &w);
    time_t dst_end = nov1 + (time_t)((7 - w.tm_wday) % 7) * 86400;
    int dst = t >= dst_start && t < dst_end;
    time_t local = t - (dst ? 7 : 8) * 3600;
    struct tm l;
    gmtime_r(&local, &l);
    char day[32], clock[16];
    strftime(day, sizeof day, "%A, %d-%b-", &l);
    strftime(clock, sizeof clock, "%H:%M:%S", &l);
    snprintf(out, len, "%.31s%02d %.15s %s", day, l.tm_year % 100, clock, dst ? "PDT" : "PST");
}

static uint32_t fnv(const char *a, const char *b)
{
    uint32_t h = 2166136261u;
    for (const char *p = a; p != NULL && *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ '|') * 16777619u;
    for (const char *p = b; p != NULL && *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h;
}

json_int_t meta_grow(const char *id, const char *name, int64_t at_ms, int64_t now_ms, int per_hour)
{
    int64_t minutes = (now_ms - at_ms) / 60000;
    if (minutes < 0)
        minutes = 0;
    if (minutes > 30 * 24 * 60)
        minutes = 30 * 24 * 60;
    int factor = 80 + (int)(fnv(id, name) % 41);
    return (json_int_t)(minutes * per_hour * factor / (60 * 100));
}

json_t *meta_objects(sim *s)
{
    json_t *st = sim_state(s);
    json_t *m = json_object_get(st, "meta");
    if (m == NULL) {
        m = json_object();
        json_object_set_new(st, "meta", m);
    }
    json_t *o = json_object_get(m, "objects");
    if (o == NULL) {
        o = json_object();
        json_object_set_new(m, "objects", o);
    }
    return o;
}

static int truthy(const char *v, int dflt)
{
    if (v == NULL || *v == '\0')
        return dflt;
    return !(strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcasecmp(v, "FALSE") == 0);
}

/* ---- the error envelope ---- */

void meta_error(sim_resp *out, int status, const char *type, int code, int subcode,
                const char *message, const char *title, const char *umsg)
{
    char trace[16];
    unsigned char raw[8];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(trace, sizeof trace, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    json_t *e = json_pack("{s:s, s:s, s:i}", "message", message, "type", type, "code", code);
    if (subcode != 0)
        json_object_set_new(e, "error_subcode", json_integer(subcode));
    int transient = code == 1 || code == 2 || code == 4 || code == 17 || code == 32 ||
                    code == 341 || code == 613 || code == 80001 || code == -2 || code == -1;
    if (transient)
        json_object_set_new(e, "is_transient", json_true());
    else if (subcode != 0 && code != 190)
        json_object_set_new(e, "is_transient", json_false());
    if (title != NULL)
        json_object_set_new(e, "error_user_title", json_string(title));
    if (umsg != NULL)
        json_object_set_new(e, "error_user_msg", json_string(umsg));
    json_object_set_new(e, "fbtrace_id", json_string(trace));
    sim_reply_json(out, status, json_pack("{s:o}", "error", e));
    if (code == 190 || code == 102 || code == 104) {
        char v[1024];
        snprintf(v, sizeof v, "OAuth \"Facebook Platform\" \"invalid_token\" \"%s\"", message);
        sim_add_header(out, "WWW-Authenticate", v);
    }
}

static const char *method_type(const meta_ctx *g)
{
    return g->ig_host ? "IGApiException" : "GraphMethodException";
}

void meta_unsupported(meta_ctx *g, const char *id)
{
    char msg[512];
    const char *m = g->r->method;
    snprintf(msg, sizeof msg,
             "Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to "
             "missing permissions, or does not support this operation. Please read the Graph API "
             "documentation at https://developers.facebook.com/docs/graph-api",
             strcmp(m, "POST") == 0 ? "post" : (strcmp(m, "DELETE") == 0 ? "delete" : "get"), id);
    meta_error(g->out, 400, method_type(g), 100, 33, msg, NULL, NULL);
}

void meta_bad_param(meta_ctx *g, int code, const char *message)
{
    meta_error(g->out, 400, "OAuthException", code, 0, message, NULL, NULL);
}

static void unknown_path(meta_ctx *g, const char *rest)
{
    char msg[600];
    snprintf(msg, sizeof msg, "Unknown path components: /%s", rest);
    meta_error(g->out, 400, "OAuthException", 2500, 0, msg, NULL, NULL);
}

static void no_permission(meta_ctx *g, int code, const char *message)
{
    meta_error(g->out, 403, "OAuthException", code, 0, message, NULL, NULL);
}

/* ---- arguments ---- */

const char *meta_arg(meta_ctx *g, const char *name)
{
    json_t *j = sim_json(g->r);
    json_t *v = json_is_object(j) ? json_object_get(j, name) : NULL;
    if (v != NULL && !json_is_null(v)) {
        if (json_is_string(v))
            return json_string_value(v);
        char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (text == NULL)
            return NULL;
        json_object_set_new(g->cache, name, json_string(text));
        free(text);
        return json_string_value(json_object_get(g->cache, name));
    }
    const char *f = sim_form(g->r, name);
    if (f != NULL)
        return f;
    return sim_query(g->r, name);
}

/* ---- OAuth codes (state["codes"]) ---- */

void meta_code_issue(sim *s, const char *platform, const char *client_id, const char *redirect_uri,
                     json_t *scopes, json_t *declined, const char *subject, char *out,
                     size_t outlen)
{
    sim_random("AQ", out, outlen);
    json_t *codes = json_object_get(sim_state(s), "codes");
    json_object_set_new(codes, out,
                        json_pack("{s:s, s:s, s:s, s:O, s:O, s:s, s:I, s:b}", "platform", platform,
                                  "client_id", client_id, "redirect_uri", redirect_uri, "scopes",
                                  scopes, "declined", declined, "subject", subject, "expires_at",
                                  (json_int_t)(sim_now(s) + META_CODE_TTL_MS), "used", 0));
}

int meta_code_take(sim *s, const char *platform, const char *code, const char *client_id,
                   const char *redirect_uri, json_t **rec)
{
    *rec = NULL;
    json_t *c = code != NULL ? json_object_get(json_object_get(sim_state(s), "codes"), code) : NULL;
    if (c == NULL || strcmp(json_string_value(json_object_get(c, "platform")), platform) != 0 ||
        strcmp(json_string_value(json_object_get(c, "client_id")), client_id) != 0)
        return META_CODE_UNKNOWN;
    if (json_is_true(json_object_get(c, "used")))
        return META_CODE_USED;
    if (json_integer_value(json_object_get(c, "expires_at")) <= sim_now(s))
        return META_CODE_EXPIRED;
    if (redirect_uri == NULL ||
        strcmp(json_string_value(json_object_get(c, "redirect_uri")), redirect_uri) != 0)
        return META_CODE_REDIRECT;
    json_object_set_new(c, "used", json_true());
    *rec = c;
    return META_CODE_OK;
}

/* Split "a,b c" into a JSON array of unique names. */
json_t *meta_scope_list(const char *text)
{
    json_t *a = json_array();
    for (const char *p = text != NULL ? text : ""; *p;) {
        size_t n = strcspn(p, ", ");
        if (n > 0 && n < 100) {
            char name[100];
            memcpy(name, p, n);
            name[n] = '\0';
            int dup = 0;
            size_t i;
            json_t *v;
            json_array_foreach(a, i, v)
            {
                dup |= strcmp(json_string_value(v), name) == 0;
            }
            if (!dup)
                json_array_append_new(a, json_string(name));
        }
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return a;
}

char *meta_scope_join(json_t *list)
{
    sbuf s = {0};
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (i > 0)
            sb_str(&s, ",");
        sb_str(&s, json_string_value(v));
    }
    if (s.b == NULL)
        s.b = strdup("");
    return s.b;
}

static int in_list(json_t *list, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(v), name) == 0)
            return 1;
    }
    return 0;
}

int meta_has_scope(const meta_ctx *g, const char *perm)
{
    return in_list(g->scopes, perm);
}

/* ---- tokens ---- */

json_t *meta_issue(sim *s, const char *platform, const char *kind, const char *subject,
                   int64_t ttl_ms, const char *client_id, const char *family, const char *user,
                   json_t *scopes, int long_lived)
{
    json_t *f = json_pack("{s:s, s:s, s:s, s:O, s:b}", "client_id", client_id, "family", family,
                          "user", user, "scopes", scopes, "long", long_lived);
    json_t *rec = sim_token_issue(s, platform, kind, subject, ttl_ms, f);
    json_decref(f);
    return rec;
}

/* The token text a request carries: access_token anywhere, or Authorization: Bearer/OAuth. */
static const char *request_token(meta_ctx *g)
{
    const char *t = meta_arg(g, "access_token");
    if (t != NULL && *t)
        return t;
    const char *a = sim_header(g->r, "Authorization");
    if (a != NULL && strncasecmp(a, "Bearer ", 7) == 0)
        return a + 7;
    if (a != NULL && strncasecmp(a, "OAuth ", 6) == 0)
        return a + 6;
    return NULL;
}

/* Answer a token that does not pass, in Graph's words. */
void meta_token_error(sim *s, sim_resp *out, sim_tok st, json_t *rec)
{
    char msg[512];
    if (st == TOK_EXPIRED) {
        char when[96], now[96];
        pacific_time(when, sizeof when, json_integer_value(json_object_get(rec, "expires_at")));
        pacific_time(now, sizeof now, sim_now(s));
        snprintf(msg, sizeof msg,
                 "Error validating access token: Session has expired on %s. The current time is "
                 "%s.",
                 when, now);
        meta_error(out, 400, "OAuthException", 190, 463, msg, NULL, NULL);
    } else if (st == TOK_REVOKED) {
        int sub = (int)json_integer_value(json_object_get(rec, "revoke_subcode"));
        if (sub == 458) {
            char id[128], secret[128];
            meta_app(json_string_value(json_object_get(rec, "platform")), id, sizeof id, secret,
                     sizeof secret);
            snprintf(msg, sizeof msg,
                     "Error validating access token: The user has not authorized application %s.",
                     id);
        } else {
            sub = 460;
            snprintf(msg, sizeof msg,
                     "Error validating access token: The session has been invalidated because the "
                     "user changed their password or Facebook has changed the session for "
                     "security reasons.");
        }
        meta_error(out, 400, "OAuthException", 190, sub, msg, NULL, NULL);
    } else {
        meta_error(out, 400, "OAuthException", 190, 0,
                   "Invalid OAuth access token - Cannot parse access token", NULL, NULL);
    }
}

/* Check a token, following a page token to the user token it came from. */
sim_tok meta_check(sim *s, const char *platform, const char *token, json_t **rec)
{
    sim_tok st = sim_token_check(s, platform, token, rec);
    if (st != TOK_OK)
        return st;
    const char *parent = json_string_value(json_object_get(*rec, "parent"));
    if (parent != NULL) {
        json_t *prec = NULL;
        if (sim_token_check(s, platform, parent, &prec) == TOK_REVOKED) {
            json_t *sub = json_object_get(prec, "revoke_subcode");
            if (sub != NULL)
                json_object_set(*rec, "revoke_subcode", sub);
            return TOK_REVOKED;
        }
    }
    return TOK_OK;
}

int meta_auth(meta_ctx *g)
{
    const char *t = request_token(g);
    if (t == NULL) {
        if (strcmp(g->path, "/me") == 0 || strncmp(g->path, "/me/", 4) == 0)
            meta_error(g->out, 400, "OAuthException", 2500, 0,
                       "An active access token must be used to query information about the "
                       "current user.",
                       NULL, NULL);
        else
            meta_error(g->out, 400, "OAuthException", 104, 0,
                       "An access token is required to request this resource.", NULL, NULL);
        return -1;
    }
    json_t *rec = NULL;
    sim_tok st = meta_check(g->s, g->tplatform, t, &rec);
    if (st != TOK_OK) {
        meta_token_error(g->s, g->out, st, rec);
        return -1;
    }
    snprintf(g->token, sizeof g->token, "%s", t);
    snprintf(g->tkind, sizeof g->tkind, "%s", json_string_value(json_object_get(rec, "kind")));
    snprintf(g->subject, sizeof g->subject, "%s",
             json_string_value(json_object_get(rec, "subject")));
    const char *fam = json_string_value(json_object_get(rec, "family"));
    snprintf(g->family, sizeof g->family, "%s", fam != NULL ? fam : "");
    json_decref(g->scopes);
    g->scopes = json_deep_copy(json_object_get(rec, "scopes"));
    if (!json_is_array(g->scopes)) {
        json_decref(g->scopes);
        g->scopes = json_array();
    }
    return 0;
}

/* ---- fields ---- */

typedef struct fsel {
    char name[64];
    char mods[160];
    char sub[640];
} fsel;

#define MAX_FIELDS 48

/* Parse "a,b.x(y),c{d,e}" at top level; count, or -1 (syntax) with *at the place. */
static int parse_fields(const char *s, fsel *out, int max, int *at)
{
    int n = 0;
    const char *p = s;
    while (*p) {
        while (*p == ' ')
            p++;
        if (n >= max) {
            *at = (int)(p - s);
            return -1;
        }
        fsel *f = &out[n];
        memset(f, 0, sizeof *f);
        size_t k = 0;
        while (isalnum((unsigned char)*p) || *p == '_') {
            if (k + 1 < sizeof f->name)
                f->name[k++] = *p;
            p++;
        }
        if (k == 0) {
            *at = (int)(p - s);
            return -1;
        }
        size_t m = 0;
        while (*p == '.') {
            const char *start = p;
            p++;
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            if (*p != '(') {
                *at = (int)(p - s);
                return -1;
            }
            p = strchr(p, ')');
            if (p == NULL) {
                *at = (int)strlen(s);
                return -1;
            }
            p++;
            size_t l = (size_t)(p - start);
            if (m + l + 1 < sizeof f->mods) {
                memcpy(f->mods + m, start, l);
                m += l;
            }
        }
        if (*p == '{') {
            int depth = 1;
            const char *start = ++p;
            while (*p && depth > 0) {
                if (*p == '{')
                    depth++;
                else if (*p == '}')
                    depth--;
                p++;
            }
            if (depth != 0) {
                *at = (int)strlen(s);
                return -1;
            }
            size_t l = (size_t)(p - 1 - start);
            if (l >= sizeof f->sub)
                l = sizeof f->sub - 1;
            memcpy(f->sub, start, l);
        }
        while (*p == ' ')
            p++;
        n++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p != '\0') {
            *at = (int)(p - s);
            return -1;
        }
    }
    return n;
}

json_t *meta_select(meta_ctx *g, json_t *full, const char *fields, const char *node_type)
{
    fsel *sel = calloc(MAX_FIELDS, sizeof *sel);
    if (sel == NULL)
        return NULL;
    int at = 0;
    int n = parse_fields(fields, sel, MAX_FIELDS, &at);
    if (n < 0) {
        char msg[900];
        snprintf(msg, sizeof msg, "Syntax error \"Expected end of string\" at character %d: %.700s",
                 at, fields);
        meta_error(g->out, 400, "OAuthException", 2500, 0, msg, NULL, NULL);
        free(sel);
        return NULL;
    }
    json_t *res = json_object();
    int has_id = 0;
    for (int i = 0; i < n; i++) {
        json_t *v = json_object_get(full, sel[i].name);
        if (v == NULL) {
            char msg[300];
            snprintf(msg, sizeof msg,
                     "(#100) Tried accessing nonexisting field (%s) on node type (%s)", sel[i].name,
                     node_type);
            meta_error(g->out, 400, "OAuthException", 100, 0, msg, NULL, NULL);
            json_decref(res);
            free(sel);
            return NULL;
        }
        if (strcmp(sel[i].name, "id") == 0)
            has_id = 1;
        if (json_is_null(v))
            continue;
        json_t *val = NULL;
        if (sel[i].sub[0] != '\0' && json_is_object(v)) {
            json_t *data = json_object_get(v, "data");
            if (json_is_array(data)) {
                json_t *copy = json_deep_copy(v);
                json_t *arr = json_array();
                size_t k;
                json_t *item;
                json_array_foreach(data, k, item)
                {
                    json_t *one = meta_select(g, item, sel[i].sub, sel[i].name);
                    if (one == NULL) {
                        json_decref(arr);
                        json_decref(copy);
                        json_decref(res);
                        free(sel);
                        return NULL;
                    }
                    json_array_append_new(arr, one);
                }
                json_object_set_new(copy, "data", arr);
                val = copy;
            } else {
                val = meta_select(g, v, sel[i].sub, sel[i].name);
                if (val == NULL) {
                    json_decref(res);
                    free(sel);
                    return NULL;
                }
            }
        } else {
            val = json_deep_copy(v);
        }
        json_object_set_new(res, sel[i].name, val);
    }
    json_t *id = json_object_get(full, "id");
    if (!has_id && json_is_string(id))
        json_object_set_new(res, "id", json_deep_copy(id));
    free(sel);
    return res;
}

static char *join_defaults(const char *const *defaults)
{
    sbuf s = {0};
    for (int i = 0; defaults != NULL && defaults[i] != NULL; i++) {
        if (i > 0)
            sb_str(&s, ",");
        sb_str(&s, defaults[i]);
    }
    if (s.b == NULL)
        s.b = strdup("id");
    return s.b;
}

void meta_reply_node(meta_ctx *g, json_t *full, const char *node_type, const char *const *defaults)
{
    const char *fields = meta_arg(g, "fields");
    char *dflt = NULL;
    if (fields == NULL || *fields == '\0')
        fields = dflt = join_defaults(defaults);
    json_t *res = meta_select(g, full, fields, node_type);
    if (res != NULL)
        sim_reply_json(g->out, 200, res);
    free(dflt);
    json_decref(full);
}

static void cursor_of(long idx, char *out, size_t len)
{
    char raw[32];
    snprintf(raw, sizeof raw, "idx:%ld", idx);
    sodium_bin2base64(out, len, (const unsigned char *)raw, strlen(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static long cursor_index(const char *c)
{
    unsigned char raw[32];
    size_t n = 0;
    if (c == NULL || sodium_base642bin(raw, sizeof raw - 1, c, strlen(c), NULL, &n, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return -1;
    raw[n] = '\0';
    if (strncmp((char *)raw, "idx:", 4) != 0)
        return -1;
    return strtol((char *)raw + 4, NULL, 10);
}

void meta_reply_list(meta_ctx *g, json_t *items, const char *node_type, const char *const *defaults)
{
    const char *fields = meta_arg(g, "fields");
    char *dflt = NULL;
    const char *use = fields;
    if (use == NULL || *use == '\0')
        use = dflt = join_defaults(defaults);
    long limit = 25;
    const char *ls = meta_arg(g, "limit");
    if (ls != NULL && *ls) {
        limit = strtol(ls, NULL, 10);
        if (limit <= 0)
            limit = 25;
        if (limit > 100)
            limit = 100;
    }
    long start = 0;
    const char *after = meta_arg(g, "after");
    if (after != NULL && *after) {
        long idx = cursor_index(after);
        if (idx < 0) {
            meta_bad_param(g, 100, "(#100) The after parameter is not a valid cursor");
            json_decref(items);
            free(dflt);
            return;
        }
        start = idx + 1;
    }
    long total = (long)json_array_size(items);
    long end = start + limit < total ? start + limit : total;
    json_t *data = json_array();
    for (long i = start; i < end; i++) {
        json_t *one = meta_select(g, json_array_get(items, (size_t)i), use, node_type);
        if (one == NULL) {
            json_decref(data);
            json_decref(items);
            free(dflt);
            return;
        }
        json_array_append_new(data, one);
    }
    json_t *body = json_pack("{s:o}", "data", data);
    if (end > start) {
        char before[64], aft[64];
        cursor_of(start - 1, before, sizeof before);
        cursor_of(end - 1, aft, sizeof aft);
        json_t *paging = json_pack("{s:{s:s, s:s}}", "cursors", "before", before, "after", aft);
        if (end < total) {
            char base[1400], lim[24];
            snprintf(base, sizeof base, "%s%s%s", g->r->base_url, g->r->prefix,
                     strncmp(g->r->path, "/", 1) == 0 ? g->r->path : "/");
            snprintf(lim, sizeof lim, "%ld", limit);
            const char *kv[] = {"access_token", g->token, "fields", fields, "limit", lim,
                                "after",        aft,      NULL};
            char *next = meta_build_url(base, kv, NULL);
            json_object_set_new(paging, "next", json_string(next));
            free(next);
        }
        json_object_set_new(body, "paging", paging);
    }
    sim_reply_json(g->out, 200, body);
    json_decref(items);
    free(dflt);
}

/* ---- media ---- */

int meta_fetch(sim *s, const char *url, char *id, size_t idlen, char *why, size_t whylen)
{
    return sim_fetch_media(s, url, id, idlen, why, whylen);
}

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

int meta_sniff(sim *s, const char *media_id, meta_media *m)
{
    memset(m, 0, sizeof *m);
    char path[1200] = "";
    sim_lock(s);
    json_t *rec = json_object_get(json_object_get(sim_state(s), "media"), media_id);
    if (rec != NULL) {
        snprintf(path, sizeof path, "%s", json_string_value(json_object_get(rec, "path")));
        m->size = (size_t)json_integer_value(json_object_get(rec, "size"));
    }
    sim_unlock(s);
    if (path[0] == '\0')
        return -1;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t cap = 512 * 1024;
    unsigned char *b = malloc(cap);
    size_t n = b != NULL ? fread(b, 1, cap, f) : 0;
    fclose(f);
    if (b == NULL)
        return -1;
    if (n >= 24 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) {
        snprintf(m->kind, sizeof m->kind, "png");
        m->is_image = 1;
        m->width =
            (int)((unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19]);
        m->height =
            (int)((unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23]);
    } else if (n >= 4 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) {
        snprintf(m->kind, sizeof m->kind, "jpeg");
        m->is_image = 1;
        size_t i = 2;
        while (i + 9 < n) {
            if (b[i] != 0xFF) {
                i++;
                continue;
            }
            unsigned char mk = b[i + 1];
            if (mk == 0xFF) {
                i++;
                continue;
            }
            if (mk >= 0xC0 && mk <= 0xCF && mk != 0xC4 && mk != 0xC8 && mk != 0xCC) {
                m->height = (int)be16(b + i + 5);
                m->width = (int)be16(b + i + 7);
                break;
            }
            if (mk == 0xD8 || (mk >= 0xD0 && mk <= 0xD7) || mk == 0x01) {
                i += 2;
                continue;
            }
            i += 2 + be16(b + i + 2);
        }
    } else if (n >= 10 && memcmp(b, "GIF8", 4) == 0) {
        snprintf(m->kind, sizeof m->kind, "gif");
        m->is_image = 1;
        m->width = b[6] | b[7] << 8;
        m->height = b[8] | b[9] << 8;
    } else if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0) {
        snprintf(m->kind, sizeof m->kind, "webp");
        m->is_image = 1;
    } else if (n >= 12 && memcmp(b + 4, "ftyp", 4) == 0) {
        snprintf(m->kind, sizeof m->kind, memcmp(b + 8, "qt  ", 4) == 0 ? "mov" : "mp4");
        m->is_video = 1;
    } else if (n >= 8 && (memcmp(b + 4, "moov", 4) == 0 || memcmp(b + 4, "mdat", 4) == 0 ||
                          memcmp(b + 4, "wide", 4) == 0 || memcmp(b + 4, "free", 4) == 0)) {
        snprintf(m->kind, sizeof m->kind, "mov");
        m->is_video = 1;
    }
    free(b);
    return 0;
}

void meta_picture_url(meta_ctx *g, const char *id, char *out, size_t len)
{
    snprintf(out, len, "%s%s/sim-cdn/%s.png", g->r->base_url,
             g->ig_host ? "/instagram/graph" : "/facebook/graph", id);
}

static json_t *picture_node(meta_ctx *g, const char *id)
{
    char url[600];
    meta_picture_url(g, id, url, sizeof url);
    return json_pack("{s:{s:i, s:b, s:s, s:i}}", "data", "height", 200, "is_silhouette", 0, "url",
                     url, "width", 200);
}

/* The tiny profile picture: a square in a colour of the id. */
static void serve_picture(sim_resp *out, const char *id)
{
    uint32_t h = fnv(id, "picture");
    enum { W = 32 };
    unsigned char rgb[W * W * 3];
    for (int y = 0; y < W; y++)
        for (int x = 0; x < W; x++) {
            unsigned char *p = rgb + (y * W + x) * 3;
            int ring = x < 4 || y < 4 || x >= W - 4 || y >= W - 4;
            p[0] = ring ? 255 : (unsigned char)(h >> 16);
            p[1] = ring ? 255 : (unsigned char)(h >> 8);
            p[2] = ring ? 255 : (unsigned char)h;
        }
    unsigned char *png = NULL;
    size_t len = 0;
    if (sim_png(rgb, W, W, &png, &len) != 0) {
        sim_reply_empty(out, 500);
        return;
    }
    sim_reply_bytes(out, 200, "image/png", png, len);
    sim_add_header(out, "Cache-Control", "max-age=86400");
    free(png);
}

/* ---- usage headers ---- */

static void usage_headers(meta_ctx *g, const char *buc_id)
{
    json_t *st = sim_state(g->s);
    json_t *rl = json_object_get(json_object_get(st, "ratelimits"), g->r->platform);
    int pct = 0;
    json_int_t lim = json_integer_value(json_object_get(rl, "limit"));
    if (lim > 0) {
        pct = (int)(json_integer_value(json_object_get(rl, "count")) * 100 / lim);
    } else {
        /* Calls in the last hour against an assumed 4800 an hour. */
        int64_t since = g->r->now_ms - 3600 * 1000;
        json_t *log = json_object_get(st, "requests");
        int calls = 1;
        for (size_t i = json_array_size(log); i-- > 0;) {
            json_t *e = json_array_get(log, i);
            if (json_integer_value(json_object_get(e, "at")) < since)
                break;
            calls += strcmp(json_string_value(json_object_get(e, "platform")), g->r->platform) == 0;
        }
        pct = calls * 100 / 4800;
    }
    if (pct > 100)
        pct = 100;
    char v[512];
    snprintf(v, sizeof v, "{\"call_count\":%d,\"total_cputime\":%d,\"total_time\":%d}", pct,
             pct / 2, pct / 2);
    sim_add_header(g->out, "X-App-Usage", v);
    if (buc_id != NULL) {
        snprintf(v, sizeof v,
                 "{\"%s\":[{\"type\":\"%s\",\"call_count\":%d,\"total_cputime\":%d,"
                 "\"total_time\":%d,\"estimated_time_to_regain_access\":0}]}",
                 buc_id, g->ig_host ? "instagram" : "pages", pct, pct / 2, pct / 2);
        sim_add_header(g->out, "X-Business-Use-Case-Usage", v);
    }
    sim_add_header(g->out, "facebook-api-version", g->version[0] ? g->version : "v20.0");
}

/* ---- the OAuth dialog (www.facebook.com) ---- */

static void html_error(sim_resp *out, const char *title, const char *text)
{
    char page[2048];
    snprintf(page, sizeof page,
             "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title>"
             "</head><body><h1>%s</h1><p>%s</p></body></html>",
             title, title, text);
    sim_reply_text(out, 400, "text/html; charset=utf-8", page);
}

static int version_prefix(const char *path, char *ver, size_t verlen)
{
    if (path[0] != '/' || path[1] != 'v' || !isdigit((unsigned char)path[2]))
        return 0;
    const char *p = path + 2;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p != '.' || !isdigit((unsigned char)p[1]))
        return 0;
    p++;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p != '/' && *p != '\0')
        return 0;
    snprintf(ver, verlen, "%.*s", (int)(p - path - 1), path + 1);
    return (int)(p - path);
}

static int dialog(sim *s, sim_req *r, sim_resp *out)
{
    char ver[16] = "";
    int skip = version_prefix(r->path, ver, sizeof ver);
    const char *p = r->path + skip;
    if (strcmp(r->method, "GET") != 0 ||
        (strcmp(p, "/dialog/oauth") != 0 && strcmp(p, "/dialog/oauth/") != 0))
        return -1;
    char app_id[128], secret[128];
    meta_app("facebook", app_id, sizeof app_id, secret, sizeof secret);
    const char *client_id = sim_query(r, "client_id");
    const char *redirect = sim_query(r, "redirect_uri");
    const char *state = sim_query(r, "state");
    const char *scope = sim_query(r, "scope");
    const char *rtype = sim_query(r, "response_type");
    if (client_id == NULL || strcmp(client_id, app_id) != 0) {
        html_error(out, "Invalid App ID", "The provided app ID does not look like a valid app ID.");
        return 0;
    }
    if (!meta_redirect_allowed("facebook", redirect)) {
        html_error(out, "URL blocked",
                   "This redirect failed because the redirect URI is not white-listed in the "
                   "app's client OAuth settings. Make sure that the client and web OAuth logins "
                   "are on and add all your app domains as valid OAuth redirect URIs.");
        return 0;
    }
    if (rtype != NULL && strcmp(rtype, "code") != 0) {
        html_error(out, "Unsupported response_type",
                   "The simulator answers response_type=code only.");
        return 0;
    }
    json_t *asked = meta_scope_list(scope);
    sbuf bad = {0};
    size_t i;
    json_t *v;
    json_array_foreach(asked, i, v)
    {
        int known = 0;
        for (int k = 0; fb_perms[k] != NULL; k++)
            known |= strcmp(fb_perms[k], json_string_value(v)) == 0;
        if (!known) {
            if (bad.len)
                sb_str(&bad, ", ");
            sb_str(&bad, json_string_value(v));
        }
    }
    if (bad.len) {
        char msg[1200];
        snprintf(msg, sizeof msg,
                 "Invalid Scopes: %.900s. This message is only shown to developers. Users of your "
                 "app will ignore these permissions if present. Please read the documentation for "
                 "valid permissions at: https://developers.facebook.com/docs/facebook-login/"
                 "permissions",
                 bad.b);
        html_error(out, "Invalid Scopes", msg);
        free(bad.b);
        json_decref(asked);
        return 0;
    }
    const char *approve = sim_query(r, "sim_approve");
    if (approve != NULL && strcmp(approve, "allow") == 0) {
        json_t *declined = meta_scope_list(sim_query(r, "sim_decline"));
        json_t *granted = json_array();
        json_array_foreach(asked, i, v)
        {
            if (!in_list(declined, json_string_value(v)))
                json_array_append(granted, v);
        }
        char code[96];
        sim_lock(s);
        meta_code_issue(s, "facebook", client_id, redirect, granted, declined, META_USER_ID, code,
                        sizeof code);
        sim_unlock(s);
        const char *kv[] = {"code", code, "state", state, NULL};
        char *loc = meta_build_url(redirect, kv, "#_=_");
        sim_consent(s, r, out, "Facebook", META_USER_NAME, scope != NULL ? scope : "", loc, loc);
        free(loc);
        json_decref(declined);
        json_decref(granted);
    } else if (approve != NULL && strcmp(approve, "deny") == 0) {
        const char *kv[] = {"error",
                            "access_denied",
                            "error_code",
                            "200",
                            "error_description",
                            "Permissions error",
                            "error_reason",
                            "user_denied",
                            "state",
                            state,
                            NULL};
        char *loc = meta_build_url(redirect, kv, "#_=_");
        sim_consent(s, r, out, "Facebook", META_USER_NAME, scope != NULL ? scope : "", loc, loc);
        free(loc);
    } else {
        char self[1400];
        snprintf(self, sizeof self, "%s%s%s", r->base_url, r->prefix, r->path);
        const char *kv[] = {
            "client_id", client_id,       "redirect_uri", redirect,      "state", state, "scope",
            scope,       "response_type", rtype,          "sim_approve", "allow", NULL};
        char *allow = meta_build_url(self, kv, NULL);
        kv[11] = "deny";
        char *deny = meta_build_url(self, kv, NULL);
        sim_consent(s, r, out, "Facebook", META_USER_NAME, scope != NULL ? scope : "", allow, deny);
        free(allow);
        free(deny);
    }
    json_decref(asked);
    return 0;
}

/* ---- graph.facebook.com: tokens ---- */

#define FB_SHORT_TTL_S 5400

static void token_reply(sim_resp *out, const char *token, long long expires_in)
{
    json_t *b = json_pack("{s:s, s:s}", "access_token", token, "token_type", "bearer");
    if (expires_in > 0)
        json_object_set_new(b, "expires_in", json_integer(expires_in));
    sim_reply_json(out, 200, b);
}

static void oauth_access_token(meta_ctx *g)
{
    char app_id[128], secret[128];
    meta_app("facebook", app_id, sizeof app_id, secret, sizeof secret);
    const char *client_id = meta_arg(g, "client_id");
    const char *client_secret = meta_arg(g, "client_secret");
    const char *grant = meta_arg(g, "grant_type");
    if (client_id == NULL || *client_id == '\0') {
        meta_bad_param(g, 101, "Missing client_id parameter.");
        return;
    }
    if (strcmp(client_id, app_id) != 0) {
        meta_bad_param(g, 101, "Error validating application. Invalid application ID.");
        return;
    }
    if (client_secret == NULL || *client_secret == '\0') {
        meta_bad_param(g, 1, "Missing client_secret parameter.");
        return;
    }
    if (strcmp(client_secret, secret) != 0) {
        meta_bad_param(g, 1, "Error validating client secret.");
        return;
    }
    if (grant != NULL && strcmp(grant, "client_credentials") == 0) {
        char app_token[300];
        snprintf(app_token, sizeof app_token, "%s|%s", app_id, secret);
        token_reply(g->out, app_token, 0);
        return;
    }
    if (grant != NULL && strcmp(grant, "fb_exchange_token") == 0) {
        const char *old = meta_arg(g, "fb_exchange_token");
        if (old == NULL || *old == '\0') {
            meta_bad_param(g, 100, "Missing fb_exchange_token parameter.");
            return;
        }
        json_t *rec = NULL;
        sim_tok st = meta_check(g->s, "facebook", old, &rec);
        if (st != TOK_OK) {
            meta_token_error(g->s, g->out, st, rec);
            return;
        }
        if (strcmp(json_string_value(json_object_get(rec, "kind")), "user") != 0 ||
            strcmp(json_string_value(json_object_get(rec, "client_id")), client_id) != 0) {
            meta_error(g->out, 400, "OAuthException", 190, 0,
                       "Invalid OAuth access token - Cannot parse access token", NULL, NULL);
            return;
        }
        char family[96], user[64];
        snprintf(family, sizeof family, "%s", json_string_value(json_object_get(rec, "family")));
        snprintf(user, sizeof user, "%s", json_string_value(json_object_get(rec, "subject")));
        json_t *scopes = json_deep_copy(json_object_get(rec, "scopes"));
        json_t *nrec = meta_issue(g->s, "facebook", "user", user, (int64_t)META_LONG_TTL_S * 1000,
                                  client_id, family, user, scopes, 1);
        json_decref(scopes);
        token_reply(g->out, json_string_value(json_object_get(nrec, "token")), META_LONG_TTL_S);
        return;
    }
    if (grant != NULL && *grant && strcmp(grant, "authorization_code") != 0) {
        meta_bad_param(g, 100, "Unsupported grant_type.");
        return;
    }
    const char *redirect = meta_arg(g, "redirect_uri");
    const char *code = meta_arg(g, "code");
    if (redirect == NULL || *redirect == '\0') {
        meta_bad_param(g, 191, "Missing redirect_uri parameter.");
        return;
    }
    if (code == NULL || *code == '\0') {
        meta_bad_param(g, 100, "Missing code parameter.");
        return;
    }
    json_t *c = NULL;
    int rc = meta_code_take(g->s, "facebook", code, client_id, redirect, &c);
    switch (rc) {
    case META_CODE_USED:
        meta_error(g->out, 400, "OAuthException", 100, 36009,
                   "This authorization code has been used.", NULL, NULL);
        return;
    case META_CODE_EXPIRED:
        meta_error(g->out, 400, "OAuthException", 100, 36007,
                   "This authorization code has expired.", NULL, NULL);
        return;
    case META_CODE_REDIRECT:
        meta_error(g->out, 400, "OAuthException", 100, 36008,
                   "Error validating verification code. Please make sure your redirect_uri is "
                   "identical to the one you used in the OAuth dialog request",
                   NULL, NULL);
        return;
    case META_CODE_UNKNOWN:
        meta_bad_param(g, 100, "Invalid verification code format.");
        return;
    default:
        break;
    }
    char family[96], user[64];
    snprintf(family, sizeof family, "fb-%s", code);
    snprintf(user, sizeof user, "%s", json_string_value(json_object_get(c, "subject")));
    json_t *nrec = meta_issue(g->s, "facebook", "user", user, (int64_t)FB_SHORT_TTL_S * 1000,
                              client_id, family, user, json_object_get(c, "scopes"), 0);
    json_object_set(nrec, "declined", json_object_get(c, "declined"));
    token_reply(g->out, json_string_value(json_object_get(nrec, "token")), FB_SHORT_TTL_S);
}

static void debug_token(meta_ctx *g)
{
    char app_id[128], secret[128], app_token[300];
    meta_app("facebook", app_id, sizeof app_id, secret, sizeof secret);
    snprintf(app_token, sizeof app_token, "%s|%s", app_id, secret);
    const char *t = request_token(g);
    if (t == NULL) {
        meta_error(g->out, 400, "OAuthException", 104, 0,
                   "An access token is required to request this resource.", NULL, NULL);
        return;
    }
    if (strcmp(t, app_token) != 0) {
        json_t *rec = NULL;
        sim_tok st = meta_check(g->s, "facebook", t, &rec);
        if (st != TOK_OK) {
            meta_token_error(g->s, g->out, st, rec);
            return;
        }
    }
    const char *input = meta_arg(g, "input_token");
    if (input == NULL || *input == '\0') {
        meta_bad_param(g, 100, "(#100) The parameter input_token is required");
        return;
    }
    json_t *rec = NULL;
    sim_tok st = meta_check(g->s, "facebook", input, &rec);
    json_t *data = json_pack(
        "{s:s, s:s, s:s}", "app_id", app_id, "type",
        rec != NULL && strcmp(json_string_value(json_object_get(rec, "kind")), "page") == 0
            ? "PAGE"
            : "USER",
        "application", "Post2Share (simulated)");
    if (rec == NULL) {
        json_object_set_new(data, "is_valid", json_false());
        json_object_set_new(
            data, "error",
            json_pack("{s:i, s:s}", "code", 190, "message", "Invalid OAuth access token."));
        json_object_set_new(data, "scopes", json_array());
    } else {
        json_int_t exp = json_integer_value(json_object_get(rec, "expires_at"));
        json_object_set_new(data, "data_access_expires_at",
                            json_integer((json_int_t)(sim_now(g->s) / 1000 + 90 * 86400)));
        json_object_set_new(data, "expires_at", json_integer(exp / 1000));
        json_object_set_new(data, "is_valid", json_boolean(st == TOK_OK));
        json_object_set_new(
            data, "issued_at",
            json_integer(json_integer_value(json_object_get(rec, "issued_at")) / 1000));
        json_object_set(data, "scopes", json_object_get(rec, "scopes"));
        json_object_set(data, "user_id", json_object_get(rec, "user"));
        if (strcmp(json_string_value(json_object_get(rec, "kind")), "page") == 0)
            json_object_set(data, "profile_id", json_object_get(rec, "subject"));
        if (st != TOK_OK)
            json_object_set_new(
                data, "error",
                json_pack("{s:i, s:i, s:s}", "code", 190, "subcode", st == TOK_EXPIRED ? 463 : 460,
                          "message",
                          st == TOK_EXPIRED ? "Session has expired." : "Session was invalidated."));
    }
    sim_reply_json(g->out, 200, json_pack("{s:o}", "data", data));
}

/* ---- graph.facebook.com: users and pages ---- */

static json_t *user_node(meta_ctx *g)
{
    json_t *n = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", META_USER_ID, "name",
                          META_USER_NAME, "first_name", "Sim", "last_name", "Demo", "short_name",
                          "Sim", "picture", picture_node(g, META_USER_ID));
    json_object_set_new(
        n, "email", meta_has_scope(g, "email") ? json_string("sim.demo@example.com") : json_null());
    return n;
}

/* A page token for the caller's login (one per family and page, reused). */
static const char *page_token_for(meta_ctx *g, const fb_page *p)
{
    json_t *tokens = json_object_get(sim_state(g->s), "tokens");
    const char *k;
    json_t *t;
    json_object_foreach(tokens, k, t)
    {
        const char *par = json_string_value(json_object_get(t, "parent"));
        if (strcmp(json_string_value(json_object_get(t, "kind")), "page") == 0 && par != NULL &&
            strcmp(par, g->token) == 0 &&
            strcmp(json_string_value(json_object_get(t, "subject")), p->id) == 0 &&
            !json_is_true(json_object_get(t, "revoked")))
            return k;
    }
    json_t *urec = json_object_get(tokens, g->token);
    int long_lived = json_is_true(json_object_get(urec, "long"));
    int64_t ttl = 0;
    if (!long_lived) {
        ttl = json_integer_value(json_object_get(urec, "expires_at")) - sim_now(g->s);
        if (ttl <= 0)
            ttl = 1;
    }
    json_t *rec = meta_issue(g->s, "facebook", "page", p->id, ttl,
                             json_string_value(json_object_get(urec, "client_id")), g->family,
                             json_string_value(json_object_get(urec, "user")), g->scopes, 0);
    json_object_set_new(rec, "parent", json_string(g->token));
    return json_string_value(json_object_get(rec, "token"));
}

static json_t *page_node(meta_ctx *g, const fb_page *p)
{
    char link[300];
    snprintf(link, sizeof link, "https://www.facebook.com/%s", p->username);
    json_t *n = json_pack(
        "{s:s, s:s, s:s, s:s, s:[{s:s, s:s}], s:s, s:i, s:i, s:o, s:s, s:s, s:b, s:[s,s,s,s,s,s]}",
        "id", p->id, "name", p->name, "username", p->username, "category", p->category,
        "category_list", "id", p->category_id, "name", p->category, "link", link, "fan_count",
        p->fans, "followers_count", p->fans + 37, "picture", picture_node(g, p->id), "about",
        "A simulated Page for offline testing.", "verification_status", "not_verified",
        "is_published", 1, "tasks", "ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING",
        "MODERATE", "MANAGE");
    json_object_set_new(n, "website", json_null());
    int user = strcmp(g->tkind, "user") == 0;
    if (user)
        json_object_set_new(n, "access_token", json_string(page_token_for(g, p)));
    else if (strcmp(g->subject, p->id) == 0)
        json_object_set_new(n, "access_token", json_string(g->token));
    else
        json_object_set_new(n, "access_token", json_null());
    json_t *ig = json_null();
    if (p->ig != NULL && meta_has_scope(g, "instagram_basic"))
        ig = json_pack("{s:s}", "id", p->ig);
    json_object_set_new(n, "instagram_business_account", ig);
    json_object_set_new(n, "connected_instagram_account", json_deep_copy(ig));
    return n;
}

static const char *const user_defaults[] = {"name", "id", NULL};
static const char *const page_defaults[] = {"name", "id", NULL};
static const char *const accounts_defaults[] = {
    "access_token", "category", "category_list", "name", "id", "tasks", NULL};
static const char *const post_defaults[] = {"created_time", "message", "id", NULL};

static void me_accounts(meta_ctx *g)
{
    json_t *items = json_array();
    if (meta_has_scope(g, "pages_show_list"))
        for (size_t i = 0; i < NPAGES; i++)
            json_array_append_new(items, page_node(g, &pages[i]));
    meta_reply_list(g, items, "Page", accounts_defaults);
}

static void me_permissions(meta_ctx *g, const char *perm)
{
    json_t *tokens = json_object_get(sim_state(g->s), "tokens");
    json_t *urec = json_object_get(tokens, g->token);
    const char *user = json_string_value(json_object_get(urec, "user"));
    const char *client = json_string_value(json_object_get(urec, "client_id"));
    if (strcmp(g->r->method, "GET") == 0 && perm == NULL) {
        json_t *data = json_array();
        json_array_append_new(
            data, json_pack("{s:s, s:s}", "permission", "public_profile", "status", "granted"));
        size_t i;
        json_t *v;
        json_array_foreach(g->scopes, i, v)
        {
            if (strcmp(json_string_value(v), "public_profile"))
                json_array_append_new(
                    data, json_pack("{s:O, s:s}", "permission", v, "status", "granted"));
        }
        json_array_foreach(json_object_get(urec, "declined"), i, v)
        {
            json_array_append_new(data,
                                  json_pack("{s:O, s:s}", "permission", v, "status", "declined"));
        }
        sim_reply_json(g->out, 200, json_pack("{s:o}", "data", data));
        return;
    }
    if (strcmp(g->r->method, "DELETE") != 0) {
        meta_unsupported(g, "me");
        return;
    }
    /* Every token of this user for this app: all gone (app removed), or one permission less. */
    const char *k;
    json_t *t;
    json_object_foreach(tokens, k, t)
    {
        const char *tu = json_string_value(json_object_get(t, "user"));
        const char *tc = json_string_value(json_object_get(t, "client_id"));
        if (strcmp(json_string_value(json_object_get(t, "platform")), "facebook") != 0 ||
            tu == NULL || tc == NULL || strcmp(tu, user) != 0 || strcmp(tc, client) != 0)
            continue;
        if (perm == NULL) {
            json_object_set_new(t, "revoked", json_true());
            json_object_set_new(t, "revoke_subcode", json_integer(458));
        } else {
            json_t *sc = json_object_get(t, "scopes");
            for (size_t i = json_array_size(sc); i-- > 0;)
                if (strcmp(json_string_value(json_array_get(sc, i)), perm) == 0)
                    json_array_remove(sc, i);
            json_t *dec = json_object_get(t, "declined");
            if (dec == NULL) {
                dec = json_array();
                json_object_set_new(t, "declined", dec);
            }
            if (!in_list(dec, perm))
                json_array_append_new(dec, json_string(perm));
        }
    }
    sim_reply_json(g->out, 200, json_pack("{s:b}", "success", 1));
}

/* ---- posts ---- */

static json_t *find_fb_post(meta_ctx *g, const char *id)
{
    json_t *p = sim_post_find(g->s, "facebook", id);
    if (p == NULL) {
        json_t *o = json_object_get(meta_objects(g->s), id);
        if (o != NULL && strcmp(json_string_value(json_object_get(o, "type")), "fb_post") == 0)
            p = o;
    }
    return p;
}

static json_int_t reactions_of(json_t *p, int64_t now, json_t *by_type)
{
    static const char *const kinds[] = {"like", "love", "wow", "haha", "care", NULL};
    static const int rates[] = {9, 3, 1, 1, 1};
    const char *id = json_string_value(json_object_get(p, "id"));
    int64_t at = json_integer_value(json_object_get(p, "at"));
    json_int_t total = 0;
    for (int i = 0; kinds[i] != NULL; i++) {
        json_int_t v = meta_grow(id, kinds[i], at, now, rates[i]);
        total += v;
        if (by_type != NULL && v > 0)
            json_object_set_new(by_type, kinds[i], json_integer(v));
    }
    return total;
}

static json_t *post_node(meta_ctx *g, json_t *p)
{
    const char *id = json_string_value(json_object_get(p, "id"));
    int64_t at = json_integer_value(json_object_get(p, "at"));
    int64_t now = g->r->now_ms;
    const fb_page *pg = owner_page(p, "account");
    char created[40];
    meta_time(created, sizeof created, at);
    const char *text = json_string_value(json_object_get(p, "text"));
    const char *kind = json_string_value(json_object_get(p, "kind"));
    json_int_t shares = meta_grow(id, "shares", at, now, 1);
    json_int_t comments = meta_grow(id, "comments", at, now, 2) +
                          (json_int_t)json_array_size(json_object_get(p, "comments_added"));
    json_t *n = json_pack(
        "{s:s, s:s, s:s, s:O, s:b, s:{s:s, s:s}}", "id", id, "created_time", created,
        "updated_time", created, "permalink_url", json_object_get(p, "url"), "is_published",
        !json_is_false(json_object_get(p, "published")), "from", "name", pg->name, "id", pg->id);
    json_object_set_new(n, "message", text != NULL && *text ? json_string(text) : json_null());
    json_object_set_new(n, "link", json_deep_copy(json_object_get(p, "link")));
    if (json_is_null(json_object_get(n, "link")) || json_object_get(n, "link") == NULL)
        json_object_set_new(n, "link", json_null());
    json_object_set_new(n, "status_type",
                        json_string(strcmp(kind, "photo") == 0
                                        ? "added_photos"
                                        : (strcmp(kind, "video") == 0 || strcmp(kind, "reel") == 0
                                               ? "added_video"
                                               : (json_is_string(json_object_get(p, "link"))
                                                      ? "shared_story"
                                                      : "mobile_status_update"))));
    json_object_set_new(n, "shares",
                        shares > 0 ? json_pack("{s:I}", "count", shares) : json_null());
    json_object_set_new(n, "reactions",
                        json_pack("{s:[], s:{s:I, s:s}}", "data", "summary", "total_count",
                                  reactions_of(p, now, NULL), "viewer_reaction", "NONE"));
    json_object_set_new(n, "likes",
                        json_pack("{s:[], s:{s:I, s:b, s:b}}", "data", "summary", "total_count",
                                  meta_grow(id, "like", at, now, 9), "can_like", 1, "has_liked",
                                  0));
    json_object_set_new(n, "comments",
                        json_pack("{s:[], s:{s:s, s:I, s:b}}", "data", "summary", "order", "ranked",
                                  "total_count", comments, "can_comment", 1));
    json_t *media = json_object_get(p, "media");
    if (json_array_size(media) > 0) {
        char url[400];
        snprintf(url, sizeof url, "%s/_sim/media/%s", g->r->base_url,
                 json_string_value(json_array_get(media, 0)));
        json_object_set_new(n, "full_picture", json_string(url));
        json_object_set_new(n, "picture", json_string(url));
    } else {
        json_object_set_new(n, "full_picture", json_null());
        json_object_set_new(n, "picture", json_null());
    }
    json_t *sched = json_object_get(p, "scheduled_publish_time");
    json_object_set_new(n, "scheduled_publish_time",
                        sched != NULL ? json_deep_copy(sched) : json_null());
    json_object_set_new(n, "is_hidden", json_false());
    json_object_set_new(n, "story", json_null());
    return n;
}

/* Is the caller a page token of this page (with the publishing permissions)? */
static int page_publisher(meta_ctx *g, const char *page_id)
{
    if (strcmp(g->tkind, "page") != 0 || strcmp(g->subject, page_id) != 0 ||
        !meta_has_scope(g, "pages_manage_posts") || !meta_has_scope(g, "pages_read_engagement")) {
        no_permission(g, 200,
                      "(#200) If posting to a page, requires both pages_read_engagement and "
                      "pages_manage_posts as an admin with sufficient administrative permission");
        return 0;
    }
    return 1;
}

static int page_reader(meta_ctx *g, const char *page_id)
{
    if (strcmp(g->tkind, "page") != 0 || strcmp(g->subject, page_id) != 0 ||
        !meta_has_scope(g, "pages_read_engagement")) {
        no_permission(g, 10,
                      "(#10) This endpoint requires the 'pages_read_engagement' permission or the "
                      "'Page Public Content Access' feature. Refer to https://developers.facebook."
                      "com/docs/apps/review/login-permissions#manage-pages and https://developers."
                      "facebook.com/docs/apps/review/feature#reference-PAGES_ACCESS for details.");
        return 0;
    }
    return 1;
}

/* Publish promotes scheduled posts whose time has come. */
static void promote_scheduled(meta_ctx *g)
{
    json_t *objs = meta_objects(g->s);
    const char *k;
    json_t *o;
    void *tmp;
    json_object_foreach_safe(objs, tmp, k, o)
    {
        if (strcmp(json_string_value(json_object_get(o, "type")), "fb_post") != 0)
            continue;
        json_int_t when = json_integer_value(json_object_get(o, "scheduled_publish_time"));
        if (when <= 0 || when * 1000 > g->r->now_ms)
            continue;
        json_t *post = json_deep_copy(o);
        json_object_del(post, "type");
        json_object_set_new(post, "published", json_true());
        json_object_set_new(post, "at", json_integer(when * 1000));
        sim_post_add(g->s, post);
        json_object_del(objs, k);
    }
}

/* The page's published posts, newest first (copies), of the kinds a feed shows. */
static json_t *page_posts(meta_ctx *g, const char *page_id)
{
    json_t *items = json_array();
    json_t *posts = json_object_get(sim_state(g->s), "posts");
    for (size_t i = json_array_size(posts); i-- > 0;) {
        json_t *p = json_array_get(posts, i);
        const char *acct = json_string_value(json_object_get(p, "account"));
        const char *kind = json_string_value(json_object_get(p, "kind"));
        if (strcmp(json_string_value(json_object_get(p, "platform")), "facebook") != 0 ||
            acct == NULL || strcmp(acct, page_id) != 0 || strcmp(kind, "story") == 0)
            continue;
        json_array_append_new(items, post_node(g, p));
    }
    return items;
}

static void fb_record(meta_ctx *g, const fb_page *pg, const char *id, const char *url,
                      const char *text, const char *kind, json_t *media, json_t *extra)
{
    json_t *post = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "platform", "facebook",
                             "account", pg->id, "account_name", pg->name, "id", id, "url", url,
                             "text", text != NULL ? text : "", "kind", kind, "media", media);
    if (extra != NULL)
        json_object_update(post, extra);
    sim_post_add(g->s, post);
}

/* Collect attached_media from a JSON body, a JSON string, or attached_media[N] fields. */
static json_t *attached_media(meta_ctx *g)
{
    json_t *ids = json_array();
    json_t *j = sim_json(g->r);
    json_t *arr = json_is_object(j) ? json_object_get(j, "attached_media") : NULL;
    json_t *parsed = NULL;
    if (arr == NULL) {
        const char *text = sim_form(g->r, "attached_media");
        if (text == NULL)
            text = sim_query(g->r, "attached_media");
        if (text != NULL)
            arr = parsed = json_loads(text, 0, NULL);
    }
    if (json_is_array(arr)) {
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v)
        {
            json_t *one =
                json_is_string(v) ? json_loads(json_string_value(v), 0, NULL) : json_incref(v);
            json_t *fbid = json_object_get(one, "media_fbid");
            json_array_append_new(ids,
                                  json_string(json_is_string(fbid) ? json_string_value(fbid) : ""));
            json_decref(one);
        }
    } else {
        for (int i = 0; i < 100; i++) {
            char name[40];
            snprintf(name, sizeof name, "attached_media[%d]", i);
            const char *text = sim_form(g->r, name);
            if (text == NULL)
                text = sim_query(g->r, name);
            if (text == NULL)
                break;
            json_t *one = json_loads(text, 0, NULL);
            json_t *fbid = json_object_get(one, "media_fbid");
            json_array_append_new(ids,
                                  json_string(json_is_string(fbid) ? json_string_value(fbid) : ""));
            json_decref(one);
        }
    }
    json_decref(parsed);
    return ids;
}

static void reply_created(meta_ctx *g, json_t *node, json_t *base)
{
    const char *fields = meta_arg(g, "fields");
    if (fields != NULL && *fields && node != NULL) {
        json_t *sel = meta_select(g, node, fields, "Post");
        if (sel != NULL)
            sim_reply_json(g->out, 200, sel);
        json_decref(base);
    } else {
        sim_reply_json(g->out, 200, base);
    }
    json_decref(node);
}

static void page_feed_post(meta_ctx *g, const fb_page *pg)
{
    if (!page_publisher(g, pg->id))
        return;
    const char *message = meta_arg(g, "message");
    const char *link = meta_arg(g, "link");
    int published = truthy(meta_arg(g, "published"), 1);
    const char *sched = meta_arg(g, "scheduled_publish_time");
    json_t *ids = attached_media(g);
    if ((message == NULL || *message == '\0') && (link == NULL || *link == '\0') &&
        json_array_size(ids) == 0) {
        meta_bad_param(g, 100, "(#100) Missing message or attachment");
        json_decref(ids);
        return;
    }
    if (message != NULL && strlen(message) > META_FB_MESSAGE_MAX) {
        meta_bad_param(g, 100, "(#100) The message is too long");
        json_decref(ids);
        return;
    }
    if (link != NULL && *link && strncmp(link, "http://", 7) != 0 &&
        strncmp(link, "https://", 8) != 0) {
        meta_bad_param(g, 100, "(#100) The parameter link must be a valid URL");
        json_decref(ids);
        return;
    }
    json_t *objs = meta_objects(g->s);
    json_t *media = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        json_t *o = json_object_get(objs, json_string_value(v));
        const char *type = json_string_value(json_object_get(o, "type"));
        if (o == NULL || strcmp(type, "photo") != 0 ||
            strcmp(json_string_value(json_object_get(o, "page")), pg->id) != 0 ||
            json_is_true(json_object_get(o, "published")) ||
            json_is_true(json_object_get(o, "attached"))) {
            char msg[300];
            snprintf(msg, sizeof msg,
                     "(#100) attached_media[%zu]: media_fbid %s is not an unpublished photo of "
                     "this Page",
                     i, json_string_value(v));
            meta_bad_param(g, 100, msg);
            json_decref(ids);
            json_decref(media);
            return;
        }
        json_array_append(media, json_object_get(o, "media"));
    }
    int64_t sched_s = 0;
    if (sched != NULL && *sched) {
        char *end = NULL;
        sched_s = strtoll(sched, &end, 10);
        int64_t delta = sched_s * 1000 - g->r->now_ms;
        if (published || end == NULL || *end != '\0' || delta < 10 * 60 * 1000LL ||
            delta > 75 * META_DAY_MS) {
            meta_bad_param(g, 100, "(#100) The specified scheduled publish time is invalid.");
            json_decref(ids);
            json_decref(media);
            return;
        }
    }
    /* Graph refuses the same status twice in a row. */
    if (published && json_array_size(ids) == 0 && message != NULL && *message) {
        json_t *posts = json_object_get(sim_state(g->s), "posts");
        for (size_t k = json_array_size(posts); k-- > 0;) {
            json_t *p = json_array_get(posts, k);
            if (strcmp(json_string_value(json_object_get(p, "platform")), "facebook") != 0 ||
                strcmp(json_string_value(json_object_get(p, "account")), pg->id) != 0)
                continue;
            const char *pl = json_string_value(json_object_get(p, "link"));
            int same = strcmp(json_string_value(json_object_get(p, "kind")), "feed") == 0 &&
                       strcmp(json_string_value(json_object_get(p, "text")), message) == 0 &&
                       strcmp(pl != NULL ? pl : "", link != NULL ? link : "") == 0 &&
                       g->r->now_ms - json_integer_value(json_object_get(p, "at")) < META_DAY_MS;
            if (same) {
                meta_error(g->out, 400, "OAuthException", 506, 1455006,
                           "(#506) Duplicate status message", "Duplicate Status Update",
                           "This status update is identical to the last one you posted. Try "
                           "posting something different, or delete your previous update.");
                json_decref(ids);
                json_decref(media);
                return;
            }
            break;
        }
    }
    char num[40], id[96], url[300];
    sim_next_id(g->s, num, sizeof num);
    snprintf(id, sizeof id, "%s_%s", pg->id, num);
    snprintf(url, sizeof url, "https://www.facebook.com/%s/posts/%s", pg->id, num);
    json_t *extra = json_pack("{s:s, s:s, s:b, s:O}", "page", pg->id, "permalink_url", url,
                              "published", published, "attached_media", ids);
    json_object_set_new(extra, "link", link != NULL && *link ? json_string(link) : json_null());
    json_array_foreach(ids, i, v)
        json_object_set_new(json_object_get(objs, json_string_value(v)), "attached", json_true());
    json_t *node = NULL;
    if (published) {
        fb_record(g, pg, id, url, message, "feed", media, extra);
        node = post_node(g, sim_post_find(g->s, "facebook", id));
    } else {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:I}", "type", "fb_post",
                              "platform", "facebook", "account", pg->id, "account_name", pg->name,
                              "id", id, "url", url, "text", message != NULL ? message : "", "media",
                              media, "at", (json_int_t)g->r->now_ms);
        json_object_set_new(o, "kind", json_string("feed"));
        json_object_update(o, extra);
        if (sched_s > 0)
            json_object_set_new(o, "scheduled_publish_time", json_integer(sched_s));
        json_object_set_new(objs, id, o);
        node = post_node(g, o);
    }
    json_decref(extra);
    json_decref(media);
    json_decref(ids);
    reply_created(g, node, json_pack("{s:s}", "id", id));
}

/* Fetch url (unlocking around it); the media id, or -1 with the reason. */
static int fetch_unlocked(meta_ctx *g, const char *url, char *mid, size_t midlen, meta_media *mm,
                          char *why, size_t whylen)
{
    char *copy = strdup(url);
    sim_unlock(g->s);
    int rc = copy != NULL ? meta_fetch(g->s, copy, mid, midlen, why, whylen) : -1;
    if (rc == 0)
        meta_sniff(g->s, mid, mm);
    sim_lock(g->s);
    free(copy);
    return rc;
}

/* Store multipart "source" bytes (unlocking around it). */
static int store_source(meta_ctx *g, char *mid, size_t midlen, meta_media *mm)
{
    size_t len = 0;
    const char *bytes = sim_form_bytes(g->r, "source", &len);
    if (bytes == NULL || len == 0)
        return -1;
    sim_unlock(g->s);
    sim_store_media(g->s, bytes, len, "application/octet-stream", mid, midlen);
    meta_sniff(g->s, mid, mm);
    sim_lock(g->s);
    return 0;
}

static void page_photo_post(meta_ctx *g, const fb_page *pg)
{
    if (!page_publisher(g, pg->id))
        return;
    const char *url = meta_arg(g, "url");
    char mid[96] = "", why[400] = "";
    meta_media mm;
    memset(&mm, 0, sizeof mm);
    if (url != NULL && *url) {
        if (fetch_unlocked(g, url, mid, sizeof mid, &mm, why, sizeof why) != 0) {
            char umsg[700];
            snprintf(umsg, sizeof umsg, "The image at %.300s could not be fetched (%.300s).", url,
                     why);
            meta_error(g->out, 400, "OAuthException", 324, 2069019, "Missing or invalid image file",
                       "Image could not be fetched", umsg);
            return;
        }
    } else if (store_source(g, mid, sizeof mid, &mm) != 0) {
        meta_bad_param(g, 324, "(#324) Requires upload file");
        return;
    }
    if (!(strcmp(mm.kind, "jpeg") == 0 || strcmp(mm.kind, "png") == 0) ||
        mm.size > 4u * 1024 * 1024) {
        meta_error(g->out, 400, "OAuthException", 324, 1366046, "Missing or invalid image file",
                   "Unsupported photo",
                   "Photos should be smaller than 4 MB and saved as JPG or PNG files.");
        return;
    }
    const char *caption = meta_arg(g, "caption");
    if (caption == NULL)
        caption = meta_arg(g, "message");
    int published = truthy(meta_arg(g, "published"), 1);
    char pid[40], post_id[96], link[300];
    sim_next_id(g->s, pid, sizeof pid);
    snprintf(post_id, sizeof post_id, "%s_%s", pg->id, pid);
    snprintf(link, sizeof link, "https://www.facebook.com/photo/?fbid=%s", pid);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:i, s:i, s:s}", "type", "photo", "id", pid, "page",
        pg->id, "media", mid, "caption", caption != NULL ? caption : "", "published", published,
        "at", (json_int_t)g->r->now_ms, "width", mm.width, "height", mm.height, "link", link);
    if (published)
        json_object_set_new(o, "post_id", json_string(post_id));
    json_object_set_new(meta_objects(g->s), pid, o);
    if (published) {
        json_t *media = json_pack("[s]", mid);
        json_t *extra = json_pack("{s:s, s:s, s:s, s:b}", "page", pg->id, "permalink_url", link,
                                  "photo_id", pid, "published", 1);
        fb_record(g, pg, post_id, link, caption, "photo", media, extra);
        json_decref(media);
        json_decref(extra);
        sim_reply_json(g->out, 200, json_pack("{s:s, s:s}", "id", pid, "post_id", post_id));
    } else {
        sim_reply_json(g->out, 200, json_pack("{s:s}", "id", pid));
    }
}

/* ---- videos ---- */

static json_t *new_video(meta_ctx *g, const fb_page *pg, const char *kind)
{
    char vid[40];
    sim_next_id(g->s, vid, sizeof vid);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:b, s:I, s:b, s:b}", "type", "video",
                          "id", vid, "page", pg->id, "kind", kind, "polls_needed",
                          sim_processing_polls(g->s, "facebook"), "polls_seen", 0, "fail",
                          sim_processing_fails(g->s, "facebook"), "at", (json_int_t)g->r->now_ms,
                          "uploaded", 0, "published", 0);
    json_object_set_new(meta_objects(g->s), vid, o);
    return o;
}

static void video_urls(const fb_page *pg, json_t *o, char *url, size_t len, char *perma,
                       size_t plen)
{
    const char *vid = json_string_value(json_object_get(o, "id"));
    const char *kind = json_string_value(json_object_get(o, "kind"));
    if (strcmp(kind, "reel") == 0) {
        snprintf(url, len, "https://www.facebook.com/reel/%s", vid);
        snprintf(perma, plen, "/reel/%s/", vid);
    } else if (strcmp(kind, "story") == 0) {
        snprintf(url, len, "https://www.facebook.com/stories/%s/%s", pg->id, vid);
        snprintf(perma, plen, "/stories/%s/%s/", pg->id, vid);
    } else {
        snprintf(url, len, "https://www.facebook.com/%s/videos/%s/", pg->username, vid);
        snprintf(perma, plen, "/%s/videos/%s/", pg->username, vid);
    }
}

/* Publish a processed video as a post (unless processing is set to fail). */
static void video_publish(meta_ctx *g, const fb_page *pg, json_t *o)
{
    json_object_set_new(o, "published", json_true());
    if (json_is_true(json_object_get(o, "fail")))
        return;
    char url[300], perma[300], post_id[96];
    const char *vid = json_string_value(json_object_get(o, "id"));
    video_urls(pg, o, url, sizeof url, perma, sizeof perma);
    snprintf(post_id, sizeof post_id, "%s_%s", pg->id, vid);
    json_object_set_new(o, "post_id", json_string(post_id));
    json_t *media = json_pack("[O]", json_object_get(o, "media"));
    json_t *extra = json_pack("{s:s, s:s, s:s, s:b}", "page", pg->id, "permalink_url", url,
                              "video_id", vid, "published", 1);
    const char *title = json_string_value(json_object_get(o, "title"));
    if (title != NULL)
        json_object_set_new(extra, "title", json_string(title));
    fb_record(g, pg, post_id, url, json_string_value(json_object_get(o, "description")),
              json_string_value(json_object_get(o, "kind")), media, extra);
    json_decref(media);
    json_decref(extra);
}

static json_t *video_node(meta_ctx *g, json_t *o, int poll)
{
    const fb_page *pg = owner_page(o, "page");
    /* The first polls_needed polls say "processing"; then the outcome. */
    int uploaded = json_is_true(json_object_get(o, "uploaded"));
    int seen = (int)json_integer_value(json_object_get(o, "polls_seen"));
    int needed = (int)json_integer_value(json_object_get(o, "polls_needed"));
    if (poll && uploaded && seen < needed)
        json_object_set_new(o, "polls_seen", json_integer(seen + 1));
    int fail = json_is_true(json_object_get(o, "fail"));
    int published = json_is_true(json_object_get(o, "published"));
    const char *vs;
    json_t *status;
    size_t size = (size_t)json_integer_value(json_object_get(o, "size"));
    if (!uploaded) {
        vs = "upload_pending";
        status = json_pack("{s:s, s:{s:s, s:i}, s:{s:s}, s:{s:s}}", "video_status", vs,
                           "uploading_phase", "status", "not_started", "bytes_transferred", 0,
                           "processing_phase", "status", "not_started", "publishing_phase",
                           "status", "not_started");
    } else if (seen < needed) {
        vs = "processing";
        status = json_pack("{s:s, s:{s:s, s:I}, s:{s:s}, s:{s:s}}", "video_status", vs,
                           "uploading_phase", "status", "complete", "bytes_transferred",
                           (json_int_t)size, "processing_phase", "status", "in_progress",
                           "publishing_phase", "status", "not_started");
    } else if (fail) {
        vs = "error";
        status = json_pack(
            "{s:s, s:{s:s, s:I}, s:{s:s, s:[{s:i, s:s}]}, s:{s:s}}", "video_status", vs,
            "uploading_phase", "status", "complete", "bytes_transferred", (json_int_t)size,
            "processing_phase", "status", "error", "errors", "code", 6000, "message",
            "There was a problem uploading your video file. Please try again with another file.",
            "publishing_phase", "status", "not_started");
    } else {
        vs = "ready";
        char when[40];
        meta_time(when, sizeof when, json_integer_value(json_object_get(o, "at")));
        status = json_pack("{s:s, s:{s:s, s:I}, s:{s:s}, s:{s:s, s:s, s:s}}", "video_status", vs,
                           "uploading_phase", "status", "complete", "bytes_transferred",
                           (json_int_t)size, "processing_phase", "status", "complete",
                           "publishing_phase", "status", published ? "complete" : "not_started",
                           "publish_status", published ? "published" : "not_published",
                           "publish_time", when);
    }
    char url[300], perma[300], created[40];
    video_urls(pg, o, url, sizeof url, perma, sizeof perma);
    meta_time(created, sizeof created, json_integer_value(json_object_get(o, "at")));
    json_t *n = json_pack("{s:O, s:o, s:s, s:s, s:s, s:b, s:{s:s, s:s}, s:i}", "id",
                          json_object_get(o, "id"), "status", status, "permalink_url", perma,
                          "created_time", created, "updated_time", created, "published",
                          published && !fail, "from", "name", pg->name, "id", pg->id, "length", 0);
    const char *d = json_string_value(json_object_get(o, "description"));
    const char *t = json_string_value(json_object_get(o, "title"));
    json_object_set_new(n, "description", d != NULL && *d ? json_string(d) : json_null());
    json_object_set_new(n, "title", t != NULL && *t ? json_string(t) : json_null());
    json_t *post = json_object_get(o, "post_id");
    json_object_set_new(n, "post_id", post != NULL ? json_deep_copy(post) : json_null());
    if (uploaded) {
        char src[400];
        snprintf(src, sizeof src, "%s/_sim/media/%s", g->r->base_url,
                 json_string_value(json_object_get(o, "media")));
        json_object_set_new(n, "source", json_string(src));
    } else {
        json_object_set_new(n, "source", json_null());
    }
    json_object_set_new(n, "picture", json_null());
    return n;
}

/* Take video bytes from file_url or "source"; 0, or -1 with the error answered. */
static int video_bytes(meta_ctx *g, const char *file_url, char *mid, size_t midlen)
{
    meta_media mm;
    memset(&mm, 0, sizeof mm);
    char why[400] = "";
    if (file_url != NULL && *file_url) {
        if (fetch_unlocked(g, file_url, mid, midlen, &mm, why, sizeof why) != 0) {
            meta_error(g->out, 400, "OAuthException", 389, 0,
                       "(#389) Unable to fetch video file from URL.", NULL, why);
            return -1;
        }
    } else if (store_source(g, mid, midlen, &mm) != 0) {
        meta_bad_param(g, 100, "(#100) Requires either file_url or source");
        return -1;
    }
    if (!mm.is_video) {
        meta_error(g->out, 400, "OAuthException", 352, 0,
                   "(#352) Sorry, the video file you selected is in a format that we don't "
                   "support.",
                   NULL, NULL);
        return -1;
    }
    return (int)mm.size;
}

static void page_video_post(meta_ctx *g, const fb_page *pg)
{
    if (!page_publisher(g, pg->id))
        return;
    char mid[96];
    int size = video_bytes(g, meta_arg(g, "file_url"), mid, sizeof mid);
    if (size < 0)
        return;
    json_t *o = new_video(g, pg, "video");
    json_object_set_new(o, "media", json_string(mid));
    json_object_set_new(o, "size", json_integer(size));
    json_object_set_new(o, "uploaded", json_true());
    const char *d = meta_arg(g, "description");
    const char *t = meta_arg(g, "title");
    json_object_set_new(o, "description", json_string(d != NULL ? d : ""));
    if (t != NULL)
        json_object_set_new(o, "title", json_string(t));
    if (truthy(meta_arg(g, "published"), 1))
        video_publish(g, pg, o);
    reply_created(g, video_node(g, o, 0), json_pack("{s:O}", "id", json_object_get(o, "id")));
}

/* /{page}/video_reels and /{page}/video_stories: start, (rupload), finish. */
static void page_video_phase(meta_ctx *g, const fb_page *pg, const char *kind)
{
    if (!page_publisher(g, pg->id))
        return;
    const char *phase = meta_arg(g, "upload_phase");
    if (phase == NULL || *phase == '\0') {
        meta_bad_param(g, 100, "(#100) The parameter upload_phase is required");
        return;
    }
    if (strcmp(phase, "start") == 0) {
        json_t *o = new_video(g, pg, kind);
        char url[600];
        snprintf(url, sizeof url, "%s/facebook/rupload/video-upload/%s/%s", g->r->base_url,
                 g->version[0] ? g->version : "v20.0", json_string_value(json_object_get(o, "id")));
        sim_reply_json(
            g->out, 200,
            json_pack("{s:O, s:s}", "video_id", json_object_get(o, "id"), "upload_url", url));
        return;
    }
    if (strcmp(phase, "finish") != 0) {
        meta_bad_param(g, 100,
                       "(#100) upload_phase must be one of the following values: start, "
                       "transfer, finish");
        return;
    }
    const char *vid = meta_arg(g, "video_id");
    json_t *o = vid != NULL ? json_object_get(meta_objects(g->s), vid) : NULL;
    if (o == NULL || strcmp(json_string_value(json_object_get(o, "type")), "video") != 0 ||
        strcmp(json_string_value(json_object_get(o, "page")), pg->id) != 0 ||
        strcmp(json_string_value(json_object_get(o, "kind")), kind) != 0) {
        meta_bad_param(g, 100,
                       "(#100) The parameter video_id is required and must be a video "
                       "started on this Page");
        return;
    }
    if (!json_is_true(json_object_get(o, "uploaded"))) {
        meta_error(g->out, 400, "OAuthException", 6000, 0,
                   "(#6000) There was a problem uploading your video file. Please try again.", NULL,
                   "The video bytes were never uploaded to the upload_url.");
        return;
    }
    if (json_is_true(json_object_get(o, "published"))) {
        meta_bad_param(g, 100, "(#100) This video has already been published");
        return;
    }
    const char *d = meta_arg(g, "description");
    const char *t = meta_arg(g, "title");
    json_object_set_new(o, "description", json_string(d != NULL ? d : ""));
    if (t != NULL)
        json_object_set_new(o, "title", json_string(t));
    if (strcmp(kind, "reel") == 0) {
        const char *state = meta_arg(g, "video_state");
        if (state == NULL || *state == '\0') {
            meta_bad_param(g, 100, "(#100) The parameter video_state is required");
            return;
        }
        if (strcmp(state, "PUBLISHED") == 0)
            video_publish(g, pg, o);
        else if (strcmp(state, "DRAFT") != 0 && strcmp(state, "SCHEDULED") != 0) {
            meta_bad_param(g, 100,
                           "(#100) video_state must be one of the following values: "
                           "DRAFT, PUBLISHED, SCHEDULED");
            return;
        }
        sim_reply_json(g->out, 200, json_pack("{s:b}", "success", 1));
        return;
    }
    video_publish(g, pg, o);
    json_t *post = json_object_get(o, "post_id");
    json_t *b = json_pack("{s:b}", "success", 1);
    if (post != NULL)
        json_object_set(b, "post_id", post);
    sim_reply_json(g->out, 200, b);
}

static void page_photo_story(meta_ctx *g, const fb_page *pg)
{
    if (!page_publisher(g, pg->id))
        return;
    const char *pid = meta_arg(g, "photo_id");
    json_t *o = pid != NULL ? json_object_get(meta_objects(g->s), pid) : NULL;
    if (o == NULL || strcmp(json_string_value(json_object_get(o, "type")), "photo") != 0 ||
        strcmp(json_string_value(json_object_get(o, "page")), pg->id) != 0 ||
        json_is_true(json_object_get(o, "published"))) {
        meta_bad_param(g, 100,
                       "(#100) The parameter photo_id must be an unpublished photo of "
                       "this Page");
        return;
    }
    char num[40], post_id[96], url[300];
    sim_next_id(g->s, num, sizeof num);
    snprintf(post_id, sizeof post_id, "%s_%s", pg->id, num);
    snprintf(url, sizeof url, "https://www.facebook.com/stories/%s/%s", pg->id, num);
    json_object_set_new(o, "published", json_true());
    json_object_set_new(o, "post_id", json_string(post_id));
    json_t *media = json_pack("[O]", json_object_get(o, "media"));
    json_t *extra = json_pack("{s:s, s:s, s:O, s:b}", "page", pg->id, "permalink_url", url,
                              "photo_id", json_object_get(o, "id"), "published", 1);
    fb_record(g, pg, post_id, url, "", "story", media, extra);
    json_decref(media);
    json_decref(extra);
    sim_reply_json(g->out, 200, json_pack("{s:b, s:s}", "success", 1, "post_id", post_id));
}

static json_t *photo_node(meta_ctx *g, json_t *o)
{
    const fb_page *pg = owner_page(o, "page");
    char created[40], src[400];
    meta_time(created, sizeof created, json_integer_value(json_object_get(o, "at")));
    snprintf(src, sizeof src, "%s/_sim/media/%s", g->r->base_url,
             json_string_value(json_object_get(o, "media")));
    json_t *n =
        json_pack("{s:O, s:s, s:s, s:O, s:s, s:[{s:O, s:O, s:s}], s:{s:s, s:s}}", "id",
                  json_object_get(o, "id"), "created_time", created, "updated_time", created,
                  "link", json_object_get(o, "link"), "picture", src, "images", "height",
                  json_object_get(o, "height"), "width", json_object_get(o, "width"), "source", src,
                  "from", "name", pg->name, "id", pg->id);
    const char *c = json_string_value(json_object_get(o, "caption"));
    json_object_set_new(n, "name", c != NULL && *c ? json_string(c) : json_null());
    json_t *post = json_object_get(o, "post_id");
    json_object_set_new(n, "page_story_id", post != NULL ? json_deep_copy(post) : json_null());
    json_object_set(n, "height", json_object_get(o, "height"));
    json_object_set(n, "width", json_object_get(o, "width"));
    return n;
}

/* ---- insights ---- */

static const char *const fb_post_metrics[] = {
    "post_total_media_view_unique", "post_media_view",
    "post_reactions_by_type_total", "post_clicks",
    "post_clicks_by_type",          "post_impressions",
    "post_impressions_unique",      "post_engaged_users",
    "post_reactions_like_total",    NULL,
};

/* Metrics Postiz's comments say were deprecated on 2026-06-15. */
static int deprecated_metric(const char *name, int64_t now_ms)
{
    static const char *const gone[] = {"post_impressions",        "post_impressions_unique",
                                       "post_engaged_users",      "page_impressions",
                                       "page_impressions_unique", NULL};
    const int64_t cutoff = 1781481600000LL; /* 2026-06-15T00:00:00Z */
    for (int i = 0; gone[i] != NULL; i++)
        if (strcmp(gone[i], name) == 0)
            return now_ms >= cutoff;
    return 0;
}

static json_t *fb_post_metric(json_t *p, const char *name, int64_t now)
{
    const char *id = json_string_value(json_object_get(p, "id"));
    int64_t at = json_integer_value(json_object_get(p, "at"));
    if (strcmp(name, "post_reactions_by_type_total") == 0) {
        json_t *o = json_object();
        reactions_of(p, now, o);
        return o;
    }
    if (strcmp(name, "post_clicks_by_type") == 0) {
        json_t *o = json_object();
        json_int_t a = meta_grow(id, "other clicks", at, now, 6);
        json_int_t b = meta_grow(id, "link clicks", at, now, 3);
        json_int_t c = meta_grow(id, "photo view", at, now, 4);
        if (a)
            json_object_set_new(o, "other clicks", json_integer(a));
        if (b)
            json_object_set_new(o, "link clicks", json_integer(b));
        if (c)
            json_object_set_new(o, "photo view", json_integer(c));
        return o;
    }
    if (strcmp(name, "post_clicks") == 0)
        return json_integer(meta_grow(id, "other clicks", at, now, 6) +
                            meta_grow(id, "link clicks", at, now, 3) +
                            meta_grow(id, "photo view", at, now, 4));
    if (strcmp(name, "post_reactions_like_total") == 0)
        return json_integer(meta_grow(id, "like", at, now, 9));
    if (strcmp(name, "post_total_media_view_unique") == 0 ||
        strcmp(name, "post_impressions_unique") == 0)
        return json_integer(meta_grow(id, "reach", at, now, 110));
    if (strcmp(name, "post_engaged_users") == 0)
        return json_integer(meta_grow(id, "engaged", at, now, 14));
    return json_integer(meta_grow(id, "views", at, now, 150));
}

static void post_insights(meta_ctx *g, json_t *p)
{
    const char *metric = meta_arg(g, "metric");
    if (metric == NULL || *metric == '\0') {
        meta_bad_param(g, 100, "(#100) The value must be a valid insights metric");
        return;
    }
    json_t *names = meta_scope_list(metric);
    json_t *data = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        const char *name = json_string_value(v);
        int ok = 0;
        for (int k = 0; fb_post_metrics[k] != NULL; k++)
            ok |= strcmp(fb_post_metrics[k], name) == 0;
        if (!ok || deprecated_metric(name, g->r->now_ms)) {
            meta_bad_param(g, 100, "(#100) The value must be a valid insights metric");
            json_decref(names);
            json_decref(data);
            return;
        }
        char iid[300];
        snprintf(iid, sizeof iid, "%s/insights/%s/lifetime",
                 json_string_value(json_object_get(p, "id")), name);
        json_array_append_new(data,
                              json_pack("{s:s, s:s, s:[{s:o}], s:s, s:s, s:s}", "name", name,
                                        "period", "lifetime", "values", "value",
                                        fb_post_metric(p, name, g->r->now_ms), "title", name,
                                        "description", "Lifetime value (simulated).", "id", iid));
    }
    json_decref(names);
    sim_reply_json(g->out, 200, json_pack("{s:o}", "data", data));
}

static void page_insights(meta_ctx *g, const fb_page *pg)
{
    static const char *const metrics[] = {"page_total_media_view_unique",
                                          "page_media_view",
                                          "page_post_engagements",
                                          "page_daily_follows",
                                          "page_daily_follows_unique",
                                          "page_follows",
                                          "page_views_total",
                                          "page_impressions",
                                          "page_impressions_unique",
                                          NULL};
    const char *metric = meta_arg(g, "metric");
    const char *period = meta_arg(g, "period");
    if (metric == NULL || *metric == '\0') {
        meta_bad_param(g, 100, "(#100) The value must be a valid insights metric");
        return;
    }
    if (period == NULL || *period == '\0')
        period = "day";
    int64_t span = strcmp(period, "week") == 0      ? 7 * META_DAY_MS
                   : strcmp(period, "days_28") == 0 ? 28 * META_DAY_MS
                   : strcmp(period, "day") == 0     ? META_DAY_MS
                                                    : 0;
    if (span == 0) {
        meta_bad_param(g, 100,
                       "(#100) period must be one of the following values: day, week, "
                       "days_28");
        return;
    }
    int64_t now = g->r->now_ms;
    const char *us = meta_arg(g, "until");
    const char *ss = meta_arg(g, "since");
    int64_t until = us != NULL && *us ? strtoll(us, NULL, 10) * 1000 : now;
    int64_t since = ss != NULL && *ss ? strtoll(ss, NULL, 10) * 1000 : until - 2 * META_DAY_MS;
    if (until - since > 93 * META_DAY_MS || until <= since) {
        meta_bad_param(g, 100,
                       "(#100) There cannot be more than 93 days (8035200 s) between "
                       "since and until");
        return;
    }
    int64_t day0 = since - since % META_DAY_MS;
    json_t *names = meta_scope_list(metric);
    json_t *data = json_array();
    json_t *posts = json_object_get(sim_state(g->s), "posts");
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        const char *name = json_string_value(v);
        int ok = 0;
        for (int k = 0; metrics[k] != NULL; k++)
            ok |= strcmp(metrics[k], name) == 0;
        if (!ok || deprecated_metric(name, now)) {
            meta_bad_param(g, 100, "(#100) The value must be a valid insights metric");
            json_decref(names);
            json_decref(data);
            return;
        }
        json_t *values = json_array();
        for (int64_t end = day0 + META_DAY_MS;
             end <= until + META_DAY_MS - 1 && end <= now + META_DAY_MS; end += META_DAY_MS) {
            int64_t from = end - span, to = end < now ? end : now;
            json_int_t sum = 0;
            if (strstr(name, "follows") != NULL) {
                char day[32];
                snprintf(day, sizeof day, "%lld", (long long)(end / META_DAY_MS));
                sum = strcmp(name, "page_follows") == 0 ? pg->fans + 37
                                                        : (json_int_t)(fnv(pg->id, day) % 7);
            } else {
                size_t k;
                json_t *p;
                json_array_foreach(posts, k, p)
                {
                    const char *acct = json_string_value(json_object_get(p, "account"));
                    if (acct == NULL || strcmp(acct, pg->id) != 0)
                        continue;
                    const char *pid = json_string_value(json_object_get(p, "id"));
                    int64_t at = json_integer_value(json_object_get(p, "at"));
                    const char *base = strcmp(name, "page_post_engagements") == 0 ? "like"
                                       : strstr(name, "unique") != NULL           ? "reach"
                                                                                  : "views";
                    int rate = strcmp(base, "like") == 0    ? 9
                               : strcmp(base, "reach") == 0 ? 110
                                                            : 150;
                    json_int_t a = meta_grow(pid, base, at, to, rate);
                    json_int_t b = meta_grow(pid, base, at, from < to ? from : to, rate);
                    sum += a - b;
                }
            }
            char et[40];
            meta_time(et, sizeof et, end);
            json_array_append_new(values, json_pack("{s:I, s:s}", "value", sum, "end_time", et));
        }
        char iid[300];
        snprintf(iid, sizeof iid, "%s/insights/%s/%s", pg->id, name, period);
        json_array_append_new(data, json_pack("{s:s, s:s, s:o, s:s, s:s, s:s}", "name", name,
                                              "period", period, "values", values, "title", name,
                                              "description", "Simulated.", "id", iid));
    }
    json_decref(names);
    sim_reply_json(g->out, 200, json_pack("{s:o}", "data", data));
}

/* ---- comments (Facebook posts) ---- */

static void post_comments(meta_ctx *g, json_t *p)
{
    if (strcmp(g->r->method, "POST") == 0) {
        const char *msg = meta_arg(g, "message");
        const char *att = meta_arg(g, "attachment_url");
        if ((msg == NULL || *msg == '\0') && (att == NULL || *att == '\0')) {
            meta_bad_param(g, 100, "(#100) Missing message or attachment");
            return;
        }
        char num[40], cid[96], when[40];
        sim_next_id(g->s, num, sizeof num);
        const char *pid = json_string_value(json_object_get(p, "id"));
        const char *us = strchr(pid, '_');
        snprintf(cid, sizeof cid, "%s_%s", us != NULL ? us + 1 : pid, num);
        meta_time(when, sizeof when, g->r->now_ms);
        json_t *list = json_object_get(p, "comments_added");
        if (list == NULL) {
            list = json_array();
            json_object_set_new(p, "comments_added", list);
        }
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "id", cid, "message",
                                              msg != NULL ? msg : "", "created_time", when));
        sim_reply_json(g->out, 200, json_pack("{s:s}", "id", cid));
        return;
    }
    static const char *const dflt[] = {"created_time", "message", "id", NULL};
    json_t *items = json_array();
    json_t *list = json_object_get(p, "comments_added");
    for (size_t i = json_array_size(list); i-- > 0;)
        json_array_append_new(items, json_deep_copy(json_array_get(list, i)));
    meta_reply_list(g, items, "Comment", dflt);
}

/* ---- routing on graph.facebook.com ---- */

static void page_route(meta_ctx *g, const fb_page *pg, const char *edge, const char *rest)
{
    const char *m = g->r->method;
    int get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0;
    if (rest != NULL) {
        unknown_path(g, rest);
        return;
    }
    if (edge == NULL) {
        if (get)
            meta_reply_node(g, page_node(g, pg), "Page", page_defaults);
        else
            meta_unsupported(g, pg->id);
        return;
    }
    if (strcmp(edge, "feed") == 0 || strcmp(edge, "published_posts") == 0 ||
        strcmp(edge, "posts") == 0) {
        if (post && strcmp(edge, "feed") == 0) {
            page_feed_post(g, pg);
        } else if (get) {
            if (page_reader(g, pg->id))
                meta_reply_list(g, page_posts(g, pg->id), "Post", post_defaults);
        } else {
            meta_unsupported(g, pg->id);
        }
    } else if (strcmp(edge, "photos") == 0 && post) {
        page_photo_post(g, pg);
    } else if (strcmp(edge, "videos") == 0 && post) {
        page_video_post(g, pg);
    } else if (strcmp(edge, "video_reels") == 0 && post) {
        page_video_phase(g, pg, "reel");
    } else if (strcmp(edge, "video_stories") == 0 && post) {
        page_video_phase(g, pg, "story");
    } else if (strcmp(edge, "photo_stories") == 0 && post) {
        page_photo_story(g, pg);
    } else if (strcmp(edge, "insights") == 0 && get) {
        if (page_reader(g, pg->id)) {
            if (!meta_has_scope(g, "read_insights"))
                no_permission(g, 10, "(#10) Application does not have permission for this action");
            else
                page_insights(g, pg);
        }
    } else if (strcmp(edge, "photos") == 0 || strcmp(edge, "videos") == 0 ||
               strcmp(edge, "video_reels") == 0 || strcmp(edge, "video_stories") == 0 ||
               strcmp(edge, "photo_stories") == 0 || strcmp(edge, "insights") == 0) {
        meta_unsupported(g, pg->id);
    } else {
        unknown_path(g, edge);
    }
}

static void post_route(meta_ctx *g, json_t *p, const char *id, const char *edge)
{
    const char *page_id = json_string_value(json_object_get(p, "account"));
    const char *m = g->r->method;
    if (edge == NULL && strcmp(m, "DELETE") == 0) {
        if (!page_publisher(g, page_id))
            return;
        json_t *posts = json_object_get(sim_state(g->s), "posts");
        for (size_t i = 0; i < json_array_size(posts); i++)
            if (json_array_get(posts, i) == p) {
                json_array_remove(posts, i);
                break;
            }
        json_object_del(meta_objects(g->s), id);
        sim_reply_json(g->out, 200, json_pack("{s:b}", "success", 1));
        return;
    }
    if (!page_reader(g, page_id))
        return;
    if (edge == NULL) {
        if (strcmp(m, "GET") == 0)
            meta_reply_node(g, post_node(g, p), "Post", post_defaults);
        else
            meta_unsupported(g, id);
    } else if (strcmp(edge, "insights") == 0 && strcmp(m, "GET") == 0) {
        if (!meta_has_scope(g, "read_insights"))
            no_permission(g, 10, "(#10) Application does not have permission for this action");
        else
            post_insights(g, p);
    } else if (strcmp(edge, "comments") == 0) {
        if (strcmp(m, "POST") == 0 && !meta_has_scope(g, "pages_manage_engagement"))
            no_permission(g, 200, "(#200) Permissions error");
        else
            post_comments(g, p);
    } else {
        unknown_path(g, edge);
    }
}

static void object_route(meta_ctx *g, json_t *o, const char *id, const char *edge)
{
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *page_id = json_string_value(json_object_get(o, "page"));
    if (edge != NULL) {
        json_t *post = json_object_get(o, "post_id");
        json_t *p = post != NULL ? sim_post_find(g->s, "facebook", json_string_value(post)) : NULL;
        if (p != NULL && (strcmp(edge, "insights") == 0 || strcmp(edge, "comments") == 0)) {
            post_route(g, p, json_string_value(post), edge);
            return;
        }
        unknown_path(g, edge);
        return;
    }
    if (strcmp(g->r->method, "GET") != 0 || !page_reader(g, page_id)) {
        if (strcmp(g->r->method, "GET") != 0)
            meta_unsupported(g, id);
        return;
    }
    const char *fields = meta_arg(g, "fields");
    if (strcmp(type, "video") == 0) {
        static const char *const dflt[] = {"updated_time", "description", "id", NULL};
        meta_reply_node(g, video_node(g, o, fields != NULL && strstr(fields, "status") != NULL),
                        "Video", dflt);
    } else {
        static const char *const dflt[] = {"created_time", "name", "id", NULL};
        meta_reply_node(g, photo_node(g, o), "Photo", dflt);
    }
}

/* Serve graph.* for both hosts: the plumbing, then Facebook objects, then Instagram ones. */
int meta_graph(sim *s, sim_req *r, sim_resp *out, int ig_host)
{
    meta_ctx g;
    memset(&g, 0, sizeof g);
    g.s = s;
    g.r = r;
    g.out = out;
    g.ig_host = ig_host;
    g.tplatform = ig_host ? "instagram" : "facebook";
    g.cache = json_object();
    g.scopes = json_array();
    int skip = version_prefix(r->path, g.version, sizeof g.version);
    snprintf(g.path, sizeof g.path, "%s", r->path + skip);

    /* Split /id/edge/rest. */
    char id[128] = "", edge[128] = "", rest[600] = "";
    const char *p = g.path;
    if (*p == '/')
        p++;
    size_t n = strcspn(p, "/");
    snprintf(id, sizeof id, "%.*s", (int)(n < 127 ? n : 127), p);
    p += n;
    if (*p == '/') {
        p++;
        n = strcspn(p, "/");
        snprintf(edge, sizeof edge, "%.*s", (int)(n < 127 ? n : 127), p);
        p += n;
        if (*p == '/')
            snprintf(rest, sizeof rest, "%s", p + 1);
    }
    const char *m = r->method;
    int get = strcmp(m, "GET") == 0;

    /* The "CDN" pictures, /{id}/picture: no token, as on the real hosts. */
    if (get && strcmp(id, "sim-cdn") == 0 && edge[0]) {
        char pid[128];
        snprintf(pid, sizeof pid, "%.*s", (int)strcspn(edge, "."), edge);
        serve_picture(out, pid);
        json_decref(g.cache);
        json_decref(g.scopes);
        return 0;
    }
    if (!ig_host && get && strcmp(edge, "picture") == 0 && rest[0] == '\0' &&
        (page_of(id) != NULL || strcmp(id, META_USER_ID) == 0)) {
        char url[600];
        meta_picture_url(&g, id, url, sizeof url);
        const char *redir = sim_query(r, "redirect");
        if (redir != NULL && !truthy(redir, 1))
            sim_reply_json(out, 200,
                           json_pack("{s:{s:i, s:b, s:s, s:i}}", "data", "height", 200,
                                     "is_silhouette", 0, "url", url, "width", 200));
        else
            sim_redirect(out, url);
        json_decref(g.cache);
        json_decref(g.scopes);
        return 0;
    }

    sim_lock(s);
    const char *buc = NULL;
    if (!ig_host && strcmp(g.path, "/oauth/access_token") == 0 && (get || strcmp(m, "POST") == 0)) {
        oauth_access_token(&g);
    } else if (!ig_host && strcmp(g.path, "/debug_token") == 0 && get) {
        debug_token(&g);
    } else if (id[0] == '\0') {
        meta_error(out, 400, method_type(&g), 100, 0,
                   "Unsupported get request. Please read the Graph API documentation at "
                   "https://developers.facebook.com/docs/graph-api",
                   NULL, NULL);
    } else if (meta_auth(&g) == 0) {
        promote_scheduled(&g);
        if (strcmp(g.tkind, "page") == 0)
            buc = g.subject;
        const char *target = id;
        if (strcmp(id, "me") == 0)
            target = g.subject;
        const fb_page *pg = ig_host ? NULL : page_of(target);
        json_t *post = NULL, *obj = NULL;
        if (ig_host) {
            if (!meta_ig_route(&g, target, edge[0] ? edge : NULL))
                meta_unsupported(&g, id);
        } else if (strcmp(target, META_USER_ID) == 0 && strcmp(g.tkind, "user") == 0) {
            if (rest[0] && strcmp(edge, "permissions") != 0)
                unknown_path(&g, rest);
            else if (edge[0] == '\0' && get)
                meta_reply_node(&g, user_node(&g), "User", user_defaults);
            else if (strcmp(edge, "accounts") == 0 && get)
                me_accounts(&g);
            else if (strcmp(edge, "businesses") == 0 && get)
                meta_reply_list(&g, json_array(), "Business", user_defaults); /* none */
            else if (strcmp(edge, "permissions") == 0)
                me_permissions(&g, rest[0] ? rest : NULL);
            else if (edge[0] == '\0')
                meta_unsupported(&g, id);
            else
                unknown_path(&g, edge);
        } else if (strcmp(target, META_USER_ID) == 0) {
            meta_unsupported(&g, id);
        } else if (pg != NULL) {
            page_route(&g, pg, edge[0] ? edge : NULL, rest[0] ? rest : NULL);
        } else if ((post = find_fb_post(&g, target)) != NULL) {
            if (rest[0])
                unknown_path(&g, rest);
            else
                post_route(&g, post, target, edge[0] ? edge : NULL);
        } else if ((obj = json_object_get(meta_objects(s), target)) != NULL &&
                   (strcmp(json_string_value(json_object_get(obj, "type")), "photo") == 0 ||
                    strcmp(json_string_value(json_object_get(obj, "type")), "video") == 0)) {
            object_route(&g, obj, target, edge[0] ? edge : NULL);
        } else if (!meta_ig_route(&g, target, edge[0] ? edge : NULL)) {
            meta_unsupported(&g, id);
        }
    }
    usage_headers(&g, buc);
    sim_unlock(s);
    json_decref(g.cache);
    json_decref(g.scopes);
    return 0;
}

/* ---- rupload.facebook.com ---- */

static void rupload_error(sim_resp *out, int status, const char *type, const char *message)
{
    sim_reply_json(out, status,
                   json_pack("{s:{s:b, s:s, s:s}}", "debug_info", "retriable", 0, "type", type,
                             "message", message));
}

static int rupload(sim *s, sim_req *r, sim_resp *out)
{
    char caps[2][128];
    int video = sim_path(r, "/video-upload/*/*", caps, 2);
    int ig = !video && sim_path(r, "/ig-api-upload/*/*", caps, 2);
    if (!video && !ig)
        return -1;
    if (strcmp(r->method, "POST") != 0) {
        rupload_error(out, 405, "ProcessingFailedError", "Method not allowed");
        return 0;
    }
    const char *auth = sim_header(r, "Authorization");
    const char *token = NULL;
    if (auth != NULL && strncasecmp(auth, "OAuth ", 6) == 0)
        token = auth + 6;
    else if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0)
        token = auth + 7;
    const char *file_url = sim_header(r, "file_url");
    const char *id = caps[1];
    if (ig) {
        char why[400] = "";
        if (meta_ig_upload(s, id, token, r->body, r->body_len, file_url, why, sizeof why) != 0)
            rupload_error(out, 400, "ProcessingFailedError", why);
        else
            sim_reply_json(out, 200,
                           json_pack("{s:b, s:s}", "success", 1, "message", "Upload successful."));
        return 0;
    }
    sim_lock(s);
    json_t *rec = NULL;
    sim_tok st = meta_check(s, "facebook", token, &rec);
    json_t *o = json_object_get(meta_objects(s), id);
    int ok = st == TOK_OK && o != NULL &&
             strcmp(json_string_value(json_object_get(o, "type")), "video") == 0 &&
             strcmp(json_string_value(json_object_get(rec, "kind")), "page") == 0 &&
             strcmp(json_string_value(json_object_get(rec, "subject")),
                    json_string_value(json_object_get(o, "page"))) == 0;
    int already = ok && json_is_true(json_object_get(o, "uploaded"));
    sim_unlock(s);
    if (st != TOK_OK) {
        rupload_error(out, 401, "AuthError", "Invalid OAuth access token.");
        return 0;
    }
    if (!ok) {
        rupload_error(out, 400, "ProcessingFailedError", "Unknown video id for this Page token.");
        return 0;
    }
    if (already) {
        rupload_error(out, 400, "ProcessingFailedError", "The video was already uploaded.");
        return 0;
    }
    char mid[96], why[400] = "";
    meta_media mm;
    memset(&mm, 0, sizeof mm);
    if (file_url != NULL && *file_url) {
        if (meta_fetch(s, file_url, mid, sizeof mid, why, sizeof why) != 0) {
            rupload_error(out, 400, "ProcessingFailedError", why);
            return 0;
        }
    } else {
        const char *fs = sim_header(r, "file_size");
        const char *off = sim_header(r, "offset");
        if (r->body_len == 0 || (fs != NULL && strtoull(fs, NULL, 10) != r->body_len) ||
            (off != NULL && strtoull(off, NULL, 10) != 0)) {
            rupload_error(out, 400, "ProcessingFailedError",
                          "Send the whole file with offset: 0 and file_size: its length, or "
                          "a file_url header.");
            return 0;
        }
        sim_store_media(s, r->body, r->body_len, "application/octet-stream", mid, sizeof mid);
    }
    meta_sniff(s, mid, &mm);
    if (!mm.is_video) {
        rupload_error(out, 400, "ProcessingFailedError",
                      "The file is not a video in a supported format (MP4 or MOV).");
        return 0;
    }
    sim_lock(s);
    o = json_object_get(meta_objects(s), id);
    if (o != NULL) {
        json_object_set_new(o, "media", json_string(mid));
        json_object_set_new(o, "size", json_integer((json_int_t)mm.size));
        json_object_set_new(o, "uploaded", json_true());
    }
    sim_unlock(s);
    sim_reply_json(out, 200, json_pack("{s:b}", "success", 1));
    return 0;
}

/* ---- the module ---- */

static int handle(sim *s, sim_req *r, sim_resp *out)
{
    if (strcmp(r->prefix, "/facebook/www") == 0)
        return dialog(s, r, out);
    if (strcmp(r->prefix, "/facebook/rupload") == 0)
        return rupload(s, r, out);
    return meta_graph(s, r, out, 0);
}

void meta_core_error(sim_resp *out, int status, const char *kind, int ig_host)
{
    if (strcmp(kind, "rate_limited") == 0) {
        meta_error(out, status, "OAuthException", 4, 0, "(#4) Application request limit reached",
                   NULL, NULL);
        sim_add_header(out, "X-App-Usage",
                       "{\"call_count\":100,\"total_cputime\":25,\"total_time\":25}");
    } else if (strcmp(kind, "not_found") == 0) {
        meta_error(out, status, ig_host ? "IGApiException" : "GraphMethodException", 100, 0,
                   "Unsupported get request. Please read the Graph API documentation at "
                   "https://developers.facebook.com/docs/graph-api",
                   NULL, NULL);
    } else if (status == 503 || status == 502 || status == 504) {
        meta_error(out, status, "OAuthException", 2, 0,
                   "An unexpected error has occurred. Please retry your request later.", NULL,
                   NULL);
    } else {
        meta_error(out, status, "OAuthException", 1, 99, "An unknown error occurred", NULL, NULL);
    }
}

static void error(sim_resp *out, int status, const char *kind, const char *message)
{
    (void)message;
    meta_core_error(out, status, kind, 0);
}

const sim_module sim_facebook = {
    "facebook", {"/facebook/www", "/facebook/graph", "/facebook/rupload", NULL}, handle, error};
