/* qti_import.c - QTI 2.1 / 3.0 assessmentItem import (single-choice items).
 *
 * libxml2 reads the file from memory with XML_PARSE_NONET and without
 * XML_PARSE_NOENT/DTDLOAD; a document with a DOCTYPE or an ENTITY declaration is
 * refused before parsing, so no entity is ever expanded and nothing is fetched.
 * QTI 2.x names elements in camelCase (assessmentItem, choiceInteraction,
 * simpleChoice), QTI 3.0 in kebab case with a qti- prefix (qti-assessment-item,
 * qti-choice-interaction, qti-simple-choice); both map to the same roles. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "diag_int.h"
#include "dla_diag.h"

#define QTI_MAX_BYTES (1u << 20)
#define QTI_TEXT_MAX 4000

enum { QTI_V2, QTI_V3 };

static int qti_is(const xmlNode *n, const char *v2, const char *v3)
{
    return n != NULL && n->type == XML_ELEMENT_NODE &&
           (strcmp((const char *)n->name, v2) == 0 ||
            strcmp((const char *)n->name, v3) == 0);
}

static const xmlNode *qti_child(const xmlNode *n, const char *v2, const char *v3)
{
    const xmlNode *c;

    for (c = n ? n->children : NULL; c != NULL; c = c->next)
        if (qti_is(c, v2, v3))
            return c;
    return NULL;
}

/* Finds the first descendant with one of the names (depth-first). */
static const xmlNode *qti_find(const xmlNode *n, const char *v2, const char *v3)
{
    const xmlNode *c, *r;

    for (c = n ? n->children : NULL; c != NULL; c = c->next) {
        if (qti_is(c, v2, v3))
            return c;
        if ((r = qti_find(c, v2, v3)) != NULL)
            return r;
    }
    return NULL;
}

/* Appends the normalised text of `n` (skipping subtree `skip`) to buf. */
static void qti_text(const xmlNode *n, const xmlNode *skip, char *buf, size_t cap,
                     size_t *len, int *space)
{
    const xmlNode *c;

    for (c = n; c != NULL; c = c->next) {
        if (c == skip)
            continue;
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            const unsigned char *p;
            for (p = c->content; p && *p; p++) {
                if (isspace(*p)) {
                    *space = 1;
                    continue;
                }
                if (*space && *len > 0 && *len + 1 < cap)
                    buf[(*len)++] = ' ';
                *space = 0;
                if (*len + 1 < cap)
                    buf[(*len)++] = (char)*p;
            }
        } else if (c->type == XML_ELEMENT_NODE) {
            /* block elements separate words */
            if (strcmp((const char *)c->name, "p") == 0 ||
                strcmp((const char *)c->name, "br") == 0 ||
                strcmp((const char *)c->name, "div") == 0 ||
                strcmp((const char *)c->name, "li") == 0)
                *space = 1;
            qti_text(c->children, skip, buf, cap, len, space);
            if (strcmp((const char *)c->name, "p") == 0 ||
                strcmp((const char *)c->name, "div") == 0)
                *space = 1;
        }
    }
    buf[*len] = 0;
}

static char *qti_node_text(const xmlNode *n, const xmlNode *skip)
{
    char *buf = malloc(QTI_TEXT_MAX + 2);
    size_t len = 0;
    int space = 0;

    if (buf == NULL)
        return NULL;
    buf[0] = 0;
    if (n != NULL)
        qti_text(n->children, skip, buf, QTI_TEXT_MAX + 2, &len, &space);
    return buf;
}

static char *qti_attr(const xmlNode *n, const char *name)
{
    return (char *)xmlGetProp((xmlNode *)n, (const xmlChar *)name);
}

static int label_meta(const char *label, char comp[16], int *level)
{
    const char *p = label;

    while (p && *p) {
        while (*p == ';' || *p == ' ')
            p++;
        if (strncmp(p, "competence=", 11) == 0) {
            size_t n = strcspn(p + 11, "; ");
            if (n == 0 || n > 15)
                return -1;
            memcpy(comp, p + 11, n);
            comp[n] = 0;
            p += 11 + n;
        } else if (strncmp(p, "level=", 6) == 0) {
            if (p[6] < '1' || p[6] > '8' || (p[7] && p[7] != ';' && p[7] != ' '))
                return -1;
            *level = p[6] - '0';
            p += 7;
        } else {
            p += strcspn(p, ";");
        }
    }
    return 0;
}

