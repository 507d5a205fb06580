/*
 * ai.c - the AI APIs the product calls (PLATFORMS.md sections 6 and 7).
 *
 *   /openai = an OpenAI-compatible base   POST /v1/chat/completions, GET /v1/models
 *   /ark    = BytePlus / Volcengine Ark   POST /api/v3/chat/completions
 *                                         POST /api/v3/images/generations (Seedream 4.5)
 *
 * Keys: "Authorization: Bearer KEY" with KEY one of the comma-separated
 * SIM_AI_KEYS (default "sim-openai-key,sim-ark-key"), on either host.
 *
 * Chat answers are deterministic: a short sentence naming the key words of
 * the last user message plus two or three hashtags made from them; tokens
 * are counted as whitespace-separated words, and max_tokens cuts the answer
 * (finish_reason "length").
 *
 * Seedream renders a real PNG that depends only on the prompt (and the
 * image's place in a group): a gradient with discs and stripes in colours
 * taken from a hash of the prompt.  To stay fast it is rendered with its
 * longer side 256 px (same aspect ratio); "size" and the token usage report
 * the size that was asked for.  The image is kept as simulator media and
 * served from /_sim/media/{id} (the url answer), or inlined as b64_json.
 *
 * The core's own errors (injected faults, admin rate limits, unknown paths)
 * use one envelope for both hosts, {"error":{"message","type","param","code"}},
 * since the error hook does not know which host was called; the module's own
 * errors use each host's shape.
 */
#define _GNU_SOURCE
#include "sim.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PROMPT_WORDS 600
#define MAX_PROMPT_CJK   300
#define MIN_PIXELS       3686400LL
#define MAX_PIXELS       16777216LL
#define RENDER_SIDE      256
#define MAX_REF_BYTES    (10LL * 1024 * 1024)

/* ---- keys and errors ---- */

static int key_ok(const char *key)
{
    const char *list = getenv("SIM_AI_KEYS");
    if (list == NULL || *list == '\0')
        list = "sim-openai-key,sim-ark-key";
    if (key == NULL)
        return 0;
    size_t kl = strlen(key);
    for (const char *p = list; *p;) {
        p += strspn(p, ", ");
        size_t l = strcspn(p, ",");
        while (l > 0 && p[l - 1] == ' ')
            l--;
        if (l == kl && l > 0 && strncmp(p, key, l) == 0)
            return 1;
        p += strcspn(p, ",");
    }
    return 0;
}

/* OpenAI's envelope: {"error":{"message","type","param","code"}} (param/code may be null). */
static void oa_error(sim_resp *out, int status, const char *message, const char *type,
                     const char *param, const char *code)
{
    sim_reply_json(out, status,
                   json_pack("{s:{s:s, s:s, s:o, s:o}}", "error", "message", message, "type", type,
                             "param", param != NULL ? json_string(param) : json_null(), "code",
                             code != NULL ? json_string(code) : json_null()));
}

/* Ark's envelope: {"error":{"code","message","param","type"}}; the message ends in a request id. */
static void ark_error(sim_resp *out, int status, const char *code, const char *message,
                      const char *param, const char *type)
{
    char rid[48], full[1024];
    sim_random("021", rid, sizeof rid);
    snprintf(full, sizeof full, "%s Request id: %s", message, rid);
    sim_reply_json(out, status,
                   json_pack("{s:{s:s, s:s, s:s, s:s}}", "error", "code", code, "message", full,
                             "param", param != NULL ? param : "", "type", type));
}

/* A request error in the host's shape: 400 about a parameter. */
static void bad_param(sim_resp *out, int ark, const char *param, const char *message)
{
    if (ark) {
        char m[700];
        snprintf(m, sizeof m, "The parameter `%s` specified in the request is not valid: %s", param,
                 message);
        ark_error(out, 400, "InvalidParameter", m, param, "BadRequest");
    } else {
        oa_error(out, 400, message, "invalid_request_error", param, NULL);
    }
}

