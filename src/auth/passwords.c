/* passwords.c - Argon2id hashing with a cap on concurrent hashes, and password rules. */
#define _POSIX_C_SOURCE 200809L
#include "auth/passwords.h"
#include "api/validate.h"

#include <ctype.h>
#include <errno.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* How long a request waits for a free hashing slot. */
#define SLOT_WAIT_S 10

struct pw_hasher {
    sem_t slots;             /* free hashing slots */
    unsigned long long ops;  /* opslimit for new hashes */
    size_t mem;              /* memlimit for new hashes */
    char dummy[PW_HASH_MAX]; /* a hash to check against when there is no user */
};

/* Words people build passwords from: a password that is one of these, once
 * leetspeak and leading/trailing digits and symbols are taken off, or one
 * of these twice, is refused. */
static const char *const common_words[] = {
    "password",  "passwort",   "qwerty",     "qwertz",        "azerty",     "letmein",
    "welcome",   "iloveyou",   "admin",      "administrator", "monkey",     "dragon",
    "football",  "baseball",   "basketball", "soccer",        "hockey",     "sunshine",
    "princess",  "master",     "shadow",     "superman",      "batman",     "spiderman",
    "trustno",   "starwars",   "whatever",   "freedom",       "michael",    "jennifer",
    "jordan",    "hunter",     "ranger",     "buster",        "killer",     "george",
    "charlie",   "andrew",     "thomas",     "pepper",        "ginger",     "cheese",
    "summer",    "winter",     "spring",     "autumn",        "flower",     "secret",
    "login",     "access",     "changeme",   "default",       "guest",      "root",
    "test",      "temp",       "pass",       "computer",      "internet",   "samsung",
    "google",    "facebook",   "instagram",  "linkedin",      "twitter",    "youtube",
    "social",    "marketing",  "postshare",  "london",        "chicago",    "america",
    "england",   "mustang",    "corvette",   "ferrari",       "harley",     "liverpool",
    "chelsea",   "arsenal",    "barcelona",  "yankees",       "cowboys",    "lakers",
    "matrix",    "pokemon",    "minecraft",  "fortnite",      "naruto",     "snoopy",
    "mickey",    "tigger",     "purple",     "orange",        "banana",     "chocolate",
    "cookie",    "butterfly",  "angel",      "lovely",        "loveme",     "love",
    "friends",   "family",     "blessed",    "jesus",         "heaven",     "money",
    "business",  "company",    "office",     "abc",           "asdf",       "asdfgh",
    "asdfghjkl", "zxcvbnm",    "qazwsx",     "qweasd",        "zaqxsw",     "abcdef",
    "abcd",      "hello",      "helloworld", "welcome",       "mypassword", "iloveu",
    "babygirl",  "superstar",  "rockstar",   "ninja",         "dolphin",    "sparky",
    "maggie",    "daniel",     "jessica",    "ashley",        "amanda",     "nicole",
    "robert",    "william",    "joshua",     "matthew",       "anthony",    "samantha",
    "elizabeth", "patrick",    "justin",     "taylor",        "austin",     "player",
    "gamer",     "nothing",    "secure",     "security",      "private",    "account",
    "service",   "system",     "server",     "database",      "oracle",     "mysql",
    "ubuntu",    "linux",      "windows",    "apple",         "iphone",     "android",
    "galaxy",    "dragonball", "creative",   "summer",        "holiday",    "january",
    "february",  "march",      "april",      "august",        "september",  "october",
    "november",  "december",   "monday",     "friday",        "sunday",     "qwertyuiop",
    "asdfghjkl", "zxcvbnm",    "unknown",    "blahblah",      "aaaaaa",
};

/* Whole passwords seen again and again in leaked lists that the word rule misses. */
static const char *const common_whole[] = {
    "1q2w3e4r5t",   "1q2w3e4r5t6y", "1qaz2wsx3edc", "zaq12wsxcde3", "q1w2e3r4t5",   "1a2b3c4d5e",
    "a1b2c3d4e5",   "qwe123qwe123", "123qweasdzxc", "1234qwerasdf", "qwer1234asdf", "zaq1zaq1zaq1",
    "q1w2e3r4t5y6", "1qazxsw23edc", "123abc123abc", "abc123abc123", "password1234", "p4ssw0rd123",
};

pw_hasher *pw_hasher_new(int slots)
{
    pw_hasher *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    if (sem_init(&h->slots, 0, (unsigned)(slots > 0 ? slots : 1)) != 0) {
        free(h);
        return NULL;
    }
    h->ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    h->mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    /* A real hash of a random string, so that checking against it costs a real check. */
    unsigned char rnd[16];
    char text[33];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(text, sizeof text, rnd, sizeof rnd);
    if (crypto_pwhash_str(h->dummy, text, strlen(text), h->ops, h->mem) != 0) {
        sem_destroy(&h->slots);
        free(h);
        return NULL;
    }
    return h;
}

void pw_hasher_free(pw_hasher *h)
{
    if (h == NULL)
        return;
    sem_destroy(&h->slots);
    free(h);
}

/* Take a slot, waiting up to SLOT_WAIT_S.  0 or -1. */
static int take_slot(pw_hasher *h)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += SLOT_WAIT_S;
    while (sem_timedwait(&h->slots, &deadline) != 0) {
        if (errno != EINTR)
            return -1;
    }
    return 0;
}

