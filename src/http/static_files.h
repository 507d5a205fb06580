/*
 * static_files.h - serve the built web app (web/dist).
 *
 * Content types by extension, ETag and 304, a year's cache for hashed
 * assets under /assets/, precompressed .gz siblings when the client takes
 * gzip, index.html for client-side routes (paths without an extension), and
 * 404 for anything that tries to leave the folder or names a hidden file.
 */
#ifndef P2S_HTTP_STATIC_FILES_H
#define P2S_HTTP_STATIC_FILES_H

#include "http/http.h"

/* Answer a GET or HEAD for req->path from app->web_root. */
void static_serve(http_req *req);

/* Content type for a file name by its extension ("application/octet-stream" if unknown). */
const char *static_content_type(const char *name);

/* 1 if the decoded path is safe to join to the web root (no "..", ".", hidden names, backslash). */
int static_path_safe(const char *path);

#endif
