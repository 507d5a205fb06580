/*
 * links.h - signed, expiring public links to media items, for platforms
 * that fetch media by URL (Instagram, Facebook):
 *   {public_url}/media/public/WS.ID.EXPIRES.MAC
 * where MAC is an HMAC-SHA256 under the master key of
 * "p2s-media-url:WS:ID:EXPIRES" (URL-safe base64).  Unguessable, expiring,
 * checked under every key version held, so a key rotation does not break
 * links handed out before it (api/media.c serves them).
 */
#ifndef P2S_MEDIA_LINKS_H
#define P2S_MEDIA_LINKS_H

#include <stddef.h>
#include <stdint.h>

struct keyring;

/* The MAC of a link under one key (KEY_BYTES long) into out (64 bytes is enough). */
void media_link_mac(const unsigned char *key, int64_t ws, int64_t id, int64_t exp_s, char *out,
                    size_t outlen);

/* A link to item id of workspace ws valid until exp_s (Unix seconds), under the current key. */
void media_public_link(struct keyring *keys, const char *public_url, int64_t ws, int64_t id,
                       int64_t exp_s, char *url, size_t urllen);

#endif
