/* dla_err.h - status codes and the fixed-size error detail every module uses.
 *
 * Every function that can fail returns int: DLA_OK (0) or a negative DLA_E* code.
 * Detail goes into a caller-provided dla_err_t (may be NULL); filling it never
 * allocates. Codes sit below -30000 so they never collide with -errno.
 */
#ifndef DLA_ERR_H
#define DLA_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define DLA_EXPORT __attribute__((visibility("default")))
#define DLA_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum {
    DLA_OK = 0,
    DLA_ERR = -30000,     /* generic failure */
    DLA_ENOMEM = -30001,  /* allocation failed */
    DLA_EINVAL = -30002,  /* invalid argument or input */
    DLA_ENOTFOUND = -30003,
    DLA_EEXIST = -30004,
    DLA_EIO = -30005,     /* file or store I/O */
    DLA_ECONFIG = -30006, /* configuration problem */
    DLA_EAUTH = -30007,   /* authentication failed */
    DLA_EFORBIDDEN = -30008,
    DLA_ECONFLICT = -30009,
    DLA_EPRECOND = -30010, /* precondition (ETag) failed */
    DLA_ETOOBIG = -30011,
    DLA_EABI = -30012,     /* plugin ABI mismatch */
    DLA_EFULL = -30013,    /* store map full */
    DLA_EEXPIRED = -30014,
    DLA_EREPLAY = -30015,
    DLA_EUNSUPPORTED = -30016,
    DLA_EUPSTREAM = -30017, /* a remote peer (LMS, JWKS host) failed */
};

/* Error detail: code, optional source line (config/file positions), message. */
typedef struct dla_err_s {
    int code;
    int line;   /* 1-based line in `file` when known, else 0 */
    int column; /* 1-based column when known, else 0 */
    char msg[224];
} dla_err_t;

/* Returns a static string for a DLA_E* code (never NULL). Thread-safe. */
const char *dla_strerror(int code);

/* Fills `err` (if non-NULL) and returns `code`. Message style: lowercase,
 * no trailing period, names the object. Never allocates. */
int dla_err_set(dla_err_t *err, int code, const char *fmt, ...) DLA_PRINTF(3, 4);
int dla_err_vset(dla_err_t *err, int code, const char *fmt, va_list ap);

/* Prefixes the existing message of `err` with "prefix: ". Returns err->code. */
int dla_err_prefix(dla_err_t *err, const char *fmt, ...) DLA_PRINTF(2, 3);

#endif