/* Check the bearer key; 0, or -1 with a 401 written. */
static int check_key(sim_req *r, sim_resp *out, int ark)
{
    const char *key = sim_bearer(r);
    if (key_ok(key))
        return 0;
    if (ark) {
        ark_error(out, 401, "AuthenticationError",
                  key == NULL ? "The API key is missing. Send it as Authorization: Bearer "
                                "<ARK_API_KEY>."
                              : "The API key in the request is missing or invalid.",
                  NULL, "Unauthorized");
    } else if (key == NULL) {
        oa_error(out, 401,
                 "You didn't provide an API key. You need to provide your API key in an "
                 "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                 "invalid_request_error", NULL, NULL);
    } else {
        char m[200];
        size_t kl = strlen(key);
        snprintf(m, sizeof m, "Incorrect API key provided: %.3s%s%.4s.", key, kl > 7 ? "****" : "",
                 kl > 7 ? key + kl - 4 : "");
        oa_error(out, 401, m, "invalid_request_error", NULL, "invalid_api_key");
    }
    return -1;
}

/* ---- words ---- */

/* Whitespace-separated words in text. */
static long count_words(const char *text)
{
    long n = 0;
    int in = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        int sp = isspace(*p);
        if (!sp && !in)
            n++;
        in = !sp;
    }
    return n;
}

static const char stop_words[] =
    " the and for with that this from your our are was were will have has had but not you all "
    "can into about just than then them they their there what when where which who why how its "
    "it's a an of to in on at by is be as or we us it i me my so do does did get got out up new "
    "write caption captions post posts short please make create generate social media some using "
    "include hashtags hashtag tweet text copy engaging catchy fun one two three under words "
    "sentence sentences give need want like should would could also very more most ";

static int is_stop(const char *w)
{
    char pat[80];
    snprintf(pat, sizeof pat, " %s ", w);
    return strstr(stop_words, pat) != NULL;
}

/* Up to max key words of text (lower-cased ASCII, non-ASCII kept), deduplicated, in order. */
static int key_words(const char *text, char words[][48], int max)
{
    int n = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (*p && n < max) {
        while (*p && *p < 0x80 && !isalnum(*p))
            p++;
        char w[48];
        size_t l = 0;
        int ascii = 1, full = 0;
        while (*p && (*p >= 0x80 || isalnum(*p))) {
            /* A long word is cut before a character that would not fit whole. */
            if (*p < 0x80 || *p >= 0xC0)
                full = full || l + 5 > sizeof w;
            if (!full)
                w[l++] = (char)(*p < 0x80 ? tolower(*p) : *p);
            if (*p >= 0x80)
                ascii = 0;
            p++;
        }
        w[l] = '\0';
        if (l == 0 || (ascii && (l < 3 || is_stop(w))))
            continue;
        int dup = 0;
        for (int i = 0; i < n && !dup; i++)
            dup = strcmp(words[i], w) == 0;
        if (!dup)
            snprintf(words[n++], 48, "%s", w);
    }
    return n;
}