app_err pw_hash(pw_hasher *h, const char *password, char *out)
{
    if (take_slot(h) != 0)
        return APP_EBUSY;
    int rc = crypto_pwhash_str(out, password, strlen(password), h->ops, h->mem);
    sem_post(&h->slots);
    return rc == 0 ? APP_OK : APP_ENOMEM;
}

app_err pw_verify(pw_hasher *h, const char *hash, const char *password, int *ok, int *rehash)
{
    *ok = 0;
    *rehash = 0;
    if (take_slot(h) != 0)
        return APP_EBUSY;
    const char *against = hash != NULL ? hash : h->dummy;
    int match = crypto_pwhash_str_verify(against, password, strlen(password)) == 0;
    sem_post(&h->slots);
    if (hash != NULL && match) {
        *ok = 1;
        *rehash = crypto_pwhash_str_needs_rehash(hash, h->ops, h->mem) != 0;
    }
    return APP_OK;
}

/* Lower-case ASCII letters and undo common leetspeak, into out (same size). */
static void fold(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < outlen; p++) {
        char c = (char)tolower((unsigned char)*p);
        switch (c) {
        case '0':
            c = 'o';
            break;
        case '1':
            c = 'i';
            break;
        case '!':
            c = 'i';
            break;
        case '3':
            c = 'e';
            break;
        case '4':
            c = 'a';
            break;
        case '@':
            c = 'a';
            break;
        case '5':
            c = 's';
            break;
        case '$':
            c = 's';
            break;
        case '7':
            c = 't';
            break;
        default:
            break;
        }
        out[o++] = c;
    }
    out[o] = '\0';
}

/* Copy the letters-and-leet core of s: strip leading and trailing digits and symbols. */
static void core_of(const char *s, char *out, size_t outlen)
{
    size_t n = strlen(s);
    size_t a = 0, b = n;
    while (a < b && !isalpha((unsigned char)s[a]))
        a++;
    while (b > a && !isalpha((unsigned char)s[b - 1]))
        b--;
    char tmp[160];
    size_t len = b - a < sizeof tmp - 1 ? b - a : sizeof tmp - 1;
    memcpy(tmp, s + a, len);
    tmp[len] = '\0';
    fold(tmp, out, outlen);
}

static int is_common_word(const char *w)
{
    if (*w == '\0')
        return 1; /* nothing but digits and symbols */
    size_t n = strlen(w);
    for (size_t i = 0; i < sizeof common_words / sizeof common_words[0]; i++) {
        const char *c = common_words[i];
        size_t cl = strlen(c);
        if (strcmp(w, c) == 0)
            return 1;
        /* the same word twice ("passwordpassword"), or a word with its plural/ending */
        if (n == 2 * cl && memcmp(w, c, cl) == 0 && memcmp(w + cl, c, cl) == 0)
            return 1;
        if (n <= cl + 2 && n > cl && memcmp(w, c, cl) == 0)
            return 1;
    }
    return 0;
}

/* 1 if s is one character repeated, or a run up or down (abcdef, 987654, qwerty rows). */
static int is_simple_run(const char *s)
{
    size_t n = strlen(s);
    int same = 1, up = 1, down = 1;
    for (size_t i = 1; i < n; i++) {
        same &= s[i] == s[0];
        up &= (unsigned char)s[i] == (unsigned char)s[i - 1] + 1;
        down &= (unsigned char)s[i] + 1 == (unsigned char)s[i - 1];
    }
    if (same || up || down)
        return 1;
    static const char *const rows[] = {"1234567890", "0987654321", "qwertyuiop",
                                       "poiuytrewq", "asdfghjkl",  "lkjhgfdsa",
                                       "zxcvbnm",    "mnbvcxz",    "1234567890qwertyuiop"};
    char low[160];
    size_t k;
    for (k = 0; k < n && k + 1 < sizeof low; k++)
        low[k] = (char)tolower((unsigned char)s[k]);
    low[k] = '\0';
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (strstr(rows[i], low) != NULL)
            return 1;
    return 0;
}

const char *pw_rules(const char *password, const char *email)
{
    size_t chars = utf8_chars(password);
    if (chars < 10)
        return "password must be at least 10 characters long";
    if (chars > 128)
        return "password must be at most 128 characters long";
    if (is_simple_run(password))
        return "password is too easy to guess: avoid runs and repeated characters";
    char low[512];
    fold(password, low, sizeof low);
    for (size_t i = 0; i < sizeof common_whole / sizeof common_whole[0]; i++)
        if (strcasecmp(password, common_whole[i]) == 0)
            return "password is one of the most common passwords; choose another";
    char core[160];
    core_of(password, core, sizeof core);
    if (is_common_word(core))
        return "password is a common password with small changes; choose something less "
               "predictable, such as a few unrelated words";
    if (email != NULL && *email != '\0') {
        char local[160];
        size_t at = strcspn(email, "@");
        size_t ll = at < sizeof local - 1 ? at : sizeof local - 1;
        memcpy(local, email, ll);
        local[ll] = '\0';
        char elow[256];
        fold(email, elow, sizeof elow);
        char llow[160];
        fold(local, llow, sizeof llow);
        if (strstr(low, elow) != NULL || (strlen(llow) >= 4 && strstr(low, llow) != NULL))
            return "password must not contain your email address";
    }
    return NULL;
}
