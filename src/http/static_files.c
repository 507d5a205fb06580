/* static_files.c - the web app's files: types, ETags, caching, gzip siblings, SPA fallback. */
#define _GNU_SOURCE
#include "http/static_files.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"webmanifest", "application/manifest+json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"txt", "text/plain; charset=utf-8"},
    {"xml", "application/xml"},
};

const char *static_content_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash != NULL ? slash : name, '.');
    if (dot != NULL) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    }
    return "application/octet-stream";
}

int static_path_safe(const char *path)
{
    if (path[0] != '/' || strchr(path, '\\') != NULL)
        return 0;
    const char *s = path;
    while (*s) {
        while (*s == '/')
            s++;
        size_t n = strcspn(s, "/");
        if (n > 0 && s[0] == '.') /* ".", "..", and hidden files */
            return 0;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20)
                return 0;
        s += n;
    }
    return 1;
}

/* 1 if the last segment of path has a dot (looks like a file, not a client route). */
static int has_extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    return strchr(slash != NULL ? slash : path, '.') != NULL;
}

/* 1 if the If-None-Match header lists etag (or *). */
static int etag_matches(const char *inm, const char *etag)
{
    if (inm == NULL)
        return 0;
    if (strcmp(inm, "*") == 0)
        return 1;
    size_t el = strlen(etag);
    for (const char *p = inm; (p = strstr(p, etag)) != NULL; p += el) {
        char after = p[el];
        if (after == '\0' || after == ',' || after == ' ')
            return 1;
    }
    return 0;
}

/* 1 if Accept-Encoding lists gzip with a non-zero q value. */
static int accepts_gzip(const char *ae)
{
    if (ae == NULL)
        return 0;
    const char *p = ae;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t name = strcspn(p, ";, ");
        if (name == 4 && strncasecmp(p, "gzip", 4) == 0) {
            const char *q = strstr(p, "q=");
            if (q == NULL || q >= p + n)
                return 1;
            return strtod(q + 2, NULL) > 0.0;
        }
        p += n;
    }
    return 0;
}

/* Open root+rel if it is a regular file inside root.  fd or -1. */
static int open_inside(const char *root, const char *rel, struct stat *st)
{
    char full[PATH_MAX];
    int w = snprintf(full, sizeof full, "%s%s", root, rel);
    if (w < 0 || (size_t)w >= sizeof full)
        return -1;
    char real[PATH_MAX];
    if (realpath(full, real) == NULL)
        return -1;
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || real[rl] != '/')
        return -1;
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

static void not_found(http_req *req)
{
    http_reply_error(req, 404, "not_found", "no such file", NULL);
}

void static_serve(http_req *req)
{
    const char *root = req->app->web_root;
    if (root[0] == '\0') {
        http_reply_error(req, 503, "web_app_missing",
                         "the web app is not built (run make, or set P2S_WEB_DIR)", NULL);
        return;
    }
    if (!static_path_safe(req->path)) {
        not_found(req);
        return;
    }
    char rel[sizeof req->path + 16];
    size_t pl = strlen(req->path);
    if (pl == 0 || req->path[pl - 1] == '/')
        snprintf(rel, sizeof rel, "%sindex.html", req->path);
    else
        snprintf(rel, sizeof rel, "%s", req->path);

    struct stat st;
    int fd = open_inside(root, rel, &st);
    int spa = 0;
    if (fd < 0) {
        if (has_extension(req->path)) {
            not_found(req);
            return;
        }
        spa = 1; /* a client-side route: the app's index.html answers it */
        snprintf(rel, sizeof rel, "/index.html");
        fd = open_inside(root, rel, &st);
        if (fd < 0) {
            not_found(req);
            return;
        }
    }
    const char *type = static_content_type(rel);
    char etag[80];
    snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"", (uint64_t)st.st_ino,
             (uint64_t)st.st_size,
             (uint64_t)st.st_mtim.tv_sec * UINT64_C(1000000000) + (uint64_t)st.st_mtim.tv_nsec);
    const char *cache = (!spa && strncmp(rel, "/assets/", 8) == 0)
                            ? "public, max-age=31536000, immutable"
                            : "no-cache";

    if (etag_matches(http_header(req, MHD_HTTP_HEADER_IF_NONE_MATCH), etag)) {
        close(fd);
        struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return;
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
        http_reply_raw(req, 304, r, 0);
        return;
    }

    /* A precompressed sibling (file.gz, made at build time) if the client takes gzip. */
    int gz = 0;
    if (accepts_gzip(http_header(req, MHD_HTTP_HEADER_ACCEPT_ENCODING))) {
        char grel[sizeof rel + 4];
        snprintf(grel, sizeof grel, "%s.gz", rel);
        struct stat gst;
        int gfd = open_inside(root, grel, &gst);
        if (gfd >= 0 && gst.st_mtim.tv_sec >= st.st_mtim.tv_sec) {
            close(fd);
            fd = gfd;
            st = gst;
            gz = 1;
        } else if (gfd >= 0) {
            close(gfd);
        }
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (r == NULL) {
        close(fd);
        http_reply_error(req, 500, "internal_error", "cannot read file", NULL);
        return;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (gz)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    http_reply_raw(req, 200, r, (uint64_t)st.st_size);
}