/* The deterministic caption for a message (malloc'd). */
static char *caption_for(const char *msg)
{
    char words[5][48];
    int n = key_words(msg, words, 5);
    if (n == 0) {
        snprintf(words[0], 48, "today");
        n = 1;
    }
    static const char *const openers[] = {"Spotlight on", "All about", "Say hello to",
                                          "A closer look at", "Here is what is new:"};
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    size_t cap = 1024, len = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    len += (size_t)snprintf(out, cap, "%s ", openers[h % 5]);
    int shown = n < 4 ? n : 4;
    for (int i = 0; i < shown; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s",
                                i == 0           ? ""
                                : i == shown - 1 ? " and "
                                                 : ", ",
                                words[i]);
    len += (size_t)snprintf(out + len, cap - len, ".\n\n");
    int tags = 0;
    for (int i = 0; i < n && tags < 3; i++) {
        char tag[64];
        size_t tl = 0;
        for (const unsigned char *p = (const unsigned char *)words[i]; *p && tl < 60; p++) {
            tag[tl] = (char)(tl == 0 && *p < 0x80 ? toupper(*p) : *p);
            tl++;
        }
        tag[tl] = '\0';
        int digits = 1;
        for (size_t k = 0; k < tl && digits; k++)
            digits = isdigit((unsigned char)tag[k]);
        if (tl == 0 || digits)
            continue;
        len += (size_t)snprintf(out + len, cap - len, "%s#%s", tags ? " " : "", tag);
        tags++;
    }
    static const char *const pads[] = {"#Update", "#News"};
    for (int i = 0; tags < 2; i++, tags++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", tags ? " " : "", pads[i]);
    return out;
}

/* Cut text after its first max words (in place); 1 if it was cut. */
static int cut_words(char *text, long max)
{
    long n = 0;
    int in = 0;
    for (char *p = text; *p; p++) {
        int sp = isspace((unsigned char)*p);
        if (!sp && !in && ++n > max) {
            char *e = p;
            while (e > text && isspace((unsigned char)e[-1]))
                e--;
            *e = '\0';
            return 1;
        }
        in = !sp;
    }
    return 0;
}

/* ---- chat completions ---- */

static const char chat_keys[] =
    ",model,messages,temperature,top_p,n,stream,stop,max_tokens,max_completion_tokens,"
    "presence_penalty,frequency_penalty,logit_bias,user,response_format,seed,tools,tool_choice,"
    "logprobs,top_logprobs,stream_options,metadata,store,reasoning_effort,service_tier,"
    "parallel_tool_calls,modalities,prediction,audio,web_search_options,verbosity,thinking,";

/* The text of a message's content (string or text parts) into a malloc'd string, or NULL. */
static char *content_text(json_t *content)
{
    if (json_is_string(content))
        return strdup(json_string_value(content));
    if (!json_is_array(content) || json_array_size(content) == 0)
        return NULL;
    size_t cap = 1, i;
    json_t *part;
    json_array_foreach(content, i, part)
    {
        const char *type = json_string_value(json_object_get(part, "type"));
        if (type == NULL)
            return NULL;
        if (strcmp(type, "text") == 0) {
            if (!json_is_string(json_object_get(part, "text")))
                return NULL;
            cap += json_string_length(json_object_get(part, "text")) + 1;
        } else if (strcmp(type, "image_url") != 0) {
            return NULL;
        }
    }
    char *t = calloc(1, cap);
    if (t == NULL)
        return NULL;
    json_array_foreach(content, i, part)
    {
        const char *text = json_string_value(json_object_get(part, "text"));
        if (text != NULL) {
            size_t used = strlen(t);
            snprintf(t + used, cap - used, "%s%s", used ? " " : "", text);
        }
    }
    return t;
}

static void chat(sim_req *r, sim_resp *out, int ark)
{
    if (check_key(r, out, ark) != 0)
        return;
    json_t *b = sim_json(r);
    if (!json_is_object(b)) {
        if (ark)
            ark_error(out, 400, "InvalidParameter", "The request body is not valid JSON.", NULL,
                      "BadRequest");
        else
            oa_error(out, 400,
                     "We could not parse the JSON body of your request. (HINT: This likely means "
                     "you aren't using your HTTP library correctly.)",
                     "invalid_request_error", NULL, NULL);
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v)
    {
        char pat[80];
        snprintf(pat, sizeof pat, ",%s,", k);
        if (strlen(k) > 60 || strstr(chat_keys, pat) == NULL) {
            char m[160];
            snprintf(m, sizeof m, "Unrecognized request argument supplied: %.60s", k);
            bad_param(out, ark, k, m);
            return;
        }
    }
    const char *model = json_string_value(json_object_get(b, "model"));
    if (model == NULL || *model == '\0') {
        bad_param(out, ark, "model", "you must provide a model parameter");
        return;
    }
    json_t *messages = json_object_get(b, "messages");
    if (!json_is_array(messages) || json_array_size(messages) == 0) {
        bad_param(out, ark, "messages", "messages must be a non-empty array.");
        return;
    }
    long prompt_tokens = 0;
    char *last_user = NULL, *last_any = NULL;
    size_t i;
    json_t *m;
    json_array_foreach(messages, i, m)
    {
        const char *role = json_string_value(json_object_get(m, "role"));
        char *text = content_text(json_object_get(m, "content"));
        char where[64], msg[200];
        snprintf(where, sizeof where, "messages[%zu]", i);
        if (role == NULL || (strcmp(role, "system") != 0 && strcmp(role, "user") != 0 &&
                             strcmp(role, "assistant") != 0)) {
            snprintf(msg, sizeof msg,
                     "Invalid value for '%s.role': expected one of system, user, assistant.",
                     where);
        } else if (text == NULL || text[strspn(text, " \t\r\n")] == '\0') {
            snprintf(msg, sizeof msg, "Invalid '%s.content': the content must be non-empty text.",
                     where);
        } else {
            msg[0] = '\0';
        }
        if (msg[0] != '\0') {
            free(text);
            free(last_user);
            free(last_any);
            bad_param(out, ark, where, msg);
            return;
        }
        prompt_tokens += count_words(text);
        free(last_any);
        last_any = strdup(text);
        if (strcmp(role, "user") == 0) {
            free(last_user);
            last_user = text;
        } else {
            free(text);
        }
    }
    const char *problem = NULL, *param = NULL;
    json_t *mt = json_object_get(b, "max_tokens");
    if (mt == NULL)
        mt = json_object_get(b, "max_completion_tokens");
    json_t *n = json_object_get(b, "n"), *stream = json_object_get(b, "stream");
    json_t *temp = json_object_get(b, "temperature"), *top_p = json_object_get(b, "top_p");
    if (mt != NULL && (!json_is_integer(mt) || json_integer_value(mt) < 1)) {
        param = json_object_get(b, "max_tokens") != NULL ? "max_tokens" : "max_completion_tokens";
        problem = "max_tokens must be an integer of at least 1.";
    } else if (n != NULL && (!json_is_integer(n) || json_integer_value(n) != 1)) {
        param = "n";
        problem = "Only n=1 is supported by the simulator.";
    } else if (stream != NULL && !json_is_false(stream)) {
        param = "stream";
        problem = "Streaming is not supported by the simulator: send stream=false.";
    } else if (temp != NULL && (!json_is_number(temp) || json_number_value(temp) < 0 ||
                                json_number_value(temp) > 2)) {
        param = "temperature";
        problem = "temperature must be a number from 0 to 2.";
    } else if (top_p != NULL && (!json_is_number(top_p) || json_number_value(top_p) < 0 ||
                                 json_number_value(top_p) > 1)) {
        param = "top_p";
        problem = "top_p must be a number from 0 to 1.";
    }
    if (problem != NULL) {
        free(last_user);
        free(last_any);
        bad_param(out, ark, param, problem);
        return;
    }
    char *answer = caption_for(last_user != NULL ? last_user : last_any);
    free(last_user);
    free(last_any);
    if (answer == NULL) {
        sim_reply_empty(out, 500);
        return;
    }
    int cut = mt != NULL && cut_words(answer, (long)json_integer_value(mt));
    long completion = count_words(answer);
    if (prompt_tokens < 1)
        prompt_tokens = 1;
    char id[64];
    sim_random("chatcmpl-", id, sizeof id);
    json_t *resp =
        json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s, s:s}, s:n, s:s}], s:{s:I, s:I, s:I}}",
                  "id", id, "object", "chat.completion", "created", (json_int_t)(r->now_ms / 1000),
                  "model", model, "choices", "index", 0, "message", "role", "assistant", "content",
                  answer, "logprobs", "finish_reason", cut ? "length" : "stop", "usage",
                  "prompt_tokens", (json_int_t)prompt_tokens, "completion_tokens",
                  (json_int_t)completion, "total_tokens", (json_int_t)(prompt_tokens + completion));
    free(answer);
    sim_reply_json(out, 200, resp);
}

