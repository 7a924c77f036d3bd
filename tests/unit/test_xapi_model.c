/* test_xapi_model.c - statement validation (xapi/model_validate.c) and scalar syntax
 * (xapi/model_syntax.c) for xAPI 1.0.3 and 2.0: accepted and rejected statements. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "model_int.h"

#define V1 1
#define V2 2
#define BOTH 3

#define A                                                                                \
    "\"actor\":{\"objectType\":\"Agent\",\"name\":\"Ona\",\"mbox\":\"mailto:ona@"        \
    "example.lt\"}"
#define VB                                                                               \
    "\"verb\":{\"id\":\"http://example.lt/verbs/"                                        \
    "completed\",\"display\":{\"lt\":\"baigė\"}}"
#define OB "\"object\":{\"id\":\"http://example.lt/course/1\"}"
#define BASE A "," VB "," OB
#define ST(x) "{" BASE "," x "}"
#define SUBST(x)                                                                         \
    "{" A "," VB ",\"object\":{\"objectType\":\"SubStatement\"," A "," VB "," OB "," x   \
    "}}"
#define UUID1 "\"3d0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c21\""

typedef struct vcase_s {
    int versions; /* where the expectation holds */
    int ok;       /* 1 = accepted, 0 = rejected */
    const char *json;
} vcase_t;

