/* csvio.c - CSV import and export of posts (see csvio.h). */
#define _POSIX_C_SOURCE 200809L
#include "compose/csvio.h"

#include <csv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The columns this module knows, in the order of names[]. */
enum { COL_TEXT, COL_ACCOUNTS, COL_TIME, COL_MEDIA, COL_CAMPAIGN, NCOLS };
static const char *const names[NCOLS] = {"text", "accounts", "time", "media", "campaign"};

/* Columns the export adds for people (and for re-importing its own files): read and ignored. */
static const char *const export_only[] = {"id", "state", "account_names", "scheduled_at", NULL};
#define COL_IGNORED (-2)
static const int required[NCOLS] = {1, 1, 1, 0, 0};

/* What the field check found in one cell. */
enum { CELL_OK, CELL_NUL, CELL_UTF8, CELL_LONG };

/* One cell of the record being read. */
typedef struct cell {
    char *s;    /* malloc'd copy (NUL-terminated) when state == CELL_OK, else NULL */
    size_t len; /* bytes in s */
    int state;  /* CELL_* */
} cell;

/* Parser state shared by the libcsv callbacks. */
typedef struct reader {
    csv_import *out;
    cell cells[CSV_IMPORT_MAX_COLUMNS]; /* cells of the current record (the first ones) */
    size_t ncells;                      /* cells in the current record, stored or not */
    int nonblank;        /* the current record has a cell with more than white space */
    int record;          /* spreadsheet row number of the record being read */
    int last_term;       /* character that ended the previous record (libcsv's cb2 argument) */
    int have_header;     /* the header has been read */
    int stop;            /* ignore the rest of the file (header problem) */
    unsigned char delim; /* ',' or ';' */
    size_t ncols;        /* cells in the header */
    int col_of[CSV_IMPORT_MAX_COLUMNS]; /* for each header cell: COL_*, or -1 (no name) */
    size_t ndata;                       /* post records seen, including past the limit */
    size_t rcap;                        /* allocated out->rows */
    int oom;                            /* an allocation failed */
} reader;

/* ---- problems ---------------------------------------------------------- */

/* Cut s (NUL-terminated) back so that it does not end inside a UTF-8 sequence. */
static void utf8_trim_partial(char *s)
{
    size_t n = strlen(s);
    size_t i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (i - 1) < need)
        s[i - 1] = '\0';
}

static int add_problem_v(csv_import *imp, int row, const char *column, const char *fmt, va_list ap)
{
    if (imp->nproblems > CSV_IMPORT_MAX_PROBLEMS)
        return 0;
    size_t n = imp->nproblems; /* the capacity is 8, then doubles: grow at 0, 8, 16, ... */
    if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
        size_t cap = n ? n * 2 : 8;
        csv_problem *np = realloc(imp->problems, cap * sizeof *np);
        if (np == NULL)
            return -1;
        imp->problems = np;
    }
    csv_problem *p = &imp->problems[imp->nproblems++];
    memset(p, 0, sizeof *p);
    if (imp->nproblems > CSV_IMPORT_MAX_PROBLEMS) {
        snprintf(p->message, sizeof p->message,
                 "more problems were found; only the first %d are listed", CSV_IMPORT_MAX_PROBLEMS);
        return 0;
    }
    p->row = row;
    if (column != NULL)
        snprintf(p->column, sizeof p->column, "%s", column);
    vsnprintf(p->message, sizeof p->message, fmt, ap);
    utf8_trim_partial(p->column);
    utf8_trim_partial(p->message);
    return 0;
}

int csv_import_add_problem(csv_import *imp, int row, const char *column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = add_problem_v(imp, row, column, fmt, ap);
    va_end(ap);
    return rc;
}

/* Like csv_import_add_problem, remembering an allocation failure in r. */
__attribute__((format(printf, 4, 5))) static void problem(reader *r, int row, const char *column,
                                                          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (add_problem_v(r->out, row, column, fmt, ap) != 0)
        r->oom = 1;
    va_end(ap);
}

int csv_problem_text(const csv_problem *p, char *buf, size_t n)
{
    if (p->row == 0)
        return snprintf(buf, n, "%s", p->message);
    if (p->column[0] == '\0')
        return snprintf(buf, n, "row %d: %s", p->row, p->message);
    return snprintf(buf, n, "row %d, %s: %s", p->row, p->column, p->message);
}