static void models(sim_req *r, sim_resp *out)
{
    if (check_key(r, out, 0) != 0)
        return;
    json_t *data = json_array();
    static const char *const ids[] = {"gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        json_array_append_new(data,
                              json_pack("{s:s, s:s, s:i, s:s}", "id", ids[i], "object", "model",
                                        "created", 1700000000, "owned_by", "platform-sim"));
    sim_reply_json(out, 200, json_pack("{s:s, s:o}", "object", "list", "data", data));
}

/* ---- Seedream 4.5 ---- */

typedef struct preset {
    const char *ratio;
    int w, h;
} preset;

/* The 2K presets by aspect ratio (the first is the default). */
static const preset presets_2k[] = {{"1:1", 2048, 2048},  {"4:3", 2304, 1728},  {"3:4", 1728, 2304},
                                    {"16:9", 2848, 1600}, {"9:16", 1600, 2848}, {"3:2", 2496, 1664},
                                    {"2:3", 1664, 2496},  {"21:9", 3136, 1344}};

/* The preset whose ratio the prompt names ("16:9"), or the square one. */
static const preset *preset_for(const char *prompt)
{
    for (size_t i = 1; i < sizeof presets_2k / sizeof presets_2k[0]; i++) {
        const char *p = strstr(prompt, presets_2k[i].ratio);
        size_t rl = strlen(presets_2k[i].ratio);
        if (p != NULL && (p == prompt || !isdigit((unsigned char)p[-1])) &&
            !isdigit((unsigned char)p[rl]))
            return &presets_2k[i];
    }
    return &presets_2k[0];
}