static const vcase_t cases[] = {
    /* minimal and complete statements */
    {BOTH, 1, "{" BASE "}"},
    {BOTH, 1, ST("\"id\":" UUID1)},
    {BOTH, 1, ST("\"id\":\"3D0C8A5E-2F4B-4C1E-9A7D-0B6E5F4A3C21\"")},
    {BOTH, 0, ST("\"id\":\"3d0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c2\"")},
    {BOTH, 0, ST("\"id\":\"3d0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c21a\"")},
    {BOTH, 0, ST("\"id\":\"3d0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3g21\"")},
    {BOTH, 0, ST("\"id\":12")},
    {BOTH, 0, "{" A "," VB "}"},
    {BOTH, 0, "{" A "," OB "}"},
    {BOTH, 0, "{" VB "," OB "}"},
    {BOTH, 0, ST("\"extra\":1")},
    {BOTH, 0, ST("\"Result\":{}")},
    {BOTH, 0, ST("\"context\":null")},
    {BOTH, 0, "[]"},
    /* actors */
    {BOTH, 1,
     "{\"actor\":{\"mbox_sha1sum\":\"ab9c6a2a8f0c1f5b7e9d0a3c4b5e6f7a8b9c0d1e\"}," VB
     "," OB "}"},
    {BOTH, 1, "{\"actor\":{\"openid\":\"http://id.example.lt/ona\"}," VB "," OB "}"},
    {BOTH, 1,
     "{\"actor\":{\"account\":{\"homePage\":\"https://"
     "lms.example.lt\",\"name\":\"u-17\"}}," VB "," OB "}"},
    {BOTH, 0, "{\"actor\":{\"name\":\"nobody\"}," VB "," OB "}"},
    {BOTH, 0,
     "{\"actor\":{\"mbox\":\"mailto:a@b.lt\",\"openid\":\"http://id.example.lt/a\"}," VB
     "," OB "}"},
    {BOTH, 0, "{\"actor\":{\"mbox\":\"a@b.lt\"}," VB "," OB "}"},
    {BOTH, 0, "{\"actor\":{\"mbox\":\"mailto:not-an-address\"}," VB "," OB "}"},
    {BOTH, 0, "{\"actor\":{\"mbox_sha1sum\":\"xyz\"}," VB "," OB "}"},
    {BOTH, 0, "{\"actor\":{\"openid\":\"not an iri\"}," VB "," OB "}"},
    {BOTH, 0, "{\"actor\":{\"account\":{\"name\":\"u\"}}," VB "," OB "}"},
    {BOTH, 0,
     "{\"actor\":{\"account\":{\"homePage\":\"https://lms.example.lt\"}}," VB "," OB "}"},
    {BOTH, 0,
     "{\"actor\":{\"account\":{\"homePage\":\"lms\",\"name\":\"u\"}}," VB "," OB "}"},
    {BOTH, 0,
     "{\"actor\":{\"account\":{\"homePage\":\"https://x.lt\",\"name\":7}}," VB "," OB
     "}"},
    {BOTH, 0,
     "{\"actor\":{\"account\":{\"homePage\":\"https://x.lt\",\"name\":\"u\",\"x\":1}}," VB
     "," OB "}"},
    {BOTH, 0,
     "{\"actor\":{\"objectType\":\"agent\",\"mbox\":\"mailto:a@b.lt\"}," VB "," OB "}"},
    {BOTH, 0,
     "{\"actor\":{\"objectType\":\"Person\",\"mbox\":\"mailto:a@b.lt\"}," VB "," OB "}"},
    {BOTH, 0, "{\"actor\":{\"name\":5,\"mbox\":\"mailto:a@b.lt\"}," VB "," OB "}"},
    {BOTH, 0, "{\"actor\":{\"mbox\":\"mailto:a@b.lt\",\"member\":[]}," VB "," OB "}"},
    /* groups */
    {BOTH, 1,
     "{\"actor\":{\"objectType\":\"Group\",\"member\":[{\"mbox\":\"mailto:a@b.lt\"}]}," VB
     "," OB "}"},
    {BOTH, 1,
     "{\"actor\":{\"objectType\":\"Group\",\"mbox\":\"mailto:g@b.lt\"}," VB "," OB "}"},
    {BOTH, 1,
     "{\"actor\":{\"objectType\":\"Group\",\"name\":\"Skyrius\",\"account\":{"
     "\"homePage\":"
     "\"https://hr.example.lt\",\"name\":\"unit-4\"},\"member\":[{\"openid\":\"http://"
     "id.example.lt/a\"}]}," VB "," OB "}"},
    {BOTH, 0, "{\"actor\":{\"objectType\":\"Group\",\"name\":\"anon\"}," VB "," OB "}"},
    {BOTH, 0, "{\"actor\":{\"objectType\":\"Group\",\"member\":[]}," VB "," OB "}"},
    {BOTH, 0,
     "{\"actor\":{\"objectType\":\"Group\",\"member\":{\"mbox\":\"mailto:a@b.lt\"}}," VB
     "," OB "}"},
    {BOTH, 0,
     "{\"actor\":{\"objectType\":\"Group\",\"member\":[{\"objectType\":\"Group\","
     "\"mbox\":"
     "\"mailto:a@b.lt\"}]}," VB "," OB "}"},
    {BOTH, 0,
     "{\"actor\":{\"objectType\":\"Group\",\"member\":[{\"name\":\"no ifi\"}]}," VB "," OB
     "}"},
    {BOTH, 0,
     "{\"actor\":{\"objectType\":\"Group\",\"mbox\":\"mailto:g@b.lt\",\"openid\":\"http:/"
     "/"
     "x.lt/g\"}," VB "," OB "}"},
    /* verbs */
    {BOTH, 0, "{" A ",\"verb\":{\"display\":{\"en\":\"x\"}}," OB "}"},
    {BOTH, 0, "{" A ",\"verb\":{\"id\":\"completed\"}," OB "}"},
    {BOTH, 0, "{" A ",\"verb\":{\"id\":\"http://x.lt/v\",\"display\":\"done\"}," OB "}"},
    {BOTH, 0,
     "{" A ",\"verb\":{\"id\":\"http://x.lt/v\",\"display\":{\"not a tag\":\"x\"}}," OB
     "}"},
    {BOTH, 0,
     "{" A ",\"verb\":{\"id\":\"http://x.lt/v\",\"display\":{\"en\":5}}," OB "}"},
    {BOTH, 0,
     "{" A ",\"verb\":{\"id\":\"http://x.lt/v\",\"name\":{\"en\":\"x\"}}," OB "}"},
    {BOTH, 1,
     "{" A ",\"verb\":{\"id\":\"http://x.lt/"
     "v\",\"display\":{\"zh-Hant-TW\":\"x\",\"sr-Latn-RS\":\"y\",\"es-419\":\"z\"}}," OB
     "}"},
    /* objects */
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"objectType\":\"activity\",\"id\":\"http://x.lt/a\"}}"},
    {BOTH, 0, "{" A "," VB ",\"object\":{\"objectType\":\"Activity\"}}"},
    {BOTH, 0, "{" A "," VB ",\"object\":{\"id\":\"not-iri\"}}"},
    {BOTH, 0, "{" A "," VB ",\"object\":{\"mbox\":\"mailto:a@b.lt\"}}"},
    {BOTH, 1,
     "{" A "," VB ",\"object\":{\"objectType\":\"Agent\",\"mbox\":\"mailto:a@b.lt\"}}"},
    {BOTH, 1,
     "{" A "," VB ",\"object\":{\"objectType\":\"StatementRef\",\"id\":" UUID1 "}}"},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"objectType\":\"StatementRef\",\"id\":\"nope\"}}"},
    {BOTH, 0, "{" A "," VB ",\"object\":{\"objectType\":\"StatementRef\"}}"},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"objectType\":\"StatementRef\",\"id\":" UUID1
     ",\"x\":1}}"},
    {BOTH, 0,
     "{" A ",\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"}," OB "}"},
    {BOTH, 1,
     "{" A ",\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/"
     "voided\"},\"object\":{\"objectType\":\"StatementRef\",\"id\":" UUID1 "}}"},
    /* activity definitions */
    {BOTH, 1,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q1\",\"definition\":{\"name\":{\"lt\":\"Klausimas\"},\"description\":{\"en-US\":"
     "\"Q\"},\"type\":\"http://adlnet.gov/expapi/activities/"
     "cmi.interaction\",\"moreInfo\":\"https://x.lt/"
     "more\",\"interactionType\":\"choice\",\"correctResponsesPattern\":[\"a[,]b\"],"
     "\"choices\":[{\"id\":\"a\",\"description\":{\"lt\":\"A\"}},{\"id\":\"b\"}],"
     "\"extensions\":{\"http://x.lt/ext\":{\"any\":[1,null]}}}}}"},
    {BOTH, 1,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q\",\"definition\":{\"interactionType\":\"matching\",\"source\":[{"
     "\"id\":\"1\"}],\"target\":[{\"id\":\"x\"}]}}}"},
    {BOTH, 1,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q\",\"definition\":{\"interactionType\":\"likert\",\"scale\":[{\"id\":"
     "\"1\"},{\"id\":\"2\"}]}}}"},
    {BOTH, 1,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q\",\"definition\":{\"interactionType\":\"performance\",\"steps\":[{"
     "\"id\":\"s1\"}]}}}"},
    {BOTH, 1,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q\",\"definition\":{\"interactionType\":\"true-false\","
     "\"correctResponsesPattern\":[\"true\"]}}}"},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q\",\"definition\":{\"interactionType\":\"Choice\"}}}"},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q\",\"definition\":{\"interactionType\":\"true-false\",\"choices\":[{"
     "\"id\":\"a\"}]}}}"},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q\",\"definition\":{\"interactionType\":\"choice\",\"choices\":[{"
     "\"id\":\"a\"},{\"id\":\"a\"}]}}}"},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q\",\"definition\":{\"interactionType\":\"choice\",\"choices\":[{"
     "\"description\":{\"en\":\"x\"}}]}}}"},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q\",\"definition\":{\"interactionType\":\"choice\","
     "\"correctResponsesPattern\":\"a\"}}}"},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q\",\"definition\":{\"choices\":[{\"id\":\"a\"}]}}}"},
    {BOTH, 0,
     "{" A "," VB
     ",\"object\":{\"id\":\"http://x.lt/q\",\"definition\":{\"type\":\"meeting\"}}}"},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"id\":\"http://x.lt/"
     "q\",\"definition\":{\"extensions\":{\"notiri\":1}}}}"},
    {BOTH, 0,
     "{" A "," VB
     ",\"object\":{\"id\":\"http://x.lt/q\",\"definition\":{\"extensions\":[]}}}"},
    {BOTH, 0,
     "{" A "," VB
     ",\"object\":{\"id\":\"http://x.lt/q\",\"definition\":{\"name\":\"plain\"}}}"},
    {BOTH, 1,
     "{" A "," VB
     ",\"object\":{\"id\":\"http://x.lt/q\",\"definition\":{\"extensions\":{}}}}"},
    /* result */
    {BOTH, 1,
     ST("\"result\":{\"score\":{\"scaled\":-1,\"raw\":3.5,\"min\":0,\"max\":10},"
        "\"success\":true,\"completion\":false,\"response\":\"b\",\"duration\":"
        "\"PT1H30M5.25S\",\"extensions\":{\"http://x.lt/r\":null}}")},
    {BOTH, 0, ST("\"result\":{\"score\":{\"scaled\":1.0001}}")},
    {BOTH, 0, ST("\"result\":{\"score\":{\"raw\":11,\"max\":10}}")},
    {BOTH, 0, ST("\"result\":{\"score\":{\"raw\":-1,\"min\":0}}")},
    {BOTH, 0, ST("\"result\":{\"score\":{\"min\":5,\"max\":5}}")},
    {BOTH, 0, ST("\"result\":{\"score\":{\"raw\":\"5\"}}")},
    {BOTH, 0, ST("\"result\":{\"success\":\"true\"}")},
    {BOTH, 0, ST("\"result\":{\"duration\":\"1 hour\"}")},
    {BOTH, 0, ST("\"result\":{\"duration\":\"P1W2D\"}")},
    {BOTH, 0, ST("\"result\":{\"duration\":\"PT\"}")},
    {BOTH, 1, ST("\"result\":{\"duration\":\"P2W\"}")},
    {BOTH, 1, ST("\"result\":{\"duration\":\"P1Y2M3DT4H5M6.789S\"}")},
    {BOTH, 0, ST("\"result\":{\"score\":{},\"grade\":\"A\"}")},
    /* context */
    {BOTH, 1,
     ST("\"context\":{\"registration\":" UUID1
        ",\"instructor\":{\"mbox\":\"mailto:t@x.lt\"},\"team\":{\"objectType\":\"Group\","
        "\"member\":[{\"mbox\":\"mailto:a@x.lt\"}]},\"contextActivities\":{\"parent\":{"
        "\"id\":\"http://x.lt/p\"},\"grouping\":[{\"id\":\"http://x.lt/"
        "g\",\"objectType\":\"Activity\"}],\"category\":[],\"other\":[]},\"revision\":"
        "\"3\",\"platform\":\"dla\",\"language\":\"lt-LT\",\"statement\":{\"objectType\":"
        "\"StatementRef\",\"id\":" UUID1 "},\"extensions\":{\"http://x.lt/c\":\"\"}}")},
    {BOTH, 0, ST("\"context\":{\"registration\":\"abc\"}")},
    {BOTH, 0, ST("\"context\":{\"team\":{\"mbox\":\"mailto:t@x.lt\"}}")},
    {BOTH, 0, ST("\"context\":{\"contextActivities\":{\"parent\":\"http://x.lt/p\"}}")},
    {BOTH, 0, ST("\"context\":{\"contextActivities\":{\"sibling\":[]}}")},
    {BOTH, 0,
     ST("\"context\":{\"contextActivities\":{\"parent\":[{\"objectType\":\"Agent\","
        "\"id\":\"http://x.lt/p\"}]}}")},
    {BOTH, 0, ST("\"context\":{\"language\":\"lithuanian language\"}")},
    {BOTH, 0, ST("\"context\":{\"statement\":{\"id\":" UUID1 "}}")},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"objectType\":\"Agent\",\"mbox\":\"mailto:a@b.lt\"},"
     "\"context\":{\"revision\":\"1\"}}"},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"objectType\":\"StatementRef\",\"id\":" UUID1
     "},\"context\":{\"platform\":\"x\"}}"},
    /* 2.0 context agents and groups */
    {V2, 1,
     ST("\"context\":{\"contextAgents\":[{\"objectType\":\"contextAgent\",\"agent\":{"
        "\"mbox\":\"mailto:m@x.lt\"},\"relevantTypes\":[\"http://x.lt/types/"
        "mentor\"]}],\"contextGroups\":[{\"objectType\":\"contextGroup\",\"group\":{"
        "\"objectType\":\"Group\",\"mbox\":\"mailto:g@x.lt\"}}]}")},
    {V1, 0,
     ST("\"context\":{\"contextAgents\":[{\"objectType\":\"contextAgent\",\"agent\":{"
        "\"mbox\":\"mailto:m@x.lt\"}}]}")},
    {V2, 0,
     ST("\"context\":{\"contextAgents\":[{\"objectType\":\"Agent\",\"agent\":{\"mbox\":"
        "\"mailto:m@x.lt\"}}]}")},
    {V2, 0, ST("\"context\":{\"contextAgents\":[{\"objectType\":\"contextAgent\"}]}")},
    {V2, 0,
     ST("\"context\":{\"contextAgents\":[{\"objectType\":\"contextAgent\",\"agent\":{"
        "\"mbox\":\"mailto:m@x.lt\"},\"relevantTypes\":[]}]}")},
    {V2, 0,
     ST("\"context\":{\"contextAgents\":[{\"objectType\":\"contextAgent\",\"agent\":{"
        "\"mbox\":\"mailto:m@x.lt\"},\"relevantTypes\":[\"mentor\"]}]}")},
    {V2, 0,
     ST("\"context\":{\"contextAgents\":{\"objectType\":\"contextAgent\",\"agent\":{"
        "\"mbox\":\"mailto:m@x.lt\"}}}")},
    {V2, 0,
     ST("\"context\":{\"contextGroups\":[{\"objectType\":\"contextGroup\",\"group\":{"
        "\"mbox\":\"mailto:g@x.lt\"}}]}")},
    {V2, 0,
     ST("\"context\":{\"contextGroups\":[{\"objectType\":\"contextAgent\",\"group\":{"
        "\"objectType\":\"Group\",\"mbox\":\"mailto:g@x.lt\"}}]}")},
    /* timestamps, stored, version, authority */
    {BOTH, 1,
     ST("\"timestamp\":\"2026-11-28T15:04:05.123Z\",\"stored\":\"2026-11-28T15:04:05."
        "123456+02:00\"")},
    {BOTH, 1, ST("\"timestamp\":\"2026-11-28T15:04:05+00:00\"")},
    {BOTH, 1, ST("\"timestamp\":\"2046-01-01T00:00:00Z\"")},
    {BOTH, 0, ST("\"timestamp\":\"2026-11-28T15:04:05-00:00\"")},
    {BOTH, 0, ST("\"timestamp\":\"2026-11-28T15:04:05-0000\"")},
    {BOTH, 0, ST("\"timestamp\":\"2026-11-28T15:04:05-00\"")},
    {BOTH, 0, ST("\"timestamp\":\"28/11/2026\"")},
    {BOTH, 0, ST("\"timestamp\":\"2026-02-30T10:00:00Z\"")},
    {BOTH, 0, ST("\"timestamp\":\"2026-11-28T25:00:00Z\"")},
    {V1, 1, ST("\"timestamp\":\"2026-11-28T15:04:05\"")},
    {V2, 0, ST("\"timestamp\":\"2026-11-28T15:04:05\"")},
    {BOTH, 1, ST("\"version\":\"1.0.0\"")},
    {BOTH, 1, ST("\"version\":\"1.0\"")},
    {BOTH, 1, ST("\"version\":\"1.0.9\"")},
    {V2, 1, ST("\"version\":\"2.0.0\"")},
    {V1, 0, ST("\"version\":\"2.0.0\"")},
    {BOTH, 0, ST("\"version\":\"1.1.0\"")},
    {BOTH, 0, ST("\"version\":\"0.95\"")},
    {BOTH, 1,
     ST("\"authority\":{\"account\":{\"homePage\":\"https://"
        "lrs.example.lt\",\"name\":\"key1\"}}")},
    {BOTH, 1,
     ST("\"authority\":{\"objectType\":\"Group\",\"member\":[{\"mbox\":\"mailto:a@x.lt\"}"
        ",{\"account\":{\"homePage\":\"https://x.lt\",\"name\":\"app\"}}]}")},
    {BOTH, 0,
     ST("\"authority\":{\"objectType\":\"Group\",\"member\":[{\"mbox\":\"mailto:a@x.lt\"}"
        "]}")},
    {BOTH, 0,
     ST("\"authority\":{\"objectType\":\"Group\",\"mbox\":\"mailto:g@x.lt\",\"member\":[{"
        "\"mbox\":\"mailto:a@x.lt\"},{\"mbox\":\"mailto:b@x.lt\"}]}")},
    /* substatements */
    {BOTH, 1,
     SUBST("\"timestamp\":\"2026-11-28T15:04:05Z\",\"result\":{\"success\":true}")},
    {BOTH, 0, SUBST("\"id\":" UUID1)},
    {BOTH, 0, SUBST("\"stored\":\"2026-11-28T15:04:05Z\"")},
    {BOTH, 0, SUBST("\"version\":\"1.0.0\"")},
    {BOTH, 0, SUBST("\"authority\":{\"mbox\":\"mailto:a@x.lt\"}")},
    {BOTH, 0, SUBST("\"timestamp\":\"2026-11-28T15:04:05-00:00\"")},
    {BOTH, 0,
     "{" A "," VB ",\"object\":{\"objectType\":\"SubStatement\"," A "," VB
     ",\"object\":{\"objectType\":\"SubStatement\"," BASE "}}}"},
    {BOTH, 0, "{" A "," VB ",\"object\":{\"objectType\":\"SubStatement\"," A "," OB "}}"},
    /* attachments */
    {BOTH, 1,
     ST("\"attachments\":[{\"usageType\":\"http://x.lt/usage/"
        "cert\",\"display\":{\"lt\":\"Pažymėjimas\"},\"description\":{\"en\":"
        "\"Certificate\"},\"contentType\":\"application/"
        "pdf\",\"length\":1024,\"sha2\":"
        "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\","
        "\"fileUrl\":\"https://files.x.lt/c.pdf\"}]")},
    {BOTH, 1,
     ST("\"attachments\":[{\"usageType\":\"http://x.lt/"
        "u\",\"display\":{\"en\":\"t\"},\"contentType\":\"text/plain; "
        "charset=utf-8\",\"length\":0,\"sha2\":"
        "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}]")},
    {BOTH, 0, ST("\"attachments\":{}")},
    {BOTH, 0,
     ST("\"attachments\":[{\"usageType\":\"usage\",\"display\":{\"en\":\"t\"},"
        "\"contentType\":\"text/"
        "plain\",\"length\":1,\"sha2\":"
        "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}]")},
    {BOTH, 0,
     ST("\"attachments\":[{\"usageType\":\"http://x.lt/u\",\"contentType\":\"text/"
        "plain\",\"length\":1,\"sha2\":"
        "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}]")},
    {BOTH, 0,
     ST("\"attachments\":[{\"usageType\":\"http://x.lt/"
        "u\",\"display\":{\"en\":\"t\"},\"contentType\":\"text\",\"length\":1,\"sha2\":"
        "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}]")},
    {BOTH, 0,
     ST("\"attachments\":[{\"usageType\":\"http://x.lt/"
        "u\",\"display\":{\"en\":\"t\"},\"contentType\":\"text/"
        "plain\",\"length\":\"1\",\"sha2\":"
        "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}]")},
    {BOTH, 0,
     ST("\"attachments\":[{\"usageType\":\"http://x.lt/"
        "u\",\"display\":{\"en\":\"t\"},\"contentType\":\"text/"
        "plain\",\"length\":1,\"sha2\":\"abc\"}]")},
    {BOTH, 0,
     ST("\"attachments\":[{\"usageType\":\"http://x.lt/"
        "u\",\"display\":{\"en\":\"t\"},\"contentType\":\"text/"
        "plain\",\"length\":1,\"sha2\":"
        "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\","
        "\"fileUrl\":\"here\"}]")},
};

