/* lti_util.c - small pure helpers of the LTI module (no HTTP, no store):
 * random tokens, language choice, HTML/JS escaping, bounded copies, role
 * mapping. Kept apart so tests and fuzzers link only what they use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dla_auth.h"
#include "lti_int.h"

int lti_random_token(char *out, size_t cap, size_t nbytes)
{
    unsigned char raw[64];
    if (nbytes > sizeof raw || cap < nbytes * 4 / 3 + 3)
        return DLA_EINVAL;
    if (dla_random_bytes(raw, nbytes) != DLA_OK)
        return DLA_ERR;
    dla_b64url(raw, nbytes, out);
    return DLA_OK;
}

const char *lti_lang(const char *locale)
{
    if (locale && (locale[0] == 'e' || locale[0] == 'E') &&
        (locale[1] == 'n' || locale[1] == 'N'))
        return "en";
    return "lt";
}

char *lti_html_escape(dla_arena_t *a, const char *s)
{
    size_t n = 0;
    if (!s)
        s = "";
    for (const char *p = s; *p; p++)
        n += (*p == '&')                 ? 5
             : (*p == '<' || *p == '>')  ? 4
             : (*p == '"' || *p == '\'') ? 6
                                         : 1;
    char *o = dla_arena_alloc(a, n + 1), *q = o;
    if (!o)
        return NULL;
    for (const char *p = s; *p; p++) {
        const char *r = NULL;
        switch (*p) {
        case '&':
            r = "&amp;";
            break;
        case '<':
            r = "&lt;";
            break;
        case '>':
            r = "&gt;";
            break;
        case '"':
            r = "&quot;";
            break;
        case '\'':
            r = "&#39;";
            break;
        default:
            *q++ = *p;
            continue;
        }
        size_t l = strlen(r);
        memcpy(q, r, l);
        q += l;
    }
    *q = '\0';
    return o;
}

char *lti_js_string(dla_arena_t *a, const char *s)
{
    json_t *j = json_string(s ? s : "");
    char *d = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!d)
        return NULL;
    size_t n = 0;
    for (char *p = d; *p; p++)
        n += (*p == '<' || *p == '>' || *p == '&') ? 6 : 1;
    char *o = dla_arena_alloc(a, n + 1), *q = o;
    if (o) {
        for (char *p = d; *p; p++) {
            if (*p == '<' || *p == '>' || *p == '&') {
                snprintf(q, 7, "\\u%04x", (unsigned)*p);
                q += 6;
            } else {
                *q++ = *p;
            }
        }
        *q = '\0';
    }
    free(d);
    return o;
}

int lti_strcpy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return DLA_ETOOBIG;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
    return DLA_OK;
}

/* ---- roles ------------------------------------------------------------------- */

static unsigned role_one(const char *r, size_t n)
{
    /* the last segment after '/', '#' or ':' names the role */
    size_t s = n;
    while (s > 0 && r[s - 1] != '/' && r[s - 1] != '#' && r[s - 1] != ':')
        s--;
    const char *name = r + s;
    size_t len = n - s;
    int sys = memmem(r, n, "sysrole", 7) || memmem(r, n, "system/person", 13);
#define IS(x) (len == sizeof(x) - 1 && strncasecmp(name, x, len) == 0)
    if (IS("Learner") || IS("Student") || IS("Member") || IS("Prospectivestudent"))
        return DLA_ROLE_LEARNER;
    if (IS("Instructor") || IS("TeachingAssistant") || IS("Mentor") || IS("Manager") ||
        IS("ContentDeveloper") || IS("Faculty") || IS("Staff"))
        return sys ? 0 : DLA_ROLE_SUPERVISOR;
    if (IS("Administrator") || IS("SysAdmin") || IS("AccountAdmin"))
        return sys ? DLA_ROLE_ADMIN : DLA_ROLE_HR;
#undef IS
    return 0;
}

unsigned lti_roles_map11(const char *roles)
{
    unsigned out = 0;
    while (roles && *roles) {
        while (*roles == ' ' || *roles == ',')
            roles++;
        size_t n = strcspn(roles, ",");
        while (n && roles[n - 1] == ' ')
            n--;
        if (n)
            out |= role_one(roles, n);
        roles += strcspn(roles, ",");
    }
    return out ? out : DLA_ROLE_LEARNER;
}

unsigned lti_roles_map13(json_t *roles)
{
    unsigned out = 0;
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        const char *s = json_string_value(r);
        /* membership roles may carry a sub-role:
         * ...membership/Instructor#TeachingAssistant */
        if (s)
            out |= role_one(s, strlen(s));
    }
    return out ? out : DLA_ROLE_LEARNER;
}