/* Parse size; 0, or -1 with a reason. */
static int parse_size(const char *size, const char *prompt, int *w, int *h, char *why,
                      size_t whylen)
{
    if (size == NULL) {
        *w = 2048;
        *h = 2048;
        return 0;
    }
    if (strcasecmp(size, "2K") == 0 || strcasecmp(size, "4K") == 0) {
        const preset *p = preset_for(prompt);
        *w = p->w;
        *h = p->h;
        if (size[0] == '4') {
            /* 4K: the 2K shape scaled to at most 4096x4096 pixels, in steps of 16. */
            double f = 1.0;
            while ((long long)(*w * f) * (long long)(*h * f) <= MAX_PIXELS)
                f += 0.001;
            f -= 0.001;
            *w = ((int)(*w * f)) / 16 * 16;
            *h = ((int)(*h * f)) / 16 * 16;
            if (p == &presets_2k[0])
                *w = *h = 4096;
        }
        return 0;
    }
    char *end = NULL;
    long lw = strtol(size, &end, 10);
    if (end == size || *end != 'x' || !isdigit((unsigned char)end[1])) {
        snprintf(why, whylen, "size must be \"2K\", \"4K\" or \"WIDTHxHEIGHT\", got \"%.40s\".",
                 size);
        return -1;
    }
    const char *hs = end + 1;
    long lh = strtol(hs, &end, 10);
    if (*end != '\0' || lw <= 0 || lh <= 0 || lw > 100000 || lh > 100000) {
        snprintf(why, whylen, "size must be \"WIDTHxHEIGHT\" in pixels, got \"%.40s\".", size);
        return -1;
    }
    long long px = (long long)lw * lh;
    if (px < MIN_PIXELS || px > MAX_PIXELS) {
        snprintf(why, whylen,
                 "the image must have between %lld (2560x1440) and %lld (4096x4096) pixels; "
                 "%ldx%ld has %lld.",
                 MIN_PIXELS, MAX_PIXELS, lw, lh, px);
        return -1;
    }
    if (lw > lh * 16 || lh > lw * 16) {
        snprintf(why, whylen, "the aspect ratio must be between 1/16 and 16; %ldx%ld is not.", lw,
                 lh);
        return -1;
    }
    *w = (int)lw;
    *h = (int)lh;
    return 0;
}