int dla_qti_parse(const char *name, const char *xml, size_t len, const char *def_comp,
                  int def_level, const char *def_lang, json_t **out, dla_err_t *err)
{
    xmlDoc *doc = NULL;
    const xmlNode *root, *body, *inter, *decl, *c;
    char *id = NULL, *label = NULL, *lang = NULL, *rid = NULL, *maxc = NULL, *card = NULL;
    char *stem = NULL, *prompt = NULL, *keyid = NULL, *fb = NULL, *shuffle = NULL;
    char comp[16] = "", langc[3] = "";
    int level = def_level, rc = DLA_OK, n_opt = 0, key = -1, ver;
    json_t *opts = NULL, *res = NULL;
    const char *ns;

    if (len > QTI_MAX_BYTES)
        return dla_err_set(err, DLA_ETOOBIG, "%s: larger than %u bytes", name,
                           QTI_MAX_BYTES);
    if (memmem(xml, len, "<!DOCTYPE", 9) != NULL ||
        memmem(xml, len, "<!ENTITY", 8) != NULL)
        return dla_err_set(err, DLA_EINVAL,
                           "%s: DOCTYPE and entity declarations are not accepted", name);
    if (len > 0x7fffffff)
        return dla_err_set(err, DLA_ETOOBIG, "%s: too large", name);
    doc = xmlReadMemory(xml, (int)len, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL) {
        const xmlError *xe = xmlGetLastError();
        rc = dla_err_set(err, DLA_EINVAL, "%s:%d: not well-formed XML%s%s", name,
                         xe ? xe->line : 0, xe && xe->message ? ": " : "",
                         xe && xe->message ? xe->message : "");
        if (err != NULL) {
            size_t l = strlen(err->msg);
            if (l > 0 && err->msg[l - 1] == '\n')
                err->msg[l - 1] = 0;
        }
        goto cleanup;
    }
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        rc = dla_err_set(err, DLA_EINVAL, "%s: DOCTYPE is not accepted", name);
        goto cleanup;
    }
    root = xmlDocGetRootElement(doc);
    if (!qti_is(root, "assessmentItem", "qti-assessment-item")) {
        rc = dla_err_set(err, DLA_EINVAL, "%s: root element is not an assessmentItem",
                         name);
        goto cleanup;
    }
    ver = strcmp((const char *)root->name, "assessmentItem") == 0 ? QTI_V2 : QTI_V3;
    ns = root->ns && root->ns->href ? (const char *)root->ns->href : "";
    if ((ver == QTI_V2 && strcmp(ns, "http://www.imsglobal.org/xsd/imsqti_v2p1") != 0 &&
         strcmp(ns, "http://www.imsglobal.org/xsd/imsqti_v2p2") != 0) ||
        (ver == QTI_V3 &&
         strcmp(ns, "http://www.imsglobal.org/xsd/imsqtiasi_v3p0") != 0)) {
        rc = dla_err_set(err, DLA_EINVAL,
                         "%s: unexpected namespace \"%.80s\" (QTI 2.1/2.2 or 3.0)", name,
                         ns);
        goto cleanup;
    }
    id = qti_attr(root, "identifier");
    if (id == NULL || !dj_ident(id, DLA_DIAG_ID_MAX - 1)) {
        rc = dla_err_set(err, DLA_EINVAL,
                         "%s: item identifier missing or not [A-Za-z0-9._-]{1,63}", name);
        goto cleanup;
    }
    label = qti_attr(root, "label");
    if (def_comp != NULL)
        snprintf(comp, sizeof(comp), "%s", def_comp);
    if (label != NULL && label_meta(label, comp, &level) != 0) {
        rc = dla_err_set(err, DLA_EINVAL,
                         "%s: item %s: bad label \"%.60s\" (competence=C;level=L)", name,
                         id, label);
        goto cleanup;
    }
    if (comp[0] == 0 || level < 1 || level > 8) {
        rc = dla_err_set(
            err, DLA_EINVAL,
            "%s: item %s: competence and level missing (label \"competence=1.1;level=3\" "
            "or --competence/--level)",
            name, id);
        goto cleanup;
    }
    lang = (char *)xmlNodeGetLang(root);
    if (lang != NULL)
        snprintf(langc, sizeof(langc), "%.2s", lang);
    else if (def_lang != NULL)
        snprintf(langc, sizeof(langc), "%.2s", def_lang);
    if (dla_lang_index(langc) < 0) {
        rc = dla_err_set(err, DLA_EINVAL,
                         "%s: item %s: language must be lt or en (xml:lang or --lang)",
                         name, id);
        goto cleanup;
    }
    body = qti_child(root, "itemBody", "qti-item-body");
    if (body == NULL) {
        rc = dla_err_set(err, DLA_EINVAL, "%s: item %s: no itemBody", name, id);
        goto cleanup;
    }
    inter = qti_find(body, "choiceInteraction", "qti-choice-interaction");
    if (inter == NULL) {
        rc = dla_err_set(
            err, DLA_EINVAL,
            "%s: item %s: no choice interaction (only choice items are supported)", name,
            id);
        goto cleanup;
    }
    for (c = inter->next; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE &&
            strstr((const char *)c->name, "nteraction") != NULL) {
            rc = dla_err_set(err, DLA_EINVAL, "%s: item %s: more than one interaction",
                             name, id);
            goto cleanup;
        }
    rid = qti_attr(inter, ver == QTI_V2 ? "responseIdentifier" : "response-identifier");
    maxc = qti_attr(inter, ver == QTI_V2 ? "maxChoices" : "max-choices");
    if (rid == NULL || (maxc != NULL && strcmp(maxc, "1") != 0)) {
        rc = dla_err_set(
            err, DLA_EINVAL,
            "%s: item %s: the choice interaction must allow exactly one choice", name,
            id);
        goto cleanup;
    }
    for (decl = root->children; decl != NULL; decl = decl->next) {
        char *did;
        if (!qti_is(decl, "responseDeclaration", "qti-response-declaration"))
            continue;
        did = qti_attr(decl, "identifier");
        if (did != NULL && strcmp(did, rid) == 0) {
            xmlFree(did);
            break;
        }
        xmlFree(did);
    }
    if (decl == NULL) {
        rc = dla_err_set(err, DLA_EINVAL, "%s: item %s: no responseDeclaration \"%s\"",
                         name, id, rid);
        goto cleanup;
    }
    card = qti_attr(decl, "cardinality");
    if (card == NULL || strcmp(card, "single") != 0) {
        rc = dla_err_set(err, DLA_EINVAL,
                         "%s: item %s: response cardinality must be single", name, id);
        goto cleanup;
    }
    c = qti_child(decl, "correctResponse", "qti-correct-response");
    c = c ? qti_child(c, "value", "qti-value") : NULL;
    keyid = c ? qti_node_text(c, NULL) : NULL;
    if (keyid == NULL || keyid[0] == 0) {
        rc = dla_err_set(err, DLA_EINVAL, "%s: item %s: no correct response", name, id);
        goto cleanup;
    }
    opts = json_array();
    if (opts == NULL) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (c = inter->children; c != NULL; c = c->next) {
        char *cid, *txt;
        char oid[2];
        if (!qti_is(c, "simpleChoice", "qti-simple-choice"))
            continue;
        if (n_opt >= DLA_DIAG_MAX_OPTIONS) {
            rc = dla_err_set(err, DLA_EINVAL, "%s: item %s: more than %d choices", name,
                             id, DLA_DIAG_MAX_OPTIONS);
            goto cleanup;
        }
        cid = qti_attr(c, "identifier");
        txt = qti_node_text(c, NULL);
        if (cid == NULL || txt == NULL || txt[0] == 0) {
            xmlFree(cid);
            free(txt);
            rc = dla_err_set(err, DLA_EINVAL,
                             "%s: item %s: choice %d without identifier or text", name,
                             id, n_opt + 1);
            goto cleanup;
        }
        if (strcmp(cid, keyid) == 0)
            key = n_opt;
        oid[0] = (char)('a' + n_opt);
        oid[1] = 0;
        json_array_append_new(
            opts, json_pack("{s:s, s:s, s:s}", "id", oid, "qti", cid, "text", txt));
        xmlFree(cid);
        free(txt);
        n_opt++;
    }
    if (n_opt < 3) {
        rc = dla_err_set(err, DLA_EINVAL, "%s: item %s: %d choices (3..%d needed)", name,
                         id, n_opt, DLA_DIAG_MAX_OPTIONS);
        goto cleanup;
    }
    if (key < 0) {
        rc = dla_err_set(err, DLA_EINVAL,
                         "%s: item %s: correct response \"%.20s\" is not a choice", name,
                         id, keyid);
        goto cleanup;
    }
    stem = qti_node_text(body, inter);
    c = qti_child(inter, "prompt", "qti-prompt");
    prompt = c ? qti_node_text(c, NULL) : NULL;
    if (stem == NULL) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (prompt != NULL && prompt[0]) {
        size_t sl = strlen(stem);
        if (sl + 1 + strlen(prompt) <= QTI_TEXT_MAX) {
            if (sl > 0)
                stem[sl++] = ' ';
            strcpy(stem + sl, prompt);
        }
    }
    if (stem[0] == 0) {
        rc = dla_err_set(err, DLA_EINVAL, "%s: item %s: empty question text", name, id);
        goto cleanup;
    }
    c = qti_find(root, "modalFeedback", "qti-modal-feedback");
    fb = c ? qti_node_text(c, NULL) : NULL;
    if (fb == NULL || fb[0] == 0) {
        const char *kt =
            json_string_value(json_object_get(json_array_get(opts, (size_t)key), "text"));
        free(fb);
        fb = malloc(QTI_TEXT_MAX + 64);
        if (fb == NULL) {
            rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
            goto cleanup;
        }
        snprintf(
            fb, QTI_TEXT_MAX + 64, "%s%s",
            strcmp(langc, "lt") == 0 ? "Teisingas atsakymas: " : "Correct answer: ", kt);
    }
    res = json_pack(
        "{s:s, s:s, s:s, s:i, s:s, s:O, s:s, s:s, s:s}", "id", id, "lang", langc,
        "competence", comp, "level", level, "stem", stem, "options", opts, "key",
        json_string_value(json_object_get(json_array_get(opts, (size_t)key), "id")),
        "feedback", fb, "source", name);
    if (res == NULL) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    *out = res;
