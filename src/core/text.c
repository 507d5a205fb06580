/* text.c - email addresses and time zone names. */
#define _POSIX_C_SOURCE 200809L
#include "core/text.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Characters of RFC 5322 atext allowed in a local part (besides letters and digits). */
static int atext(int c)
{
    return isalnum(c) || (c != 0 && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

const char *text_email_normalize(const char *in, char *out, size_t outlen)
{
    while (*in == ' ' || *in == '\t')
        in++;
    size_t n = strlen(in);
    while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
        n--;
    if (n == 0)
        return "email is required";
    if (n > 254 || n >= outlen)
        return "email must be at most 254 characters";
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[n] = '\0';
    const char *at = strchr(out, '@');
    if (at == NULL || strchr(at + 1, '@') != NULL)
        return "email must be an address like name@example.com";
    size_t ll = (size_t)(at - out);
    if (ll == 0 || ll > 64)
        return "email must have 1 to 64 characters before the @";
    if (out[0] == '.' || out[ll - 1] == '.')
        return "email must not start or end its name with a dot";
    for (size_t i = 0; i < ll; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c >= 0x80)
            return "email must use plain ASCII characters";
        if (c == '.' && out[i + 1] == '.')
            return "email must not have two dots in a row";
        if (c != '.' && !atext(c))
            return "email has a character that is not allowed";
    }
    const char *dom = at + 1;
    size_t dl = strlen(dom);
    if (dl < 3 || strchr(dom, '.') == NULL)
        return "email must have a domain like example.com";
    const char *label = dom;
    int labels = 0;
    for (;;) {
        size_t len = strcspn(label, ".");
        if (len == 0 || len > 63)
            return "email has an empty or overlong part in its domain";
        if (label[0] == '-' || label[len - 1] == '-')
            return "email domain parts must not start or end with a hyphen";
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)label[i];
            if (!(isalnum(c) || c == '-'))
                return c >= 0x80 ? "email must use plain ASCII characters"
                                 : "email domain has a character that is not allowed";
        }
        labels++;
        if (label[len] == '\0') {
            for (size_t i = 0; i < len; i++)
                if (!isalpha((unsigned char)label[i]))
                    return "email must end in a domain like .com or .org";
            if (len < 2)
                return "email must end in a domain like .com or .org";
            break;
        }
        label += len + 1;
    }
    return labels >= 2 ? NULL : "email must have a domain like example.com";
}

int text_timezone_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 63 || name[0] == '/' || strstr(name, "..") != NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(isalnum(c) || c == '/' || c == '_' || c == '-' || c == '+'))
            return 0;
    }
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char magic[4];
    ssize_t r = read(fd, magic, 4);
    close(fd);
    return r == 4 && memcmp(magic, "TZif", 4) == 0;
}

void text_excerpt(const char *text, size_t max_chars, char *out, size_t outlen)
{
    size_t n = 0, chars = 0;
    if (outlen == 0)
        return;
    while (text[n] && chars < max_chars) {
        size_t next = n + 1;
        while ((text[next] & 0xC0) == 0x80)
            next++;
        if (next + 4 > outlen)
            break;
        n = next;
        chars++;
    }
    snprintf(out, outlen, "%.*s%s", (int)n, text, text[n] ? "..." : "");
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

const char *text_platform_title(const char *platform)
{
    static const char *const names[][2] = {{"facebook", "Facebook"},
                                           {"instagram", "Instagram"},
                                           {"linkedin", "LinkedIn"},
                                           {"youtube", "YouTube"},
                                           {"x", "X"}};
    for (size_t i = 0; platform != NULL && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], platform) == 0)
            return names[i][1];
    return platform;
}
