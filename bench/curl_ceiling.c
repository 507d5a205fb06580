/*
 * curl_ceiling.c - the ceiling for bench/publish.mjs: a plain libcurl multi
 * loop that sends a list of HTTP requests as fast as the concurrency limits
 * allow, with nothing else (no store, no adapters), and reports requests per
 * second.
 *
 *   curl_ceiling [--inflight N] [--per-account N] [--per-platform N] [--fresh-connect] FILE
 *
 * FILE holds one request per line, as JSON:
 *   {"method":"POST", "url":"...", "headers":["Name: value", ...], "body":"...",
 *    "account":"any key", "platform":"facebook"}
 * Requests go out in file order, with the publishing worker's limits: at most
 * --inflight at once, --per-account per account key and --per-platform per
 * platform in flight, and CURLMOPT_MAX_HOST_CONNECTIONS set to --per-platform
 * (as src/engine/executor.c sets it).  Every request gets its own easy handle
 * with the worker's options (transfer.c); connections are reused through the
 * multi handle, unless --fresh-connect: then every request opens its own
 * connection, as the worker does for a create step (CURLOPT_FRESH_CONNECT).
 *
 * Prints one JSON object: {"requests","ok","failed","seconds","per_second",
 * "done_ms":{"p50","p99","max"},"request_ms":{...}} where done_ms is the time
 * from the first request's start to each answer (the ceiling's own
 * "lateness") and request_ms from a request's start (its handle added to the
 * multi handle) to its answer.
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct req {
    char *method, *url, *body;
    struct curl_slist *hdrs;
    int account, platform; /* indices into the key tables */
    int next;              /* next request of the same account, -1 none */
    long status;
    int64_t start_us, done_us;
} req;

typedef struct key_table {
    char **keys;
    int n, cap;
} key_table;

static int key_index(key_table *t, const char *k)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->keys[i], k) == 0)
            return i;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->keys = realloc(t->keys, (size_t)t->cap * sizeof *t->keys);
        if (t->keys == NULL)
            abort();
    }
    t->keys[t->n] = strdup(k);
    return t->n++;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void usage(void)
{
    fprintf(stderr, "usage: curl_ceiling [--inflight N] [--per-account N] [--per-platform N] "
                    "[--fresh-connect] FILE\n");
    exit(2);
}

