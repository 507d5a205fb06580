/*
 * embed.c - build-time tool: turn a file into a C source defining
 *   const unsigned char NAME[]; const size_t NAME_len;
 * with a NUL after the data (not counted in NAME_len).
 *
 * usage: embed NAME INPUT OUTPUT
 */
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fputs("usage: embed NAME INPUT OUTPUT\n", stderr);
        return 2;
    }
    FILE *in = fopen(argv[2], "rb");
    if (in == NULL) {
        perror(argv[2]);
        return 1;
    }
    FILE *out = fopen(argv[3], "w");
    if (out == NULL) {
        perror(argv[3]);
        fclose(in);
        return 1;
    }
    fprintf(out, "/* generated from %s by tools/embed.c; do not edit */\n#include <stddef.h>\n",
            argv[2]);
    fprintf(out, "const unsigned char %s[] = {\n", argv[1]);
    int c;
    size_t n = 0;
    while ((c = fgetc(in)) != EOF) {
        fprintf(out, "%d,", c);
        if (++n % 24 == 0)
            fputc('\n', out);
    }
    fprintf(out, "0};\nconst size_t %s_len = %zu;\n", argv[1], n);
    fclose(in);
    return fclose(out) == 0 ? 0 : 1;
}