/* Words (whitespace-separated, CJK excluded) and CJK characters of a prompt. */
static void prompt_size(const char *prompt, long *words, long *cjk)
{
    *words = 0;
    *cjk = 0;
    int in = 0;
    for (const unsigned char *p = (const unsigned char *)prompt; *p;) {
        unsigned c = *p;
        int len = 1;
        if (c >= 0xE0 && c < 0xF0 && p[1] && p[2]) {
            c = ((c & 0x0F) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
            len = 3;
        }
        int is_cjk = (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
                     (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
                     (c >= 0xF900 && c <= 0xFAFF);
        if (is_cjk) {
            (*cjk)++;
            in = 0;
        } else {
            int sp = len == 1 && isspace((int)c);
            if (!sp && !in)
                (*words)++;
            in = !sp;
        }
        p += len;
    }
}

/* Check one reference image (URL or data URI); 0, or -1 with a reason. */
static int check_reference(json_t *img, char *why, size_t whylen)
{
    const char *v = json_string_value(img);
    if (v == NULL) {
        snprintf(why, whylen, "each image must be a URL or a data:image/...;base64, string.");
        return -1;
    }
    if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0)
        return 0;
    static const char *const fmts[] = {"jpeg", "jpg", "png", "webp", "bmp", "tiff", "gif"};
    if (strncmp(v, "data:image/", 11) == 0) {
        const char *f = v + 11, *semi = strchr(f, ';');
        int ok = 0;
        for (size_t i = 0; semi != NULL && i < sizeof fmts / sizeof fmts[0] && !ok; i++)
            ok = strlen(fmts[i]) == (size_t)(semi - f) && strncasecmp(f, fmts[i], semi - f) == 0;
        if (ok && strncmp(semi, ";base64,", 8) == 0) {
            const char *b64 = semi + 8;
            size_t bl = strlen(b64), n = 0;
            if ((long long)bl * 3 / 4 > MAX_REF_BYTES) {
                snprintf(why, whylen, "a reference image is larger than 10 MB.");
                return -1;
            }
            unsigned char *bin = malloc(bl + 1);
            int dec = bin != NULL && sodium_base642bin(bin, bl + 1, b64, bl, NULL, &n, NULL,
                                                       sodium_base64_VARIANT_ORIGINAL) == 0;
            free(bin);
            if (dec && n > 0)
                return 0;
        }
    }
    snprintf(why, whylen,
             "each image must be an http(s) URL or data:image/<jpeg|png|webp|bmp|tiff|gif>;"
             "base64,<data>.");
    return -1;
}

/* Render one image (reduced size, same aspect) for a prompt; PNG bytes in *png. */
static int render(const char *prompt, int index, int w, int h, int watermark, unsigned char **png,
                  size_t *pnglen)
{
    int rw = w >= h ? RENDER_SIDE : (int)((long long)RENDER_SIDE * w / h);
    int rh = h >= w ? RENDER_SIDE : (int)((long long)RENDER_SIDE * h / w);
    if (rw < 1)
        rw = 1;
    if (rh < 1)
        rh = 1;
    unsigned char seed[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof seed);
    crypto_generichash_update(&st, (const unsigned char *)prompt, strlen(prompt));
    unsigned char idx[4] = {(unsigned char)index, (unsigned char)(index >> 8), 0, 0};
    crypto_generichash_update(&st, idx, sizeof idx);
    crypto_generichash_final(&st, seed, sizeof seed);
    unsigned char *rgb = malloc((size_t)rw * (size_t)rh * 3);
    if (rgb == NULL)
        return -1;
    const unsigned char *c1 = seed, *c2 = seed + 3, *c3 = seed + 6;
    int stripe = 6 + seed[20] % 10, minside = rw < rh ? rw : rh;
    for (int y = 0; y < rh; y++) {
        for (int x = 0; x < rw; x++) {
            unsigned char *px = rgb + ((size_t)y * (size_t)rw + (size_t)x) * 3;
            long t =
                ((long)x * rh + (long)y * rw) * 255 / ((long)2 * rw * rh > 0 ? 2L * rw * rh : 1);
            int inside = 0;
            for (int k = 0; k < 3; k++) {
                int cx = seed[9 + k * 3] * rw / 256, cy = seed[10 + k * 3] * rh / 256;
                int rad = minside / 8 + seed[11 + k * 3] % (minside / 3 + 1);
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < rad * rad)
                    inside++;
            }
            for (int ch = 0; ch < 3; ch++) {
                int v = (c1[ch] * (255 - (int)t) + c2[ch] * (int)t) / 255;
                if (inside)
                    v = (v + c3[ch] * inside) / (1 + inside);
                if (((x + y) / stripe) % 2 == 0)
                    v = v * 92 / 100;
                px[ch] = (unsigned char)v;
            }
        }
    }
    if (watermark) {
        /* A light plate in the bottom-right corner stands for the "AI generated" mark. */
        int mw = rw / 5 > 4 ? rw / 5 : 4, mh = rh / 14 > 2 ? rh / 14 : 2;
        for (int y = rh - mh - 2; y < rh - 2; y++)
            for (int x = rw - mw - 2; x < rw - 2; x++)
                if (x >= 0 && y >= 0) {
                    unsigned char *px = rgb + ((size_t)y * (size_t)rw + (size_t)x) * 3;
                    for (int ch = 0; ch < 3; ch++)
                        px[ch] = (unsigned char)((px[ch] + 3 * 240) / 4);
                }
    }
    int rc = sim_png(rgb, rw, rh, png, pnglen);
    free(rgb);
    return rc;
}

static int model_ok(const char *model)
{
    return strcmp(model, "seedream-4-5-251128") == 0 ||
           strcmp(model, "doubao-seedream-4-5-251128") == 0 ||
           (strncmp(model, "ep-", 3) == 0 && model[3] != '\0');
}

static void images(sim *s, sim_req *r, sim_resp *out)
{
    if (check_key(r, out, 1) != 0)
        return;
    json_t *b = sim_json(r);
    if (!json_is_object(b)) {
        ark_error(out, 400, "InvalidParameter", "The request body is not valid JSON.", NULL,
                  "BadRequest");
        return;
    }
    const char *model = json_string_value(json_object_get(b, "model"));
    if (model == NULL || *model == '\0') {
        ark_error(out, 400, "MissingParameter",
                  "The request failed because it is missing one or multiple required parameters: "
                  "model.",
                  "model", "BadRequest");
        return;
    }
    if (!model_ok(model)) {
        char m[300];
        snprintf(m, sizeof m,
                 "The model or endpoint %.100s does not exist or you do not have access to it.",
                 model);
        ark_error(out, 404, "InvalidEndpointOrModel.NotFound", m, "model", "NotFound");
        return;
    }
    const char *prompt = json_string_value(json_object_get(b, "prompt"));
    if (prompt == NULL || prompt[strspn(prompt, " \t\r\n")] == '\0') {
        ark_error(out, 400, "MissingParameter",
                  "The request failed because it is missing one or multiple required parameters: "
                  "prompt.",
                  "prompt", "BadRequest");
        return;
    }
    long words, cjk;
    prompt_size(prompt, &words, &cjk);
    char why[300];
    if (words > MAX_PROMPT_WORDS || cjk > MAX_PROMPT_CJK) {
        snprintf(why, sizeof why,
                 "the prompt must be at most %d English words or %d Chinese characters.",
                 MAX_PROMPT_WORDS, MAX_PROMPT_CJK);
        bad_param(out, 1, "prompt", why);
        return;
    }
    json_t *size = json_object_get(b, "size");
    int w = 0, h = 0;
    if ((size != NULL && !json_is_string(size)) ||
        parse_size(json_string_value(size), prompt, &w, &h, why, sizeof why) != 0) {
        if (size != NULL && !json_is_string(size))
            snprintf(why, sizeof why, "size must be a string.");
        bad_param(out, 1, "size", why);
        return;
    }
    json_t *rf = json_object_get(b, "response_format");
    const char *format = rf != NULL ? json_string_value(rf) : "url";
    if (format == NULL || (strcmp(format, "url") != 0 && strcmp(format, "b64_json") != 0)) {
        bad_param(out, 1, "response_format", "response_format must be \"url\" or \"b64_json\".");
        return;
    }
    json_t *seq = json_object_get(b, "sequential_image_generation");
    const char *seqv = seq != NULL ? json_string_value(seq) : "disabled";
    if (seqv == NULL || (strcmp(seqv, "auto") != 0 && strcmp(seqv, "disabled") != 0)) {
        bad_param(out, 1, "sequential_image_generation",
                  "sequential_image_generation must be \"auto\" or \"disabled\".");
        return;
    }
    json_t *opts = json_object_get(b, "sequential_image_generation_options");
    json_t *mi = json_object_get(opts, "max_images");
    if ((opts != NULL && !json_is_object(opts)) ||
        (mi != NULL &&
         (!json_is_integer(mi) || json_integer_value(mi) < 1 || json_integer_value(mi) > 15))) {
        bad_param(out, 1, "sequential_image_generation_options.max_images",
                  "max_images must be an integer from 1 to 15.");
        return;
    }
    json_t *image = json_object_get(b, "image");
    size_t refs = 0;
    if (image != NULL) {
        if (json_is_array(image)) {
            refs = json_array_size(image);
            if (refs == 0 || refs > 14) {
                bad_param(out, 1, "image", "image takes 1 to 14 reference images.");
                return;
            }
            size_t i;
            json_t *one;
            json_array_foreach(image, i, one)
            {
                if (check_reference(one, why, sizeof why) != 0) {
                    bad_param(out, 1, "image", why);
                    return;
                }
            }
        } else {
            refs = 1;
            if (check_reference(image, why, sizeof why) != 0) {
                bad_param(out, 1, "image", why);
                return;
            }
        }
    }
    static const char *const bools[] = {"watermark", "stream"};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_object_get(b, bools[i]);
        if (v != NULL && !json_is_boolean(v)) {
            snprintf(why, sizeof why, "%s must be a boolean.", bools[i]);
            bad_param(out, 1, bools[i], why);
            return;
        }
    }
    if (json_is_true(json_object_get(b, "stream"))) {
        bad_param(out, 1, "stream", "streaming is not supported by the simulator: send false.");
        return;
    }
    json_t *opo = json_object_get(b, "optimize_prompt_options");
    json_t *mode = json_object_get(opo, "mode");
    if ((opo != NULL && !json_is_object(opo)) ||
        (mode != NULL && (!json_is_string(mode) || strcmp(json_string_value(mode), "standard")))) {
        bad_param(out, 1, "optimize_prompt_options.mode",
                  "Seedream 4.5 only supports mode \"standard\".");
        return;
    }
    static const char *const unsupported[] = {"seed", "guidance_scale"};
    for (size_t i = 0; i < 2; i++) {
        if (json_object_get(b, unsupported[i]) != NULL) {
            snprintf(why, sizeof why, "%s is not supported by Seedream 4.5.", unsupported[i]);
            bad_param(out, 1, unsupported[i], why);
            return;
        }
    }
    /* How many images: 1, or in auto mode what the prompt asks ("4 images"), else max_images. */
    long count = 1;
    long max_images = mi != NULL ? (long)json_integer_value(mi) : 15;
    if (strcmp(seqv, "auto") == 0) {
        count = mi != NULL ? max_images : 1;
        for (const char *p = prompt; *p; p++) {
            if (isdigit((unsigned char)*p) && (p == prompt || !isdigit((unsigned char)p[-1]))) {
                char *e = NULL;
                long v = strtol(p, &e, 10);
                while (*e == ' ')
                    e++;
                if (v > 0 &&
                    (strncasecmp(e, "image", 5) == 0 || strncasecmp(e, "picture", 7) == 0 ||
                     strncasecmp(e, "photo", 5) == 0)) {
                    count = v < max_images ? v : max_images;
                    break;
                }
            }
        }
    }
    if ((long)refs + count > 15) {
        bad_param(out, 1, "sequential_image_generation_options.max_images",
                  "reference images plus generated images must be at most 15.");
        return;
    }
    int watermark = !json_is_false(json_object_get(b, "watermark"));
    char sizetext[32];
    snprintf(sizetext, sizeof sizetext, "%dx%d", w, h);
    json_t *data = json_array();
    for (long i = 0; i < count; i++) {
        unsigned char *png = NULL;
        size_t len = 0;
        if (render(prompt, (int)i, w, h, watermark, &png, &len) != 0) {
            json_decref(data);
            ark_error(out, 500, "InternalServiceError", "The image could not be generated.", NULL,
                      "InternalServerError");
            return;
        }
        if (strcmp(format, "url") == 0) {
            char id[64], url[400];
            sim_store_media(s, png, len, "image/png", id, sizeof id);
            snprintf(url, sizeof url, "%s/_sim/media/%s", r->base_url, id);
            json_array_append_new(data, json_pack("{s:s, s:s}", "url", url, "size", sizetext));
        } else {
            size_t bl = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
            char *b64 = malloc(bl);
            if (b64 != NULL) {
                sodium_bin2base64(b64, bl, png, len, sodium_base64_VARIANT_ORIGINAL);
                json_array_append_new(data,
                                      json_pack("{s:s, s:s}", "b64_json", b64, "size", sizetext));
            }
            free(b64);
        }
        free(png);
    }
    long long tokens = (long long)w * h / 256 * count;
    sim_reply_json(out, 200,
                   json_pack("{s:s, s:I, s:o, s:{s:I, s:I, s:I}}", "model", model, "created",
                             (json_int_t)(r->now_ms / 1000), "data", data, "usage",
                             "generated_images", (json_int_t)count, "output_tokens",
                             (json_int_t)tokens, "total_tokens", (json_int_t)tokens));
}

