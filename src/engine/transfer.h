/*
 * transfer.h - one HTTP exchange of the publishing executor on libcurl: a
 * pub_request (platform/publish.h) turned into an easy handle - an
 * ordinary body, a media range streamed from storage, or a multipart form
 * with a streamed part - and the answer's body and headers kept for the
 * adapter to read.  The executor adds the handle to its multi and owns the
 * loop; nothing here blocks except media reads.
 */
#ifndef P2S_ENGINE_TRANSFER_H
#define P2S_ENGINE_TRANSFER_H

#include "media/storage.h"
#include "platform/publish.h"

#include <curl/curl.h>

typedef struct xfer_buf {
    char *p;
    size_t len, cap;
} xfer_buf;

typedef struct transfer {
    CURL *easy;
    struct curl_slist *hdrs;
    curl_mime *mime;
    media_reader *reader; /* the range being streamed, or NULL */
    int64_t to_send;      /* its bytes not yet sent */
    xfer_buf body;        /* the answer's body (cut at 8 MiB) */
    xfer_buf heads;       /* its headers, "Name: value" each NUL-terminated */
} transfer;

/*
 * Build the easy handle for q.  For a streamed body or part, m is the media
 * item the range is of and key where its bytes are in ms.  user is stored as
 * CURLOPT_PRIVATE.  0, or -1 with a message for people in why.
 */
int transfer_setup(transfer *t, const pub_request *q, media_store *ms, const pub_media *m,
                   const char *key, void *user, char *why, size_t whylen);

/* The answer as an adapter reads it (valid until transfer_clear). */
plat_response transfer_response(const transfer *t, int status);

/* Free the handle and everything else (the handle must be out of any multi). */
void transfer_clear(transfer *t);

#endif