static json_t *J(const char *s)
{
    json_t *j = json_loads(s, 0, NULL);
    assert_non_null(j);
    return j;
}

static void test_statement_cases(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_error_t je;
        json_t *st = json_loads(cases[i].json, 0, &je);
        if (!st) {
            print_error("case %zu: test JSON does not parse: %s\n", i, je.text);
            failures++;
            continue;
        }
        for (int v = 1; v <= 2; v++) {
            if (!(cases[i].versions & v)) {
                continue;
            }
            dla_err_t err;
            memset(&err, 0, sizeof err);
            int rc = dla_xm_validate_statement(st, v, &err);
            if ((rc == DLA_OK) != cases[i].ok) {
                print_error("case %zu (version %d): expected %s, got rc=%d \"%s\"\n", i,
                            v, cases[i].ok ? "accept" : "reject", rc, err.msg);
                failures++;
            }
            if (rc != DLA_OK && (err.code != DLA_EINVAL || err.msg[0] == '\0')) {
                print_error("case %zu: rejection without message\n", i);
                failures++;
            }
        }
        json_decref(st);
    }
    assert_int_equal(failures, 0);
}

static void test_error_paths(void **state)
{
    (void)state;
    dla_err_t err;
    json_t *st =
        json_loads("{\"actor\":{\"mbox\":\"ona@example.lt\"}," VB "," OB "}", 0, NULL);
    assert_non_null(st);
    assert_int_equal(dla_xm_validate_statement(st, DLA_XAPI_V200, &err), DLA_EINVAL);
    assert_string_equal(err.msg, "actor.mbox: must be a mailto IRI");
    json_decref(st);
    st = json_loads(ST("\"context\":{\"contextActivities\":{\"parent\":[{\"id\":\"http://"
                       "x.lt/a\"},{\"id\":\"bad\"}]}}"),
                    0, NULL);
    assert_int_equal(dla_xm_validate_statement(st, DLA_XAPI_V103, &err), DLA_EINVAL);
    assert_string_equal(
        err.msg, "context.contextActivities.parent[1].id: must be an absolute IRI");
    json_decref(st);
    /* not an object; unknown version */
    st = json_string("x");
    assert_int_equal(dla_xm_validate_statement(st, DLA_XAPI_V103, &err), DLA_EINVAL);
    json_decref(st);
    st = json_loads("{" BASE "}", 0, NULL);
    assert_int_equal(dla_xm_validate_statement(st, 7, &err), DLA_EINVAL);
    assert_int_equal(dla_xm_validate_statement(st, DLA_XAPI_V200, NULL), DLA_OK);
    json_decref(st);
}

