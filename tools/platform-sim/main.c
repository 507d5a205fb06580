/*
 * main.c - platform-sim: start the simulator.
 *
 *   platform-sim [--listen HOST:PORT] [--public-url URL] [--data-dir DIR]
 *
 * Environment: SIM_LISTEN (default 127.0.0.1:9090), SIM_PUBLIC_URL (how
 * clients reach it; default http://LISTEN), SIM_DATA_DIR (media bytes;
 * default a new folder under /tmp), SIM_PROCESSING_POLLS (status polls before
 * uploaded media is ready, default 2), SIM_FAULTS (a JSON array of fault
 * rules to start with, as POST /_sim/faults takes them), SIM_LATENCY_MS.
 * Prints "platform-sim listening on URL" once ready; stops on SIGTERM/SIGINT.
 */
#define _GNU_SOURCE
#include "sim_int.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *opt(int argc, char **argv, const char *flag, const char *env, const char *dflt)
{
    size_t fl = strlen(flag);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], flag, fl) == 0 && argv[i][fl] == '=')
            return argv[i] + fl + 1;
        if (strcmp(argv[i], flag) == 0 && i + 1 < argc)
            return argv[i + 1];
    }
    const char *e = getenv(env);
    return e != NULL && *e ? e : dflt;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            puts("usage: platform-sim [--listen HOST:PORT] [--public-url URL] [--data-dir DIR]");
            return 0;
        }
    }
    const char *listen = opt(argc, argv, "--listen", "SIM_LISTEN", "127.0.0.1:9090");
    char host[128];
    const char *colon = strrchr(listen, ':');
    long port = colon != NULL ? strtol(colon + 1, NULL, 10) : -1;
    if (colon == NULL || (size_t)(colon - listen) >= sizeof host || port < 0 || port > 65535) {
        fprintf(stderr, "platform-sim: --listen must be HOST:PORT (IPv4)\n");
        return 2;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, &sa.sin_addr) !=
        1) {
        fprintf(stderr, "platform-sim: --listen host must be an IPv4 address\n");
        return 2;
    }

    sim s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.mu, NULL);
    s.state = sim_state_new();
    atomic_init(&s.clock_offset_ms, 0);
    const char *polls = opt(argc, argv, "--processing-polls", "SIM_PROCESSING_POLLS", "2");
    char *end = NULL;
    long np = strtol(polls, &end, 10);
    if (*polls == '\0' || *end != '\0' || np < 0 || np > 1000) {
        fprintf(stderr, "platform-sim: SIM_PROCESSING_POLLS must be an integer from 0 to 1000\n");
        return 2;
    }
    s.default_polls = (int)np;
    const char *dir = opt(argc, argv, "--data-dir", "SIM_DATA_DIR", NULL);
    if (dir != NULL) {
        snprintf(s.media_dir, sizeof s.media_dir, "%s", dir);
        mkdir(s.media_dir, 0700);
    } else {
        snprintf(s.media_dir, sizeof s.media_dir, "/tmp/platform-sim-XXXXXX");
        if (mkdtemp(s.media_dir) == NULL) {
            perror("platform-sim: mkdtemp");
            return 1;
        }
    }
    const char *faults = getenv("SIM_FAULTS");
    if (faults != NULL && *faults) {
        json_t *f = json_loads(faults, 0, NULL);
        if (!json_is_array(f)) {
            fprintf(stderr, "platform-sim: SIM_FAULTS must be a JSON array of fault rules\n");
            return 2;
        }
        json_object_set_new(s.state, "faults", f);
    }
    const char *lat = getenv("SIM_LATENCY_MS");
    if (lat != NULL && *lat) {
        long ms = strtol(lat, &end, 10);
        if (*end != '\0' || ms < 0 || ms > 600000) {
            fprintf(stderr, "platform-sim: SIM_LATENCY_MS must be an integer from 0 to 600000\n");
            return 2;
        }
        json_object_set_new(json_object_get(s.state, "latency"), "*",
                            json_pack("{s:i}", "ms", (int)ms));
    }

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct MHD_Daemon *d = sim_http_start(&s, (struct sockaddr *)&sa);
    if (d == NULL) {
        fprintf(stderr, "platform-sim: cannot listen on %s\n", listen);
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    int bound = di != NULL ? di->port : (int)port;
    const char *pub = opt(argc, argv, "--public-url", "SIM_PUBLIC_URL", NULL);
    if (pub != NULL)
        snprintf(s.base_url, sizeof s.base_url, "%s", pub);
    else
        snprintf(s.base_url, sizeof s.base_url, "http://%s:%d", host, bound);
    printf("platform-sim listening on %s\n", s.base_url);
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    json_decref(s.state);
    pthread_mutex_destroy(&s.mu);
    curl_global_cleanup();
    return 0;
}