int main(int argc, char **argv)
{
    long inflight = 256, per_account = 4, per_platform = 128, fresh = 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--inflight") == 0 && i + 1 < argc)
            inflight = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--per-account") == 0 && i + 1 < argc)
            per_account = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--per-platform") == 0 && i + 1 < argc)
            per_platform = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--fresh-connect") == 0)
            fresh = 1;
        else if (argv[i][0] == '-' || file != NULL)
            usage();
        else
            file = argv[i];
    }
    if (file == NULL || inflight < 1 || per_account < 1 || per_platform < 1)
        usage();

    /* ---- read the requests ---- */
    FILE *f = fopen(file, "r");
    if (f == NULL) {
        perror(file);
        return 1;
    }
    req *reqs = NULL;
    int n = 0, cap = 0;
    key_table accounts = {0}, platforms = {0};
    char *line = NULL;
    size_t linecap = 0;
    while (getline(&line, &linecap, f) > 0) {
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        json_error_t err;
        json_t *j = json_loads(line, 0, &err);
        if (!json_is_object(j)) {
            fprintf(stderr, "%s: line %d: %s\n", file, n + 1, err.text);
            return 1;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            reqs = realloc(reqs, (size_t)cap * sizeof *reqs);
            if (reqs == NULL)
                abort();
        }
        req *r = &reqs[n++];
        memset(r, 0, sizeof *r);
        const char *m = json_string_value(json_object_get(j, "method"));
        const char *u = json_string_value(json_object_get(j, "url"));
        const char *b = json_string_value(json_object_get(j, "body"));
        const char *a = json_string_value(json_object_get(j, "account"));
        const char *p = json_string_value(json_object_get(j, "platform"));
        if (m == NULL || u == NULL) {
            fprintf(stderr, "%s: line %d: method and url are needed\n", file, n);
            return 1;
        }
        r->method = strdup(m);
        r->url = strdup(u);
        r->body = b != NULL ? strdup(b) : NULL;
        size_t k;
        json_t *h;
        json_array_foreach(json_object_get(j, "headers"), k, h) r->hdrs =
            curl_slist_append(r->hdrs, json_string_value(h));
        r->hdrs = curl_slist_append(r->hdrs, "Expect:"); /* as the worker does */
        r->account = key_index(&accounts, a != NULL ? a : "");
        r->platform = key_index(&platforms, p != NULL ? p : "");
        r->next = -1;
        json_decref(j);
    }
    free(line);
    fclose(f);
    if (n == 0) {
        fprintf(stderr, "%s: no requests\n", file);
        return 1;
    }

    /* per-account queues in file order */
    int *head = malloc((size_t)accounts.n * sizeof *head);
    int *tail = malloc((size_t)accounts.n * sizeof *tail);
    int *acc_busy = calloc((size_t)accounts.n, sizeof *acc_busy);
    int *plat_busy = calloc((size_t)platforms.n, sizeof *plat_busy);
    if (head == NULL || tail == NULL || acc_busy == NULL || plat_busy == NULL)
        abort();
    for (int i = 0; i < accounts.n; i++)
        head[i] = tail[i] = -1;
    for (int i = 0; i < n; i++) {
        int a = reqs[i].account;
        if (tail[a] < 0)
            head[a] = i;
        else
            reqs[tail[a]].next = i;
        tail[a] = i;
    }

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, per_platform);

    int running = 0, done = 0, ok = 0, failed = 0, left_to_start = n;
    int rr = 0; /* round-robin start among accounts */
    int64_t t0 = mono_us();
    while (done < n) {
        /* start what the limits allow, oldest first per account, accounts in turn */
        while (left_to_start > 0 && running < inflight) {
            int started = 0;
            for (int s = 0; s < accounts.n && running < inflight; s++) {
                int a = (rr + s) % accounts.n;
                int i = head[a];
                if (i < 0 || acc_busy[a] >= per_account ||
                    plat_busy[reqs[i].platform] >= per_platform)
                    continue;
                req *r = &reqs[i];
                head[a] = r->next;
                CURL *c = curl_easy_init();
                curl_easy_setopt(c, CURLOPT_URL, r->url);
                curl_easy_setopt(c, CURLOPT_PRIVATE, r);
                curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
                curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
                curl_easy_setopt(c, CURLOPT_TIMEOUT, 90L);
                curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
                curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, discard);
                curl_easy_setopt(c, CURLOPT_USERAGENT, "curl_ceiling");
                curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
                curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->hdrs);
                if (fresh)
                    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
                if (r->body != NULL || strcmp(r->method, "POST") == 0 ||
                    strcmp(r->method, "PUT") == 0) {
                    size_t len = r->body != NULL ? strlen(r->body) : 0;
                    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
                    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, r->body != NULL ? r->body : "");
                    if (strcmp(r->method, "POST") != 0)
                        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
                } else if (strcmp(r->method, "GET") != 0)
                    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
                r->start_us = mono_us() - t0;
                curl_multi_add_handle(multi, c);
                acc_busy[a]++;
                plat_busy[r->platform]++;
                running++;
                left_to_start--;
                started++;
            }
            rr = (rr + 1) % accounts.n;
            if (started == 0)
                break; /* everything left waits for a limit */
        }
        int still = 0;
        curl_multi_perform(multi, &still);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            req *r = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            r->done_us = mono_us() - t0;
            if (m->data.result == CURLE_OK)
                curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &r->status);
            if (r->status >= 200 && r->status < 300)
                ok++;
            else {
                if (failed < 5)
                    fprintf(stderr, "curl_ceiling: %s %s: %s (HTTP %ld)\n", r->method, r->url,
                            curl_easy_strerror(m->data.result), r->status);
                failed++;
            }
            curl_multi_remove_handle(multi, m->easy_handle);
            curl_easy_cleanup(m->easy_handle);
            acc_busy[r->account]--;
            plat_busy[r->platform]--;
            running--;
            done++;
        }
        if (done < n)
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    int64_t total_us = 0;
    int64_t *d = malloc((size_t)n * sizeof *d), *q = malloc((size_t)n * sizeof *q);
    if (d == NULL || q == NULL)
        abort();
    for (int i = 0; i < n; i++) {
        d[i] = reqs[i].done_us;
        q[i] = reqs[i].done_us - reqs[i].start_us;
        if (d[i] > total_us)
            total_us = d[i];
    }
    qsort(d, (size_t)n, sizeof *d, cmp_i64);
    qsort(q, (size_t)n, sizeof *q, cmp_i64);
    double secs = (double)total_us / 1e6;
    printf("{\"requests\": %d, \"ok\": %d, \"failed\": %d, \"accounts\": %d, \"inflight\": %ld, "
           "\"per_account\": %ld, \"per_platform\": %ld, \"fresh_connect\": %s, \"seconds\": %.3f, "
           "\"per_second\": %.1f, "
           "\"done_ms\": {\"p50\": %.1f, \"p99\": %.1f, \"max\": %.1f}, "
           "\"request_ms\": {\"p50\": %.1f, \"p99\": %.1f, \"max\": %.1f}}\n",
           n, ok, failed, accounts.n, inflight, per_account, per_platform, fresh ? "true" : "false",
           secs, secs > 0 ? ok / secs : 0.0, (double)d[n / 2] / 1000,
           (double)d[(n * 99) / 100] / 1000, (double)d[n - 1] / 1000, (double)q[n / 2] / 1000,
           (double)q[(n * 99) / 100] / 1000, (double)q[n - 1] / 1000);
    free(q);
    free(d);
    curl_multi_cleanup(multi);
    for (int i = 0; i < n; i++) {
        free(reqs[i].method);
        free(reqs[i].url);
        free(reqs[i].body);
        curl_slist_free_all(reqs[i].hdrs);
    }
    free(reqs);
    for (int i = 0; i < accounts.n; i++)
        free(accounts.keys[i]);
    for (int i = 0; i < platforms.n; i++)
        free(platforms.keys[i]);
    free(accounts.keys);
    free(platforms.keys);
    free(head);
    free(tail);
    free(acc_busy);
    free(plat_busy);
    curl_global_cleanup();
    return failed == 0 ? 0 : 1;
}