static void test_extension_depth(void **state)
{
    (void)state;
    dla_err_t err;
    for (int depth = 10; depth <= 70; depth += 60) {
        char buf[1024];
        int n = snprintf(buf, sizeof buf,
                         "{" BASE ",\"result\":{\"extensions\":{\"http://x.lt/e\":");
        for (int i = 0; i < depth; i++) {
            buf[n++] = '[';
        }
        for (int i = 0; i < depth; i++) {
            buf[n++] = ']';
        }
        snprintf(buf + n, sizeof buf - (size_t)n, "}}}");
        json_t *st = J(buf);
        int rc = dla_xm_validate_statement(st, DLA_XAPI_V200, &err);
        assert_int_equal(rc, depth < DLA_XM_MAX_DEPTH ? DLA_OK : DLA_EINVAL);
        json_decref(st);
    }
}

static void test_agent_param(void **state)
{
    (void)state;
    dla_err_t err;
    json_t *a = json_loads("{\"mbox\":\"mailto:a@x.lt\"}", 0, NULL);
    assert_int_equal(dla_xm_validate_agent(a, DLA_XAPI_V200, NULL, &err), DLA_OK);
    json_decref(a);
    a = json_loads("{\"objectType\":\"Group\",\"mbox\":\"mailto:a@x.lt\"}", 0, NULL);
    assert_int_equal(dla_xm_validate_agent(a, DLA_XAPI_V200, NULL, &err), DLA_EINVAL);
    assert_int_equal(dla_xm_validate_actor(a, DLA_XAPI_V200, NULL, &err), DLA_OK);
    json_decref(a);
    a = json_loads("{\"name\":\"x\"}", 0, NULL);
    assert_int_equal(dla_xm_validate_agent(a, DLA_XAPI_V103, "agent", &err), DLA_EINVAL);
    json_decref(a);
}

