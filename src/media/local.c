/*
 * local.c - the local media store: one file per key under P2S_MEDIA_DIR.
 *
 * Every path is walked from a descriptor of the media directory with
 * openat(O_NOFOLLOW), so a link placed inside the store is never followed.
 * Directories are made 0700 and files 0600.  An object appears whole or not
 * at all: the staged file is renamed into place when it is on the same
 * filesystem, else copied to a temporary name beside the target, synced and
 * renamed.  Reads use pread, so one open file serves any range.
 */
#define _POSIX_C_SOURCE 200809L
#include "media/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_BUF   (128u * 1024)
#define TMP_PREFIX ".tmp-"

typedef struct local_store {
    media_store base;
    int dirfd;      /* the media directory */
    int force_copy; /* test hook: never rename the staged file */
} local_store;

typedef struct local_reader {
    media_reader base;
    int fd;
    uint64_t pos, end; /* next byte to read, one past the last */
} local_reader;

static local_store *as_local(media_store *s)
{
    return (local_store *)s;
}

/* mkdir -p with mode 0700 for the parts that are missing. */
static int make_dirs(const char *path)
{
    char buf[CFG_PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        buf[i] = saved;
    }
    return 0;
}

/*
 * Open the directory that holds key's file (making missing directories when
 * create is set) and point *leaf at the file name inside key.  Returns an
 * owned descriptor, or -1 with errno.
 */
static int walk(local_store *ls, const char *key, int create, const char **leaf)
{
    int fd = fcntl(ls->dirfd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const char *p = key;
    const char *slash;
    while ((slash = strchr(p, '/')) != NULL) {
        char seg[MEDIA_KEY_MAX + 1];
        size_t n = (size_t)(slash - p);
        memcpy(seg, p, n);
        seg[n] = '\0';
        int next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && create) {
            if (mkdirat(fd, seg, 0700) != 0 && errno != EEXIST) {
                int e = errno;
                close(fd);
                errno = e;
                return -1;
            }
            next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        int e = errno;
        close(fd);
        if (next < 0) {
            errno = e;
            return -1;
        }
        fd = next;
        p = slash + 1;
    }
    *leaf = p;
    return fd;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copy src (size bytes) to a temporary file in dir, sync it and rename it to leaf. */
static app_err copy_into(int dir, const char *leaf, int src, uint64_t size)
{
    unsigned char rnd[8];
    char hex[sizeof rnd * 2 + 1];
    char tmp[sizeof TMP_PREFIX + sizeof hex];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(tmp, sizeof tmp, "%s%s", TMP_PREFIX, hex);

    unsigned char *buf = malloc(COPY_BUF);
    if (buf == NULL)
        return APP_ENOMEM;
    int out = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        free(buf);
        return APP_EIO;
    }
    app_err rc = APP_OK;
    uint64_t done = 0;
    while (rc == APP_OK) {
        ssize_t r = pread(src, buf, COPY_BUF, (off_t)done);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = APP_EIO;
        } else if (r == 0) {
            break;
        } else if (write_all(out, buf, (size_t)r) != 0) {
            rc = APP_EIO;
        } else {
            done += (uint64_t)r;
        }
    }
    free(buf);
    if (rc == APP_OK && done != size)
        rc = APP_EIO; /* the staged file changed under us */
    if (rc == APP_OK && fsync(out) != 0)
        rc = APP_EIO;
    if (close(out) != 0 && rc == APP_OK)
        rc = APP_EIO;
    if (rc == APP_OK && renameat(dir, tmp, dir, leaf) != 0)
        rc = APP_EIO;
    if (rc != APP_OK)
        unlinkat(dir, tmp, 0);
    return rc;
}