/* ---- dispatch ---- */

static int handle(sim *s, sim_req *r, sim_resp *out)
{
    int ark = strcmp(r->prefix, "/ark") == 0, post = strcmp(r->method, "POST") == 0;
    if (!ark && post && strcmp(r->path, "/v1/chat/completions") == 0) {
        chat(r, out, 0);
    } else if (!ark && strcmp(r->method, "GET") == 0 && strcmp(r->path, "/v1/models") == 0) {
        models(r, out);
    } else if (ark && post && strcmp(r->path, "/api/v3/chat/completions") == 0) {
        chat(r, out, 1);
    } else if (ark && post && strcmp(r->path, "/api/v3/images/generations") == 0) {
        images(s, r, out);
    } else if (ark) {
        char m[300];
        snprintf(m, sizeof m, "The requested path %.20s %.200s does not exist.", r->method,
                 r->path);
        ark_error(out, 404, "NotFound", m, NULL, "NotFound");
    } else {
        char m[300];
        snprintf(m, sizeof m, "Invalid URL (%.20s %.200s)", r->method, r->path);
        oa_error(out, 404, m, "invalid_request_error", NULL, NULL);
    }
    return 0;
}

static void error(sim_resp *out, int status, const char *kind, const char *message)
{
    if (strcmp(kind, "rate_limited") == 0)
        oa_error(out, status, "Rate limit reached for requests. Please try again later.",
                 "requests", NULL, "rate_limit_exceeded");
    else if (strcmp(kind, "not_found") == 0)
        oa_error(out, status, message, "invalid_request_error", NULL, NULL);
    else
        oa_error(out, status, "The server had an error while processing your request.",
                 "server_error", NULL, NULL);
}

const sim_module sim_ai = {"ai", {"/openai", "/ark", NULL}, handle, error};