/* ---- cells ------------------------------------------------------------- */

/* 1 if s[0..n) is well-formed UTF-8: shortest forms, no surrogates, at most U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* First character of a cell that a spreadsheet may run as a formula. */
static int is_trigger(char c)
{
    return c != '\0' && strchr("=+-@\t\r", c) != NULL;
}

/* 1 if s is apostrophes (zero or more) then a trigger: the cells the export guards. */
static int needs_guard(const char *s)
{
    while (*s == '\'')
        s++;
    return is_trigger(*s);
}

/* In place: drop the export guard, then turn CRLF and lone CR into LF. */
static void unguard_and_unify(char *s)
{
    if (s[0] == '\'' && needs_guard(s + 1))
        memmove(s, s + 1, strlen(s));
    char *w = s;
    for (const char *p = s; *p; p++) {
        if (*p == '\r') {
            *w++ = '\n';
            if (p[1] == '\n')
                p++;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
}

/* malloc'd copy of s without leading and trailing white space; NULL (not an error) if empty. */
static char *trimmed_dup(const char *s, size_t n, int *oom)
{
    while (n > 0 && is_ws(*s))
        s++, n--;
    while (n > 0 && is_ws(s[n - 1]))
        n--;
    if (n == 0)
        return NULL;
    char *d = malloc(n + 1);
    if (d == NULL) {
        *oom = 1;
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/*
 * Split s on ';' and '|' into trimmed non-empty values (at most
 * CSV_IMPORT_MAX_VALUES kept).  Returns how many there are in all; sets *oom.
 */
static size_t split_values(const char *s, char ***vals, size_t *nvals, int *oom)
{
    size_t total = 0;
    *vals = NULL;
    *nvals = 0;
    while (*s) {
        size_t n = strcspn(s, ";|");
        int o = 0;
        char *v = trimmed_dup(s, n, &o);
        if (o) {
            *oom = 1;
            return total;
        }
        if (v != NULL) {
            total++;
            if (*nvals == CSV_IMPORT_MAX_VALUES) {
                free(v);
            } else {
                if (*vals == NULL) {
                    *vals = calloc(CSV_IMPORT_MAX_VALUES, sizeof **vals);
                    if (*vals == NULL) {
                        free(v);
                        *oom = 1;
                        return total;
                    }
                }
                (*vals)[(*nvals)++] = v;
            }
        }
        s += n;
        if (*s)
            s++;
    }
    return total;
}

static void free_values(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void row_free(csv_post_row *row)
{
    free(row->text);
    free_values(row->accounts, row->naccounts);
    free(row->time);
    free_values(row->media, row->nmedia);
    free(row->campaign);
}

static void clear_cells(reader *r)
{
    size_t n = r->ncells < CSV_IMPORT_MAX_COLUMNS ? r->ncells : CSV_IMPORT_MAX_COLUMNS;
    for (size_t i = 0; i < n; i++) {
        free(r->cells[i].s);
        r->cells[i].s = NULL;
    }
    r->ncells = 0;
    r->nonblank = 0;
}

/* Message for a cell that failed the field check. */
static const char *cell_message(int state)
{
    switch (state) {
    case CELL_NUL:
        return "contains a NUL byte (is this a text file?)";
    case CELL_UTF8:
        return "not valid UTF-8 (save the file as UTF-8)";
    default:
        return "longer than 64 KiB";
    }
}

/* ---- records ----------------------------------------------------------- */

/* Copy at most 40 bytes of name into buf (cut at a character boundary). */
static void short_name(const char *name, char *buf, size_t n)
{
    snprintf(buf, n < 41 ? n : 41, "%s", name);
    utf8_trim_partial(buf);
}

static void read_header(reader *r)
{
    int row = r->record;
    r->have_header = 1;
    r->stop = 1; /* until the header proves good */
    if (r->ncells > CSV_IMPORT_MAX_COLUMNS) {
        problem(r, row, NULL, "the header row has %zu columns; at most %d can be read", r->ncells,
                CSV_IMPORT_MAX_COLUMNS);
        return;
    }
    r->ncols = r->ncells;
    int seen[NCOLS] = {0};
    int bad = 0;
    for (size_t i = 0; i < r->ncells; i++) {
        cell *c = &r->cells[i];
        r->col_of[i] = -1;
        if (c->state != CELL_OK) {
            problem(r, row, NULL, "column %zu of the header row: %s", i + 1,
                    cell_message(c->state));
            bad = 1;
            continue;
        }
        char *s = c->s;
        size_t n = c->len;
        while (n > 0 && is_ws(*s))
            s++, n--;
        while (n > 0 && is_ws(s[n - 1]))
            n--;
        if (n == 0)
            continue; /* no name: its cells must stay empty */
        int k = 0;
        while (k < NCOLS && !(strlen(names[k]) == n && strncasecmp(names[k], s, n) == 0))
            k++;
        int exported = 0;
        for (int e = 0; k == NCOLS && export_only[e] != NULL; e++)
            exported |= strlen(export_only[e]) == n && strncasecmp(export_only[e], s, n) == 0;
        if (exported) {
            r->col_of[i] = COL_IGNORED;
        } else if (k == NCOLS) {
            char name[64];
            s[n] = '\0'; /* s points into the cell's own copy */
            short_name(s, name, sizeof name);
            problem(r, row, NULL,
                    "unknown column \"%s\" (the columns are text, accounts, time, media and "
                    "campaign)",
                    name);
            bad = 1;
        } else if (seen[k]++) {
            problem(r, row, names[k], "the column appears twice in the header row");
            bad = 1;
        } else {
            r->col_of[i] = k;
        }
    }
    for (int k = 0; k < NCOLS; k++) {
        if (required[k] && !seen[k]) {
            problem(r, row, names[k],
                    "missing column (add a column named \"%s\" to the header row)", names[k]);
            bad = 1;
        }
    }
    if (!bad)
        r->stop = 0;
}

/* The cell of column k in the current record, or NULL when the header has no such column. */
static cell *cell_of(reader *r, int k)
{
    for (size_t i = 0; i < r->ncols; i++)
        if (r->col_of[i] == k)
            return &r->cells[i];
    return NULL;
}

static void read_post(reader *r)
{
    int row = r->record;
    if (++r->ndata > CSV_IMPORT_MAX_ROWS)
        return;
    if (r->ncells != r->ncols) {
        problem(r, row, NULL,
                "has %zu cells but the header row has %zu (a cell containing '%c' must be "
                "enclosed in double quotes)",
                r->ncells, r->ncols, r->delim);
        return;
    }
    csv_post_row pr = {.row = row};
    int oom = 0;
    for (size_t i = 0; i < r->ncols; i++) {
        cell *c = &r->cells[i];
        int k = r->col_of[i];
        if (k == COL_IGNORED) {
            free(c->s);
            c->s = NULL;
        } else if (c->state != CELL_OK) {
            if (k >= 0)
                problem(r, row, names[k], "%s", cell_message(c->state));
            else
                problem(r, row, NULL, "column %zu: %s", i + 1, cell_message(c->state));
            pr.flagged = 1;
            free(c->s);
            c->s = NULL;
        } else if (k < 0) {
            const char *s = c->s;
            while (is_ws(*s))
                s++;
            if (*s) {
                problem(r, row, NULL,
                        "column %zu has a value but no name in the header row (name it or "
                        "empty it)",
                        i + 1);
                pr.flagged = 1;
            }
        } else {
            unguard_and_unify(c->s);
        }
    }
    cell *c = cell_of(r, COL_TEXT);
    if (c != NULL && c->s != NULL) {
        pr.text = c->s; /* taken over */
        c->s = NULL;
    } else {
        pr.text = strdup("");
    }
    if (pr.text == NULL)
        oom = 1;
    if ((c = cell_of(r, COL_TIME)) != NULL && c->s)
        pr.time = trimmed_dup(c->s, strlen(c->s), &oom);
    if ((c = cell_of(r, COL_CAMPAIGN)) != NULL && c->s)
        pr.campaign = trimmed_dup(c->s, strlen(c->s), &oom);
    if ((c = cell_of(r, COL_ACCOUNTS)) != NULL && c->s) {
        size_t total = split_values(c->s, &pr.accounts, &pr.naccounts, &oom);
        if (total > CSV_IMPORT_MAX_VALUES) {
            problem(r, row, "accounts", "has %zu accounts; at most %d per row", total,
                    CSV_IMPORT_MAX_VALUES);
            pr.flagged = 1;
        }
    }
    if ((c = cell_of(r, COL_MEDIA)) != NULL && c->s) {
        size_t total = split_values(c->s, &pr.media, &pr.nmedia, &oom);
        if (total > CSV_IMPORT_MAX_VALUES) {
            problem(r, row, "media", "has %zu media items; at most %d per row", total,
                    CSV_IMPORT_MAX_VALUES);
            pr.flagged = 1;
        }
    }
    csv_import *out = r->out;
    if (!oom && out->nrows == r->rcap) {
        size_t cap = r->rcap ? r->rcap * 2 : 64;
        csv_post_row *nr = realloc(out->rows, cap * sizeof *nr);
        if (nr == NULL) {
            oom = 1;
        } else {
            out->rows = nr;
            r->rcap = cap;
        }
    }
    if (oom) {
        row_free(&pr);
        r->oom = 1;
        return;
    }
    out->rows[out->nrows++] = pr;
}

/* libcsv: end of a field. */
static void on_field(void *s, size_t n, void *data)
{
    reader *r = data;
    if (r->stop || r->oom)
        return;
    size_t i = r->ncells++;
    const char *b = s;
    for (size_t j = 0; j < n && !r->nonblank; j++)
        if (!is_ws(b[j]))
            r->nonblank = 1;
    if (i >= CSV_IMPORT_MAX_COLUMNS || (r->have_header && r->ndata >= CSV_IMPORT_MAX_ROWS))
        return; /* only counted */
    cell *c = &r->cells[i];
    c->s = NULL;
    c->len = n;
    if (n > CSV_IMPORT_MAX_FIELD)
        c->state = CELL_LONG;
    else if (n > 0 && memchr(b, '\0', n) != NULL)
        c->state = CELL_NUL;
    else if (!utf8_valid((const unsigned char *)b, n))
        c->state = CELL_UTF8;
    else
        c->state = CELL_OK;
    if (c->state != CELL_OK)
        return;
    c->s = malloc(n + 1);
    if (c->s == NULL) {
        r->oom = 1;
        return;
    }
    if (n > 0)
        memcpy(c->s, b, n);
    c->s[n] = '\0';
}

/* libcsv: end of a record (CSV_REPALL_NL: also once per line break outside a record). */
static void on_record(int term, void *data)
{
    reader *r = data;
    if (r->stop || r->oom)
        return;
    int prev = r->last_term;
    r->last_term = term;
    if (r->ncells == 0 && term == CSV_LF && prev == CSV_CR)
        return; /* the LF of a CRLF that ended the previous record */
    if (r->nonblank) {
        if (!r->have_header)
            read_header(r);
        else
            read_post(r);
    }
    clear_cells(r);
    r->record++;
}

/* ---- the file ---------------------------------------------------------- */

/* The delimiter: ',' unless the first non-blank line has ';' and no ',' outside quotes. */
static unsigned char sniff_delim(const char *d, size_t len)
{
    size_t i = 0;
    while (i < len && (d[i] == '\r' || d[i] == '\n'))
        i++;
    int quoted = 0, semis = 0;
    for (; i < len; i++) {
        char c = d[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '\r' || c == '\n'))
            break;
        else if (!quoted && c == ',')
            return ',';
        else if (!quoted && c == ';')
            semis = 1;
    }
    return semis ? ';' : ',';
}

/* A file-level refusal for files that are not UTF-8 text at all, or NULL. */
static const char *sniff_refusal(const unsigned char *d, size_t len)
{
    if (len >= 2 && ((d[0] == 0xFF && d[1] == 0xFE) || (d[0] == 0xFE && d[1] == 0xFF)))
        return "the file is UTF-16; save it as UTF-8";
    if (len >= 4 && memcmp(d, "PK\x03\x04", 4) == 0)
        return "the file is an Excel or other ZIP file, not CSV; save it as \"CSV UTF-8\"";
    if (len >= 4 && memcmp(d, "\xD0\xCF\x11\xE0", 4) == 0)
        return "the file is an Excel workbook, not CSV; save it as \"CSV UTF-8\"";
    if (len >= 2 && (d[0] == 0 || d[1] == 0))
        return "the file looks like UTF-16 (it has NUL bytes); save it as UTF-8";
    return NULL;
}

void csv_import_free(csv_import *imp)
{
    if (imp == NULL)
        return;
    for (size_t i = 0; i < imp->nrows; i++)
        row_free(&imp->rows[i]);
    free(imp->rows);
    free(imp->problems);
    memset(imp, 0, sizeof *imp);
}

int csv_import_parse(const char *data, size_t len, csv_import *out)
{
    memset(out, 0, sizeof *out);
    const unsigned char *d = (const unsigned char *)data;
    if (len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
        d += 3, len -= 3;
    const char *refusal = sniff_refusal(d, len);
    if (refusal != NULL)
        return csv_import_add_problem(out, 0, NULL, "%s", refusal);

    reader *r = calloc(1, sizeof *r);
    struct csv_parser p;
    if (r == NULL || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
        free(r);
        return -1;
    }
    r->out = out;
    r->record = 1;
    r->delim = sniff_delim((const char *)d, len);
    csv_set_delim(&p, r->delim);

    int parse_error = 0;
    if (csv_parse(&p, d, len, on_field, on_record, r) != len) {
        parse_error = csv_error(&p);
    } else if (csv_fini(&p, on_field, on_record, r) != 0) {
        parse_error = csv_error(&p);
    }
    if (parse_error == CSV_EPARSE && !r->stop && !r->oom) {
        const char *column = NULL;
        if (r->have_header && r->ncells < r->ncols && r->col_of[r->ncells] >= 0)
            column = names[r->col_of[r->ncells]];
        problem(r, r->record, column,
                "a double quote is misplaced or missing (a cell with quotes, '%c' or line "
                "breaks must be enclosed in double quotes, each quote inside doubled)",
                r->delim);
    } else if (parse_error != 0 && parse_error != CSV_EPARSE) {
        r->oom = 1;
    }
    clear_cells(r);
    csv_free(&p);

    if (!r->oom && !parse_error) {
        if (!r->have_header)
            problem(r, 0, NULL, "the file is empty");
        else if (!r->stop && r->ndata == 0)
            problem(r, 0, NULL, "the file has a header row but no posts");
        else if (r->ndata > CSV_IMPORT_MAX_ROWS)
            problem(r, 0, NULL,
                    "the file has %zu posts; at most %d can be imported at once (split it into "
                    "several files)",
                    r->ndata, CSV_IMPORT_MAX_ROWS);
    }
    int oom = r->oom;
    free(r);
    if (oom) {
        csv_import_free(out);
        return -1;
    }
    return 0;
}

/* ---- export ------------------------------------------------------------ */

/* Make room for n more bytes plus a NUL. */
static int reserve(csv_out *o, size_t n)
{
    if (o->failed)
        return -1;
    if (o->len > SIZE_MAX / 2 || n > SIZE_MAX / 2 - o->len) {
        o->failed = 1;
        return -1;
    }
    if (o->len + n + 1 <= o->cap)
        return 0;
    size_t cap = o->cap ? o->cap : 256;
    while (cap < o->len + n + 1)
        cap *= 2;
    char *b = realloc(o->buf, cap);
    if (b == NULL) {
        o->failed = 1;
        return -1;
    }
    o->buf = b;
    o->cap = cap;
    return 0;
}

static void put(csv_out *o, const char *s, size_t n)
{
    if (reserve(o, n) != 0)
        return;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

void csv_out_bom(csv_out *o)
{
    put(o, "\xEF\xBB\xBF", 3);
}

/* One cell: guard, then quote when a reader could misread it. */
static void put_cell(csv_out *o, const char *s)
{
    size_t n = strlen(s);
    int guard = needs_guard(s);
    int quote = n > 0 && (strpbrk(s, ",;\"\r\n") != NULL || s[0] == ' ' || s[0] == '\t' ||
                          s[n - 1] == ' ' || s[n - 1] == '\t');
    if (!quote) {
        if (guard)
            put(o, "'", 1);
        put(o, s, n);
        return;
    }
    /* RFC 4180: enclose in quotes, double each quote inside. */
    size_t nq = 0;
    for (const char *p = s; (p = strchr(p, '"')) != NULL; p++)
        nq++;
    if (reserve(o, n + nq + 3) != 0)
        return;
    char *w = o->buf + o->len;
    *w++ = '"';
    if (guard)
        *w++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            *w++ = '"';
        *w++ = *p;
    }
    *w++ = '"';
    *w = '\0';
    o->len = (size_t)(w - o->buf);
}

void csv_out_row(csv_out *o, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            put(o, ",", 1);
        put_cell(o, cells[i] ? cells[i] : "");
    }
    put(o, "\r\n", 2);
}

void csv_out_free(csv_out *o)
{
    if (o == NULL)
        return;
    free(o->buf);
    memset(o, 0, sizeof *o);
}