cleanup:
    (void)shuffle;
    json_decref(opts);
    free(stem);
    free(prompt);
    free(keyid);
    free(fb);
    xmlFree(id);
    xmlFree(label);
    xmlFree(lang);
    xmlFree(rid);
    xmlFree(maxc);
    xmlFree(card);
    if (doc != NULL)
        xmlFreeDoc(doc);
    return rc;
}

int dla_qti_join(const json_t *partials, const char *framework, json_t **out,
                 dla_err_t *err)
{
    json_t *docs = json_array(), *p, *q;
    size_t i, j;

    if (docs == NULL)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    json_array_foreach(partials, i, p)
    {
        const char *id = json_string_value(json_object_get(p, "id"));
        const json_t *ver[DLA_LANGS] = {NULL, NULL};
        int dup = 0, l;
        json_t *opts, *item;

        for (j = 0; j < i; j++)
            if (strcmp(
                    json_string_value(json_object_get(json_array_get(partials, j), "id")),
                    id) == 0)
                dup = 1;
        if (dup)
            continue;
        json_array_foreach(partials, j, q)
        {
            if (strcmp(json_string_value(json_object_get(q, "id")), id) != 0)
                continue;
            l = dla_lang_index(json_string_value(json_object_get(q, "lang")));
            if (l < 0 || ver[l] != NULL) {
                json_decref(docs);
                return dla_err_set(err, DLA_EINVAL, "item %s: two %s versions (%s)", id,
                                   json_string_value(json_object_get(q, "lang")),
                                   json_string_value(json_object_get(q, "source")));
            }
            ver[l] = q;
        }
        for (l = 0; l < DLA_LANGS; l++)
            if (ver[l] == NULL) {
                json_decref(docs);
                return dla_err_set(err, DLA_EINVAL,
                                   "item %s: no %s version (every item needs "
                                   "Lithuanian and English, xml:lang=\"lt\" and \"en\")",
                                   id, l == DLA_LANG_LT ? "Lithuanian" : "English");
            }
        if (strcmp(json_string_value(json_object_get(ver[0], "competence")),
                   json_string_value(json_object_get(ver[1], "competence"))) != 0 ||
            json_integer_value(json_object_get(ver[0], "level")) !=
                json_integer_value(json_object_get(ver[1], "level")) ||
            strcmp(json_string_value(json_object_get(ver[0], "key")),
                   json_string_value(json_object_get(ver[1], "key"))) != 0 ||
            json_array_size(json_object_get(ver[0], "options")) !=
                json_array_size(json_object_get(ver[1], "options"))) {
            json_decref(docs);
            return dla_err_set(err, DLA_EINVAL,
                               "item %s: the lt and en versions differ in competence, "
                               "level, key or number of choices",
                               id);
        }
        opts = json_array();
        for (j = 0; j < json_array_size(json_object_get(ver[0], "options")); j++) {
            json_t *o0 = json_array_get(json_object_get(ver[0], "options"), j);
            json_t *o1 = json_array_get(json_object_get(ver[1], "options"), j);
            json_array_append_new(opts, json_pack("{s:O, s:O, s:O}", "id",
                                                  json_object_get(o0, "id"), "lt",
                                                  json_object_get(o0, "text"), "en",
                                                  json_object_get(o1, "text")));
        }
        item =
            json_pack("{s:s, s:O, s:s, s:s, s:{s:O, s:O}, s:o, s:O, s:{s:O, s:O}}", "id",
                      id, "level", json_object_get(ver[0], "level"), "type", "choice",
                      "context", "qti", "stem", "lt", json_object_get(ver[0], "stem"),
                      "en", json_object_get(ver[1], "stem"), "options", opts, "key",
                      json_object_get(ver[0], "key"), "feedback", "lt",
                      json_object_get(ver[0], "feedback"), "en",
                      json_object_get(ver[1], "feedback"));
        if (item == NULL ||
            json_array_append_new(
                docs, json_pack("{s:s, s:O, s:[o]}", "framework", framework, "competence",
                                json_object_get(ver[0], "competence"), "items", item)) !=
                0) {
            json_decref(docs);
            return dla_err_set(err, DLA_ENOMEM, "out of memory");
        }
    }
    *out = docs;
    return DLA_OK;
}
