/* router.c - match a method and path against the route table. */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

/* Length of the segment starting at s (up to '/' or end). */
static size_t seglen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0' && s[n] != '/')
        n++;
    return n;
}

/* Match path against pattern, capturing parameters into m.  1 on match. */
static int match_path(const char *pattern, const char *path, route_match *m)
{
    const char *p = pattern;
    const char *q = path;
    int np = 0;
    while (*p == '/' && *q == '/') {
        p++;
        q++;
        size_t pl = seglen(p);
        size_t ql = seglen(q);
        if (pl >= 2 && p[0] == '{' && p[pl - 1] == '}') {
            if (ql == 0 || ql >= ROUTER_MAX_PARAM_LEN || np >= ROUTER_MAX_PARAMS)
                return 0;
            m->names[np] = p + 1;
            m->namelens[np] = pl - 2;
            memcpy(m->values[np], q, ql);
            m->values[np][ql] = '\0';
            np++;
        } else if (pl != ql || memcmp(p, q, pl) != 0) {
            return 0;
        }
        p += pl;
        q += ql;
    }
    if (*p != '\0' || *q != '\0')
        return 0;
    m->nparams = np;
    return 1;
}

/* Add method to the comma-separated allow list if it is not there yet. */
static void allow_add(char *allow, size_t cap, const char *method)
{
    size_t ml = strlen(method);
    const char *s = allow;
    while (*s) {
        size_t l = strcspn(s, ",");
        if (l == ml && memcmp(s, method, ml) == 0)
            return;
        s += l;
        while (*s == ',' || *s == ' ')
            s++;
    }
    size_t used = strlen(allow);
    snprintf(allow + used, cap - used, "%s%s", used ? ", " : "", method);
}

router_result router_match(const route *table, size_t n, const char *method, const char *path,
                           route_match *m)
{
    memset(m, 0, sizeof *m);
    int path_seen = 0;
    int is_head = strcmp(method, "HEAD") == 0;
    route_match tmp;
    for (size_t i = 0; i < n; i++) {
        memset(&tmp, 0, sizeof tmp);
        if (!match_path(table[i].pattern, path, &tmp))
            continue;
        path_seen = 1;
        allow_add(m->allow, sizeof m->allow, table[i].method);
        if (strcmp(table[i].method, "GET") == 0)
            allow_add(m->allow, sizeof m->allow, "HEAD");
        if (m->route == NULL && (strcmp(table[i].method, method) == 0 ||
                                 (is_head && strcmp(table[i].method, "GET") == 0))) {
            char allow[sizeof m->allow];
            memcpy(allow, m->allow, sizeof allow);
            *m = tmp;
            memcpy(m->allow, allow, sizeof allow);
            m->route = &table[i];
        }
    }
    if (m->route != NULL)
        return ROUTER_FOUND;
    return path_seen ? ROUTER_BAD_METHOD : ROUTER_NO_PATH;
}

const char *router_param(const route_match *m, const char *name)
{
    size_t nl = strlen(name);
    for (int i = 0; i < m->nparams; i++)
        if (m->namelens[i] == nl && memcmp(m->names[i], name, nl) == 0)
            return m->values[i];
    return NULL;
}

/*
 * Count the parameters of a pattern: -1 unless every segment is either
 * literal text without braces or a whole "{name}" with a name free of
 * braces.
 */
static int pattern_params(const char *pattern)
{
    int params = 0;
    const char *s = pattern;
    while (*s == '/') {
        s++;
        size_t l = seglen(s);
        size_t braces = 0;
        for (size_t k = 0; k < l; k++)
            braces += s[k] == '{' || s[k] == '}';
        if (braces != 0) {
            if (braces != 2 || l < 3 || s[0] != '{' || s[l - 1] != '}')
                return -1;
            params++;
        }
        s += l;
    }
    return *s == '\0' ? params : -1;
}

/* 1 if patterns a and b match the same paths (parameter names aside). */
static int same_shape(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        if (*a == '{' && *b == '{') {
            a = strchr(a, '}') + 1;
            b = strchr(b, '}') + 1;
        } else if (*a++ != *b++) {
            return 0;
        }
    }
    return *a == '\0' && *b == '\0';
}

int router_check_table(const route *table, size_t n, char *err, size_t errlen)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    for (size_t i = 0; i < n; i++) {
        const route *r = &table[i];
        int ok = 0;
        for (size_t k = 0; k < sizeof methods / sizeof methods[0]; k++)
            ok |= strcmp(r->method, methods[k]) == 0;
        if (!ok || r->pattern[0] != '/' || r->handler == NULL) {
            snprintf(err, errlen, "route %zu (%s %s) is malformed", i, r->method, r->pattern);
            return -1;
        }
        int params = pattern_params(r->pattern);
        if (params < 0) {
            snprintf(err, errlen, "route %s %s: bad parameter", r->method, r->pattern);
            return -1;
        }
        if (params > ROUTER_MAX_PARAMS) {
            snprintf(err, errlen, "route %s %s: too many parameters", r->method, r->pattern);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(table[j].method, r->method) == 0 &&
                same_shape(table[j].pattern, r->pattern)) {
                snprintf(err, errlen, "route %s %s is declared twice (as %s)", r->method,
                         r->pattern, table[j].pattern);
                return -1;
            }
        }
    }
    return 0;
}
