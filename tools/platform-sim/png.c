/* png.c - a minimal PNG encoder (8-bit RGB, one IDAT, zlib), for generated images. */
#include "sim.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Write one chunk (length, type, data, CRC) at *o. */
static void chunk(unsigned char *buf, size_t *o, const char *type, const unsigned char *data,
                  size_t len)
{
    put32(buf + *o, (uint32_t)len);
    memcpy(buf + *o + 4, type, 4);
    if (len > 0)
        memcpy(buf + *o + 8, data, len);
    uLong crc = crc32(0L, (const Bytef *)(buf + *o + 4), (uInt)(len + 4));
    put32(buf + *o + 8 + len, (uint32_t)crc);
    *o += 12 + len;
}

int sim_png(const unsigned char *rgb, int w, int h, unsigned char **out, size_t *outlen)
{
    size_t row = (size_t)w * 3 + 1;
    size_t rawlen = row * (size_t)h;
    unsigned char *raw = malloc(rawlen);
    if (raw == NULL)
        return -1;
    for (int y = 0; y < h; y++) {
        raw[(size_t)y * row] = 0; /* filter: none */
        memcpy(raw + (size_t)y * row + 1, rgb + (size_t)y * (size_t)w * 3, (size_t)w * 3);
    }
    uLongf zlen = compressBound((uLong)rawlen);
    unsigned char *z = malloc(zlen);
    if (z == NULL || compress2(z, &zlen, raw, (uLong)rawlen, 6) != Z_OK) {
        free(raw);
        free(z);
        return -1;
    }
    free(raw);
    size_t total = 8 + (12 + 13) + (12 + zlen) + 12;
    unsigned char *buf = malloc(total);
    if (buf == NULL) {
        free(z);
        return -1;
    }
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(buf, sig, 8);
    size_t o = 8;
    unsigned char ihdr[13];
    put32(ihdr, (uint32_t)w);
    put32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* colour type: RGB */
    ihdr[10] = 0; /* compression */
    ihdr[11] = 0; /* filter */
    ihdr[12] = 0; /* interlace */
    chunk(buf, &o, "IHDR", ihdr, 13);
    chunk(buf, &o, "IDAT", z, zlen);
    chunk(buf, &o, "IEND", NULL, 0);
    free(z);
    *out = buf;
    *outlen = o;
    return 0;
}