static void test_versions(void **state)
{
    (void)state;
    const char *ans;
    assert_int_equal(dla_xm_version_negotiate("1.0.0", &ans), DLA_XAPI_V103);
    assert_string_equal(ans, "1.0.3");
    assert_int_equal(dla_xm_version_negotiate("1.0.3", &ans), DLA_XAPI_V103);
    assert_int_equal(dla_xm_version_negotiate("1.0", &ans), DLA_XAPI_V103);
    assert_int_equal(dla_xm_version_negotiate(" 1.0.2 ", &ans), DLA_XAPI_V103);
    assert_int_equal(dla_xm_version_negotiate("2.0.0", &ans), DLA_XAPI_V200);
    assert_string_equal(ans, "2.0.0");
    assert_int_equal(dla_xm_version_negotiate("2.0.11", &ans), DLA_XAPI_V200);
    assert_int_equal(dla_xm_version_negotiate("1.0.4", &ans), DLA_EINVAL);
    assert_null(ans);
    assert_int_equal(dla_xm_version_negotiate("1.1.0", &ans), DLA_EINVAL);
    assert_int_equal(dla_xm_version_negotiate("2.1.0", &ans), DLA_EINVAL);
    assert_int_equal(dla_xm_version_negotiate("0.95", &ans), DLA_EINVAL);
    assert_int_equal(dla_xm_version_negotiate("", &ans), DLA_EINVAL);
    assert_int_equal(dla_xm_version_negotiate(NULL, &ans), DLA_EINVAL);
    assert_int_equal(dla_xm_version_negotiate("1.0.", NULL), DLA_EINVAL);
    assert_string_equal(dla_xm_version_name(DLA_XAPI_V103), "1.0.3");
    assert_string_equal(dla_xm_version_name(DLA_XAPI_V200), "2.0.0");
}