static app_err local_put(media_store *s, const char *key, const char *local_path,
                         const char *content_type, const char *sha256_hex, uint64_t size)
{
    (void)content_type;
    (void)sha256_hex;
    local_store *ls = as_local(s);
    int src = open(local_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (src < 0)
        return errno == ENOENT ? APP_ENOTFOUND : APP_EIO;
    struct stat st;
    if (fstat(src, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(src);
        return APP_EIO;
    }
    if ((uint64_t)st.st_size != size) {
        close(src);
        return APP_EINVAL;
    }
    const char *leaf = NULL;
    int dir = walk(ls, key, 1, &leaf);
    if (dir < 0) {
        close(src);
        return APP_EIO;
    }
    app_err rc = APP_OK;
    /* A staged file we cannot make private or durable is copied instead. */
    int can_move = !ls->force_copy && fchmod(src, 0600) == 0 && fsync(src) == 0;
    if (can_move && renameat(AT_FDCWD, local_path, dir, leaf) == 0) {
        /* moved */
    } else if (!can_move || errno == EXDEV) {
        rc = copy_into(dir, leaf, src, size);
        if (rc == APP_OK && unlink(local_path) != 0 && errno != ENOENT)
            rc = APP_EIO;
    } else {
        rc = APP_EIO;
    }
    if (rc == APP_OK && fsync(dir) != 0)
        rc = APP_EIO;
    close(dir);
    close(src);
    return rc;
}

static ssize_t local_read(media_reader *r, void *buf, size_t n)
{
    local_reader *lr = (local_reader *)r;
    if (lr->pos >= lr->end)
        return 0;
    uint64_t left = lr->end - lr->pos;
    if ((uint64_t)n > left)
        n = (size_t)left;
    for (;;) {
        ssize_t got = pread(lr->fd, buf, n, (off_t)lr->pos);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            lr->end = lr->pos; /* the file got shorter: its end is the end */
        lr->pos += (uint64_t)got;
        return got;
    }
}

static void local_reader_close(media_reader *r)
{
    local_reader *lr = (local_reader *)r;
    close(lr->fd);
    free(lr);
}

static app_err local_open_read(media_store *s, const char *key, uint64_t offset, uint64_t length,
                               media_reader **out)
{
    const char *leaf = NULL;
    int dir = walk(as_local(s), key, 0, &leaf);
    if (dir < 0)
        return errno == ENOENT || errno == ENOTDIR ? APP_ENOTFOUND : APP_EIO;
    int fd = openat(dir, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    close(dir);
    if (fd < 0)
        return e == ENOENT ? APP_ENOTFOUND : APP_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return APP_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return APP_ENOTFOUND;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (offset > 0 && offset >= size) {
        close(fd);
        return APP_EINVAL;
    }
    local_reader *lr = calloc(1, sizeof *lr);
    if (lr == NULL) {
        close(fd);
        return APP_ENOMEM;
    }
    lr->base.read = local_read;
    lr->base.close = local_reader_close;
    lr->fd = fd;
    lr->pos = offset;
    lr->end = (length == 0 || length > size - offset) ? size : offset + length;
    *out = &lr->base;
    return APP_OK;
}

static app_err local_delete(media_store *s, const char *key)
{
    const char *leaf = NULL;
    int dir = walk(as_local(s), key, 0, &leaf);
    if (dir < 0)
        return errno == ENOENT || errno == ENOTDIR ? APP_OK : APP_EIO;
    app_err rc = APP_OK;
    if (unlinkat(dir, leaf, 0) != 0)
        rc = errno == ENOENT ? APP_OK : APP_EIO;
    else if (fsync(dir) != 0)
        rc = APP_EIO;
    close(dir);
    return rc;
}

static void local_close(media_store *s)
{
    local_store *ls = as_local(s);
    close(ls->dirfd);
    free(ls);
}

static const media_backend local_backend = {
    .kind = "local",
    .put_file = local_put,
    .open_read = local_open_read,
    .del = local_delete,
    .close = local_close,
};

app_err media_local_open(const config *cfg, media_store **out, char *err, size_t errlen)
{
    const char *dir = cfg->media_dir;
    if (dir[0] == '\0') {
        snprintf(err, errlen, "P2S_MEDIA_DIR (--media-dir): not set");
        return APP_EINVAL;
    }
    if (make_dirs(dir) != 0) {
        snprintf(err, errlen, "P2S_MEDIA_DIR (--media-dir): cannot create %s: %s", dir,
                 strerror(errno));
        return APP_EIO;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "P2S_MEDIA_DIR (--media-dir): cannot open %s: %s", dir,
                 strerror(errno));
        return APP_EIO;
    }
    local_store *ls = calloc(1, sizeof *ls);
    if (ls == NULL) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return APP_ENOMEM;
    }
    ls->base.ops = &local_backend;
    ls->dirfd = fd;
    *out = &ls->base;
    return APP_OK;
}

void media_local_force_copy(media_store *s, int on)
{
    if (s != NULL && s->ops == &local_backend)
        as_local(s)->force_copy = on;
}
