/* err.c - status codes and error detail. */
#include <stdio.h>
#include <string.h>

#include "dla_err.h"

const char *dla_strerror(int code)
{
    switch (code) {
    case DLA_OK: return "ok";
    case DLA_ERR: return "error";
    case DLA_ENOMEM: return "out of memory";
    case DLA_EINVAL: return "invalid input";
    case DLA_ENOTFOUND: return "not found";
    case DLA_EEXIST: return "already exists";
    case DLA_EIO: return "i/o error";
    case DLA_ECONFIG: return "configuration error";
    case DLA_EAUTH: return "authentication failed";
    case DLA_EFORBIDDEN: return "forbidden";
    case DLA_ECONFLICT: return "conflict";
    case DLA_EPRECOND: return "precondition failed";
    case DLA_ETOOBIG: return "too large";
    case DLA_EABI: return "incompatible plugin abi";
    case DLA_EFULL: return "store full";
    case DLA_EEXPIRED: return "expired";
    case DLA_EREPLAY: return "replayed";
    case DLA_EUNSUPPORTED: return "unsupported";
    case DLA_EUPSTREAM: return "upstream failure";
    default: return code < 0 && code > -30000 ? strerror(-code) : "unknown error";
    }
}

int dla_err_vset(dla_err_t *err, int code, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

int dla_err_set(dla_err_t *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dla_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

int dla_err_prefix(dla_err_t *err, const char *fmt, ...)
{
    if (!err)
        return DLA_ERR;
    char pre[sizeof err->msg];
    char old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t pl = strnlen(pre, sizeof pre - 1), ol = strnlen(old, sizeof old - 1);
    size_t cap = sizeof err->msg - 1, o = 0;
    for (size_t i = 0; i < pl && o < cap; i++)
        err->msg[o++] = pre[i];
    for (size_t i = 0; i < 2 && o < cap; i++)
        err->msg[o++] = ": "[i];
    for (size_t i = 0; i < ol && o < cap; i++)
        err->msg[o++] = old[i];
    err->msg[o] = '\0';
    return err->code;
}
