/* lti_pox.c - LTI 1.1 Basic Outcomes: POX envelopes built and parsed with libxml2.
 *
 * Parsing is defensive: size-limited, no network (XML_PARSE_NONET), no entity
 * substitution, and documents carrying a DTD are refused before libxml2 sees
 * them, so neither external entities nor entity expansion can happen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lti_int.h"

#define POX_NS "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"

static xmlNodePtr child(xmlNodePtr parent, xmlNsPtr ns, const char *name,
                        const char *text)
{
    return xmlNewTextChild(parent, ns, BAD_CAST name, text ? BAD_CAST text : NULL);
}

/* Builds a request envelope; returns a new malloc()ed string (caller frees). */
char *lti_pox_build(lti_pox_op_t op, const char *msg_id, const char *sourcedid,
                    double score, const char *lang, size_t *len_out)
{
    static const char *ops[] = {"replaceResultRequest", "readResultRequest",
                                "deleteResultRequest"};
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlChar *mem = NULL;
    char *out = NULL;
    int size = 0;
    if (!doc)
        return NULL;
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "imsx_POXEnvelopeRequest");
    if (!root)
        goto cleanup;
    xmlDocSetRootElement(doc, root);
    xmlNsPtr ns = xmlNewNs(root, BAD_CAST POX_NS, NULL);
    xmlSetNs(root, ns);
    xmlNodePtr hdr = child(root, ns, "imsx_POXHeader", NULL);
    xmlNodePtr info = hdr ? child(hdr, ns, "imsx_POXRequestHeaderInfo", NULL) : NULL;
    if (!info || !child(info, ns, "imsx_version", "V1.0") ||
        !child(info, ns, "imsx_messageIdentifier", msg_id))
        goto cleanup;
    xmlNodePtr body = child(root, ns, "imsx_POXBody", NULL);
    xmlNodePtr req = body ? child(body, ns, ops[op], NULL) : NULL;
    xmlNodePtr rec = req ? child(req, ns, "resultRecord", NULL) : NULL;
    xmlNodePtr guid = rec ? child(rec, ns, "sourcedGUID", NULL) : NULL;
    if (!guid || !child(guid, ns, "sourcedId", sourcedid))
        goto cleanup;
    if (op == LTI_POX_REPLACE) {
        char sc[32];
        if (score < 0.0 || score > 1.0 || score != score)
            goto cleanup;
        snprintf(sc, sizeof sc, "%.4f", score);
        xmlNodePtr res = child(rec, ns, "result", NULL);
        xmlNodePtr rs = res ? child(res, ns, "resultScore", NULL) : NULL;
        if (!rs || !child(rs, ns, "language", lang ? lang : "en") ||
            !child(rs, ns, "textString", sc))
            goto cleanup;
    }
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    if (!mem)
        goto cleanup;
    out = malloc((size_t)size + 1);
    if (out) {
        memcpy(out, mem, (size_t)size);
        out[size] = '\0';
        if (len_out)
            *len_out = (size_t)size;
    }
cleanup:
    xmlFree(mem);
    xmlFreeDoc(doc);
    return out;
}

/* First descendant element (depth-first) with local name `name`. */
static xmlNodePtr find(xmlNodePtr n, const char *name, int depth)
{
    if (depth > 32)
        return NULL;
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrcmp(n->name, BAD_CAST name) == 0)
            return n;
        xmlNodePtr r = find(n->children, name, depth + 1);
        if (r)
            return r;
    }
    return NULL;
}

static void text_of(xmlNodePtr n, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!n)
        return;
    xmlChar *t = xmlNodeGetContent(n);
    if (t) {
        /* trim surrounding whitespace */
        const char *s = (const char *)t;
        while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
            s++;
        snprintf(buf, cap, "%s", s);
        size_t l = strlen(buf);
        while (l && (buf[l - 1] == ' ' || buf[l - 1] == '\n' || buf[l - 1] == '\r' ||
                     buf[l - 1] == '\t'))
            buf[--l] = '\0';
        xmlFree(t);
    }
}

static int parse_score(const char *s, double *out)
{
    char *end = NULL;
    if (!*s)
        return -1;
    double v = strtod(s, &end);
    while (end && (*end == ' '))
        end++;
    if (!end || *end || v != v || v < 0.0 || v > 1.0)
        return -1;
    *out = v;
    return 0;
}

int lti_pox_parse(const char *xml, size_t len, int request, lti_pox_resp_t *out,
                  char *sourcedid, size_t sourcedid_cap, dla_err_t *err)
{
    xmlDocPtr doc = NULL;
    int rc = DLA_OK;
    char buf[64];
    memset(out, 0, sizeof *out);
    if (sourcedid && sourcedid_cap)
        sourcedid[0] = '\0';
    if (len > LTI_MAX_POX)
        return dla_err_set(err, DLA_ETOOBIG, "outcomes xml larger than %d bytes",
                           LTI_MAX_POX);
    if (memmem(xml, len, "<!DOCTYPE", 9) || memmem(xml, len, "<!ENTITY", 8) ||
        memmem(xml, len, "<!doctype", 9))
        return dla_err_set(err, DLA_EINVAL, "outcomes xml must not carry a DTD");
    doc = xmlReadMemory(xml, (int)len, "pox.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        rc = dla_err_set(err, DLA_EINVAL, "outcomes xml is not well-formed");
        goto cleanup;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    const char *want = request ? "imsx_POXEnvelopeRequest" : "imsx_POXEnvelopeResponse";
    if (!root || xmlStrcmp(root->name, BAD_CAST want) != 0) {
        rc = dla_err_set(err, DLA_EINVAL, "root element is not %s", want);
        goto cleanup;
    }
    xmlNodePtr body = find(root->children, "imsx_POXBody", 0);
    xmlNodePtr op = NULL;
    if (body)
        for (op = body->children; op && op->type != XML_ELEMENT_NODE; op = op->next)
            ;
    if (op)
        snprintf(out->op, sizeof out->op, "%s", (const char *)op->name);
    if (!request) {
        text_of(find(root->children, "imsx_codeMajor", 0), out->code_major,
                sizeof out->code_major);
        text_of(find(root->children, "imsx_description", 0), out->description,
                sizeof out->description);
        if (!out->code_major[0]) {
            rc = dla_err_set(err, DLA_EINVAL, "response has no imsx_codeMajor");
            goto cleanup;
        }
        if (!out->op[0])
            text_of(find(root->children, "imsx_operationRefIdentifier", 0), out->op,
                    sizeof out->op);
    } else {
        if (!op) {
            rc = dla_err_set(err, DLA_EINVAL, "request has no operation");
            goto cleanup;
        }
        if (sourcedid)
            text_of(find(op->children, "sourcedId", 0), sourcedid, sourcedid_cap);
    }
    xmlNodePtr ts = op ? find(op->children, "textString", 0) : NULL;
    if (ts) {
        text_of(ts, buf, sizeof buf);
        if (buf[0]) {
            if (parse_score(buf, &out->score) != 0) {
                rc = dla_err_set(err, DLA_EINVAL,
                                 "score \"%.32s\" is not a number in 0..1", buf);
                goto cleanup;
            }
            out->has_score = 1;
        }
    }
cleanup:
    xmlFreeDoc(doc);
    return rc;
}