static void test_langtags(void **state)
{
    (void)state;
    static const char *const good[] = {
        "lt",        "en-US",     "zh-Hant",    "sr-Latn-RS",       "es-419",
        "cmn",       "zh-yue-HK", "de-CH-1901", "en-a-bbb-x-a-ccc", "x-private",
        "i-klingon", "tlh",       "ase",        "sl-rozaj-biske",   NULL};
    static const char *const bad[] = {"",
                                      "e",
                                      "english language",
                                      "en_US",
                                      "123",
                                      "en-",
                                      "-en",
                                      "a12345678",
                                      "zh-z-aaa-z-bbb-c-ccc",
                                      "de-1901-1901",
                                      "en-a",
                                      "x",
                                      "abcdefghi",
                                      "test",
                                      "english",
                                      "engl-US",
                                      NULL};
    for (int i = 0; good[i]; i++) {
        if (!dla_xm_is_langtag(good[i])) {
            fail_msg("expected valid language tag: %s", good[i]);
        }
    }
    for (int i = 0; bad[i]; i++) {
        if (dla_xm_is_langtag(bad[i])) {
            fail_msg("expected invalid language tag: %s", bad[i]);
        }
    }
}

static void test_scalars(void **state)
{
    (void)state;
    assert_true(dla_xm_is_iri("http://example.lt/a?b=c#d"));
    assert_true(dla_xm_is_iri("urn:uuid:3d0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c21"));
    assert_true(dla_xm_is_iri("https://example.lt/mokymai/įvadas"));
    assert_false(dla_xm_is_iri("example.lt/a"));
    assert_false(dla_xm_is_iri("http://exa mple.lt"));
    assert_false(dla_xm_is_iri("http:"));
    assert_false(dla_xm_is_iri("1http://x"));
    assert_false(dla_xm_is_iri("http://x/%zz"));
    assert_false(dla_xm_is_iri(NULL));
    assert_true(dla_xm_is_uuid("3d0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c21"));
    assert_false(dla_xm_is_uuid("3d0c8a5e2f4b4c1e9a7d0b6e5f4a3c21"));
    assert_true(dla_xm_is_duration("PT0.5S"));
    assert_true(dla_xm_is_duration("P1D"));
    assert_true(dla_xm_is_duration("PT16559.14S"));
    assert_false(dla_xm_is_duration("P"));
    assert_false(dla_xm_is_duration("P1.5DT1H"));
    assert_false(dla_xm_is_duration("PT1S2M"));
    assert_false(dla_xm_is_duration("P1H"));
    assert_true(dla_xm_is_mailto("mailto:Ona.Onaite+lrs@example.lt"));
    assert_false(dla_xm_is_mailto("mailto:@example.lt"));
    assert_false(dla_xm_is_mailto("mailto:a@b@c"));
    assert_true(dla_xm_is_sha1hex("ab9c6a2a8f0c1f5b7e9d0a3c4b5e6f7a8b9c0d1e"));
    assert_true(dla_xm_is_sha2hex(
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
    assert_false(dla_xm_is_sha2hex("9f86d0"));
    char hex[65];
    dla_xm_sha256_hex("test", 4, hex);
    assert_string_equal(
        hex, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

static void test_timestamps(void **state)
{
    (void)state;
    int64_t a, b;
    char buf[32];
    assert_int_equal(dla_xm_ts_parse("2023-05-04T12:00:00-05:00", &a), DLA_OK);
    assert_int_equal(dla_xm_ts_parse("2023-05-04T17:00:00.000Z", &b), DLA_OK);
    assert_true(a == b);
    dla_xm_ts_format(a, 3, buf);
    assert_string_equal(buf, "2023-05-04T17:00:00.000Z");
    assert_int_equal(dla_xm_ts_parse("1970-01-01T00:00:00.0000019Z", &a), DLA_OK);
    assert_true(a == 1);
    assert_int_equal(dla_xm_ts_parse("2026-11-28T15:04:05.123456+0130", &a), DLA_OK);
    dla_xm_ts_format(a, 6, buf);
    assert_string_equal(buf, "2026-11-28T13:34:05.123456Z");
    assert_int_equal(dla_xm_ts_parse("2024-02-29T23:59:59Z", &a), DLA_OK);
    assert_int_equal(dla_xm_ts_parse("2023-02-29T23:59:59Z", &a), DLA_EINVAL);
    assert_int_equal(dla_xm_ts_parse("2023-05-04T12:00:00.Z", &a), DLA_EINVAL);
    assert_int_equal(dla_xm_ts_parse("2023-05-04T12:00:00-00:00", &a), DLA_EINVAL);
    assert_int_equal(dla_xm_ts_parse("2023-05-04T12:00:00+24:00", &a), DLA_EINVAL);
    assert_int_equal(dla_xm_ts_parse("2008-09-15 15:53:00.601+00:00", &a), DLA_OK);
    assert_int_equal(dla_xm_ts_parse("1969-12-31T23:59:59.500Z", &a), DLA_OK);
    assert_true(a == -500000);
    dla_xm_ts_format(a, 3, buf);
    assert_string_equal(buf, "1969-12-31T23:59:59.500Z");
    int64_t now = dla_xm_now_us();
    assert_true(now > 1700000000LL * 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statement_cases), cmocka_unit_test(test_error_paths),
        cmocka_unit_test(test_agent_param),     cmocka_unit_test(test_extension_depth),
        cmocka_unit_test(test_versions),        cmocka_unit_test(test_langtags),
        cmocka_unit_test(test_scalars),         cmocka_unit_test(test_timestamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
