/*
 * csvio.h - the CSV layer of bulk post import and export.
 *
 * A pure module: bytes in, rows and problems out (import); cells in, CSV
 * bytes out (export).  No database, no HTTP, no clock.  Parsing (quotes,
 * doubled quotes, multi-line cells) is libcsv's, in strict mode.
 *
 * IMPORT.  One uploaded file, one row per post.  The first non-blank record
 * is the header; its names are matched after trimming, case-insensitively,
 * in any order:
 *
 *   text      required   the post text, not trimmed (but, as in every CSV
 *                        reader, an unquoted cell loses surrounding spaces)
 *   accounts  required   one or more accounts, separated by ';' or '|'
 *   time      required   the column must exist; the cell may be empty
 *   media     optional   zero or more media references, separated by ';' or '|'
 *   campaign  optional
 *
 * The columns the export adds (id, state, account_names, scheduled_at) are
 * accepted and ignored, so an exported file can be imported again.
 *
 * What the values mean (does the account exist, is the time valid, is the
 * text empty) is the caller's to check; this module checks the file's shape.
 *
 * Rows.  `row` is the record number a spreadsheet shows at the left of the
 * row: the header is row 1, the first post row 2.  A record is counted once
 * however many physical lines its quoted multi-line cells span; a blank line
 * counts as one row (a spreadsheet shows it as an empty row) but is skipped,
 * as is a record whose cells are all empty (",,,," as spreadsheets write).
 *
 * File rules (each failure is a csv_problem; see csv_import_parse):
 *   - UTF-8 only.  A leading UTF-8 BOM is skipped.  A UTF-16 BOM, an Excel
 *     workbook (.xlsx / .xls) and a NUL byte among the first two bytes are
 *     refused as a whole with a message saying what to do.
 *   - Delimiter: ',' - or ';' when the header line has no comma outside
 *     quotes but has a semicolon (Excel in many European locales).
 *   - Unknown or duplicate column names and each missing required column are
 *     file-level problems; a header cell that is empty names no column, and
 *     its cells must then be empty.  With any header problem no rows are
 *     read.
 *   - At most CSV_IMPORT_MAX_ROWS post rows: beyond that one file-level
 *     problem giving the count; rows past the limit are neither returned nor
 *     checked.  A file with a header but no post rows is a problem too.
 *   - Each cell: at most CSV_IMPORT_MAX_FIELD bytes, no NUL byte, valid UTF-8
 *     (no overlong forms, surrogates or code points past U+10FFFF).
 *   - A record with another number of cells than the header is a problem for
 *     that row, and the row is not returned (its cells cannot be matched to
 *     columns).
 *   - A misplaced quote (text after a closing quote, a quote inside an
 *     unquoted cell) or a quoted cell never closed stops reading: a problem
 *     for that row, the rows before it are returned.
 *   - Multi-value cells (accounts, media) are split on ';' and '|' only (a
 *     comma inside a quoted cell is text), each part trimmed, empty parts
 *     dropped, at most CSV_IMPORT_MAX_VALUES kept (more is a problem).
 *
 * Cell values.  Line breaks inside cells come back as "\n" (CRLF and lone
 * CR are converted).  One leading apostrophe is removed when what follows
 * it is a run of apostrophes and then '=', '+', '-', '@', TAB or CR: the
 * exact inverse of the export guard below, so export -> import returns the
 * same cells (line breaks as "\n", and multi-value cells as long as no
 * value contains ';' or '|').
 *
 * A row with a problem that could still be read (a bad cell, too many
 * values, a value in an unnamed column) is returned with `flagged` set and
 * the bad cell read as empty, so the caller can run its own per-row checks
 * on the rest and show every problem at once.  The caller adds its own
 * problems with csv_import_add_problem().  At most CSV_IMPORT_MAX_PROBLEMS
 * are kept, then one more saying the list was cut.
 *
 * EXPORT.  csv_out_row() appends one record to a growable buffer: RFC 4180
 * quoting (a cell with ',', ';', '"', CR or LF, or with a leading or
 * trailing space or tab, is enclosed in double quotes with inner quotes
 * doubled), CRLF after every record.  Formula-injection guard for spreadsheet
 * users: a cell beginning with '=', '+', '-', '@', TAB or CR - or with
 * apostrophes followed by one of those - gets one leading apostrophe, which
 * the importer removes again.
 */
#ifndef P2S_COMPOSE_CSVIO_H
#define P2S_COMPOSE_CSVIO_H

#include <stddef.h>

#define CSV_IMPORT_MAX_ROWS     5000  /* post rows per file */
#define CSV_IMPORT_MAX_FIELD    65536 /* bytes per cell (64 KiB) */
#define CSV_IMPORT_MAX_VALUES   50    /* accounts or media per row */
#define CSV_IMPORT_MAX_COLUMNS  64    /* cells in the header row */
#define CSV_IMPORT_MAX_PROBLEMS 100   /* kept problems (then one "list cut" problem) */

/* One post row.  All strings are malloc'd, NUL-terminated, valid UTF-8, owned by the import. */
typedef struct csv_post_row {
    int row;          /* spreadsheet row number (header = 1) */
    int flagged;      /* 1 if csv_import_parse recorded a problem for this row */
    char *text;       /* never NULL; "" when empty or bad */
    char **accounts;  /* trimmed, non-empty values; NULL when naccounts == 0 */
    size_t naccounts; /* 0..CSV_IMPORT_MAX_VALUES */
    char *time;       /* trimmed; NULL when the cell is empty */
    char **media;     /* like accounts; NULL when nmedia == 0 (or no media column) */
    size_t nmedia;    /* 0..CSV_IMPORT_MAX_VALUES */
    char *campaign;   /* trimmed; NULL when empty or there is no campaign column */
} csv_post_row;

/* One problem.  Shown to the user as csv_problem_text() formats it. */
typedef struct csv_problem {
    int row;           /* spreadsheet row number; 0 = the whole file */
    char column[16];   /* "text", "accounts", ... or "" when not about one column */
    char message[200]; /* e.g. "not valid UTF-8 (save the file as UTF-8)"; UTF-8 */
} csv_problem;

/* The result of csv_import_parse.  Free with csv_import_free. */
typedef struct csv_import {
    csv_post_row *rows; /* in file order */
    size_t nrows;
    csv_problem *problems; /* file-level and row problems, in the order found */
    size_t nproblems;
} csv_import;

/*
 * Read a CSV file of posts (data, len bytes; need not be NUL-terminated).
 * Fills *out (which it first clears; previous contents are not freed).
 * Returns 0 when read - the file is importable only if out->nproblems == 0 -
 * or -1 when out of memory, with *out then empty.
 */
int csv_import_parse(const char *data, size_t len, csv_import *out);

/*
 * Append a problem (row 0 = whole file; column may be NULL or "") with a
 * printf-style message, cut to fit at a character boundary.  Past
 * CSV_IMPORT_MAX_PROBLEMS it only records, once, that the list was cut.
 * Returns 0, or -1 when out of memory.
 */
int csv_import_add_problem(csv_import *imp, int row, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Free everything csv_import_parse allocated and clear *imp.  NULL is fine. */
void csv_import_free(csv_import *imp);

/*
 * Format a problem for people: "row 4, text: not valid UTF-8 (...)",
 * "row 4: ...", or just the message for row 0.  Writes at most n bytes
 * including the NUL; returns what snprintf returns.
 */
int csv_problem_text(const csv_problem *p, char *buf, size_t n);

/*
 * A growing CSV buffer.  Start from {0}; buf is NUL-terminated once
 * anything has been written.  After an allocation failure `failed` is set,
 * later writes do nothing, and buf holds what was written before.
 */
typedef struct csv_out {
    char *buf;
    size_t len, cap;
    int failed;
} csv_out;

/* Append a UTF-8 BOM, so Excel reads the file as UTF-8.  Call it before the first row. */
void csv_out_bom(csv_out *o);

/* Append one record of n cells (a NULL cell is written empty), ending in CRLF. */
void csv_out_row(csv_out *o, const char *const *cells, size_t n);

/* Free the buffer and clear *o.  NULL is fine. */
void csv_out_free(csv_out *o);

#endif
