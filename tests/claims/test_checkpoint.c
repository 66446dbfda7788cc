/*
 * test_checkpoint.c: claims/checkpoint.c, Ed25519 keys, C2SP signed notes and checkpoints.
 *
 * Interoperability vectors come from the reference implementation's tests,
 * golang.org/x/mod/sumdb/note/note_test.go (TestNewVerifier, TestNewSigner, TestSign,
 * TestOpen): the "PeterNeumann" key, whose private seed, key hash c74f20a3, verifier key and
 * signature over a fixed text are published there (Ed25519 is deterministic, RFC 8032, so our
 * signature must equal theirs byte for byte), and the "EnochRoot" signature used to check that
 * other keys' signatures are ignored. The checkpoint layout follows c2sp.org/tlog-checkpoint.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "claims/checkpoint.h"
#include "data/base64.h"
#include "tests/ds_test.h"

#define DASH "\xE2\x80\x94 "

/* note_test.go, TestNewSigner / TestSign / TestOpen. */
static const char PETER_SKEY_B64[] = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char PETER_VKEY[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char ENOCH_VKEY[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char GO_TEXT[] = "If you think cryptography is the answer to your problem,\n"
                              "then you don't know what your problem is.\n";
static const char PETER_SIG[] =
    DASH "PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuG"
         "UgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char ENOCH_SIG[] =
    DASH "EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp"
         "+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

/* Writes the Go test's PeterNeumann private key (0x01 || seed) as a PKCS#8 PEM file. */
static void write_peter_key(const char *path)
{
    uint8_t typed[33];
    size_t n = 0;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_base64_decode_buf(typed, sizeof typed, &n, PETER_SKEY_B64,
                                               strlen(PETER_SKEY_B64), "skey", &err),
                          0);
    CU_ASSERT_EQUAL_FATAL(n, 33);
    CU_ASSERT_EQUAL_FATAL(typed[0], 0x01);
    EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, typed + 1, 32);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pkey);
    unlink(path);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) == 1);
    fclose(f);
    EVP_PKEY_free(pkey);
}

static char *concat(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

static void test_checkpoint__reproduces_go_note_signature_and_keys(void)
{
    write_peter_key("peter.pem");
    ds_signer *signer = NULL;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_key_load(&signer, "peter.pem", "PeterNeumann", &err), 0);
    CU_ASSERT_EQUAL(ds_signer_key_hash(signer), 0xc74f20a3u);
    CU_ASSERT_STRING_EQUAL(ds_signer_name(signer), "PeterNeumann");
    char *vkey = NULL;
    CU_ASSERT_EQUAL(ds_signer_verifier_key(&vkey, signer), 0);
    CU_ASSERT_STRING_EQUAL(vkey, PETER_VKEY);
    free(vkey);
    /* TestSign: the whole signed note, byte for byte. */
    char *note = NULL;
    CU_ASSERT_EQUAL_FATAL(ds_note_sign(&note, signer, GO_TEXT, &err), 0);
    char *want = concat(GO_TEXT, "\n", PETER_SIG);
    CU_ASSERT_STRING_EQUAL(note, want);
    free(want);
    free(note);
    ds_signer_free(signer);
}

static void test_checkpoint__verifier_key_rejects_every_mangling(void)
{
    ds_verifier *v = NULL;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_verifier_parse(&v, PETER_VKEY, &err), 0);
    CU_ASSERT_STRING_EQUAL(ds_verifier_name(v), "PeterNeumann");
    CU_ASSERT_EQUAL(ds_verifier_key_hash(v), 0xc74f20a3u);
    ds_verifier_free(v);
    /* TestNewVerifier: every proper substring and every byte incremented must fail. */
    char buf[sizeof PETER_VKEY];
    size_t n = strlen(PETER_VKEY);
    for (size_t i = 0; i <= n; i++) {
        for (size_t j = i + 1; j <= n; j++) {
            if (i == 0 && j == n)
                continue;
            memcpy(buf, PETER_VKEY + i, j - i);
            buf[j - i] = '\0';
            v = NULL;
            int rc = ds_verifier_parse(&v, buf, &err);
            if (rc != DS_EINVAL)
                fprintf(stderr, "\n  accepted %s\n", buf);
            CU_ASSERT_EQUAL(rc, DS_EINVAL);
            CU_ASSERT_PTR_NULL(v);
            ds_verifier_free(v);
        }
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(buf, PETER_VKEY, n + 1);
        buf[i]++;
        v = NULL;
        CU_ASSERT_EQUAL(ds_verifier_parse(&v, buf, &err), DS_EINVAL);
        ds_verifier_free(v);
    }
    /* Wrong key length and unknown algorithm, each with a key hash adjusted to match. */
    CU_ASSERT_EQUAL(
        ds_verifier_parse(
            &v,
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", &err),
        DS_EINVAL);
    CU_ASSERT_EQUAL(
        ds_verifier_parse(&v, "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          &err),
        DS_EINVAL);
    CU_ASSERT(strstr(err.message, "algorithm") != NULL);
    /* Upper-case hex is refused: one spelling per key. */
    CU_ASSERT_EQUAL(
        ds_verifier_parse(&v, "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                          &err),
        DS_EINVAL);
    CU_ASSERT_EQUAL(ds_verifier_parse(&v, NULL, &err), DS_EINVAL);
}

static void expect_open(const char *note, const ds_verifier *v, int want_rc, const char *want_msg)
{
    size_t text_len = 777;
    ds_error err;
    ds_error_clear(&err);
    int rc = ds_note_open(&text_len, note, v, &err);
    if (rc != want_rc || (want_msg && !strstr(err.message, want_msg)))
        fprintf(stderr, "\n  note %.40s...: rc %d (%s), expected %d (%s)\n", note, rc, err.message,
                want_rc, want_msg ? want_msg : "");
    CU_ASSERT_EQUAL(rc, want_rc);
    if (want_msg)
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, want_msg));
    if (rc == 0)
        CU_ASSERT_EQUAL(text_len, strlen(GO_TEXT));
}

static void test_checkpoint__opens_go_notes_as_the_reference_does(void)
{
    ds_verifier *peter = NULL, *enoch = NULL;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_verifier_parse(&peter, PETER_VKEY, &err), 0);
    CU_ASSERT_EQUAL_FATAL(ds_verifier_parse(&enoch, ENOCH_VKEY, &err), 0);
    char *both = concat(GO_TEXT, "\n", ENOCH_SIG);
    char *tmp = both;
    both = concat(GO_TEXT, "\n", PETER_SIG);
    free(tmp);
    tmp = both;
    both = concat(tmp, ENOCH_SIG, "");
    free(tmp);
    /* One signature verified, the other key's ignored; either verifier opens it. */
    expect_open(both, peter, 0, NULL);
    expect_open(both, enoch, 0, NULL);
    free(both);

    /* Only Enoch signed: no signature by Peter's key. */
    char *enoch_only = concat(GO_TEXT, "\n", ENOCH_SIG);
    expect_open(enoch_only, peter, DS_EMISMATCH, "no signature by key PeterNeumann");
    free(enoch_only);

    /* Invalid signature: "ABCD" inserted 60 bytes into Peter's line. */
    char bad_sig[256];
    snprintf(bad_sig, sizeof bad_sig, "%.60sABCD%s", PETER_SIG, PETER_SIG + 60);
    char *invalid = concat(GO_TEXT, "\n", bad_sig);
    expect_open(invalid, peter, DS_EMISMATCH, "does not verify");
    free(invalid);

    /* Duplicated signature lines of known and unknown keys are fine. */
    char *dup = concat(GO_TEXT, "\n", PETER_SIG);
    tmp = dup;
    dup = concat(tmp, PETER_SIG, ENOCH_SIG);
    free(tmp);
    expect_open(dup, peter, 0, NULL);
    free(dup);

    /* Too many signatures: 101 lines. */
    size_t cap = strlen(GO_TEXT) + 1 + 101 * strlen(PETER_SIG) + 1;
    char *many = malloc(cap);
    snprintf(many, cap, "%s\n", GO_TEXT);
    for (int i = 0; i < 101; i++)
        memcpy(many + strlen(many), PETER_SIG, sizeof PETER_SIG);
    expect_open(many, peter, DS_EINVAL, "too many signatures");
    free(many);

    /* TestOpen's malformed messages. */
    char sig_no_nl[256];
    snprintf(sig_no_nl, sizeof sig_no_nl, "%.*s", (int)strlen(PETER_SIG) - 1, PETER_SIG);
    char *bad[7];
    bad[0] = concat(GO_TEXT, "", "");
    bad[1] = concat(GO_TEXT, "\n", "");
    bad[2] = concat(GO_TEXT, "\n", sig_no_nl);
    bad[3] = concat("\x01", GO_TEXT, "\n");
    tmp = bad[3];
    bad[3] = concat(tmp, PETER_SIG, "");
    free(tmp);
    bad[4] = concat("\xff", GO_TEXT, "\n");
    tmp = bad[4];
    bad[4] = concat(tmp, PETER_SIG, "");
    free(tmp);
    bad[5] =
        concat(GO_TEXT, "\n",
               DASH "Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXg"
                    "KvqfqdngotpRZb6KE6RyyBwJnAM=");
    bad[6] = concat(GO_TEXT, "\n", PETER_SIG);
    tmp = bad[6];
    bad[6] = concat(tmp, "Unexpected line.\n", "");
    free(tmp);
    for (int i = 0; i < 7; i++) {
        expect_open(bad[i], peter, DS_EINVAL, "malformed signed note");
        free(bad[i]);
    }

    /* A signature under another name, or with another key hash, is not Peter's. */
    char misnamed[256];
    snprintf(misnamed, sizeof misnamed, DASH "CarmenSandiego %s",
             PETER_SIG + strlen(DASH "PeterNeumann "));
    char *note = concat(GO_TEXT, "\n", misnamed);
    expect_open(note, peter, DS_EMISMATCH, "no signature by key PeterNeumann");
    free(note);
    char wrong_hash[256];
    snprintf(wrong_hash, sizeof wrong_hash, DASH "PeterNeumann xxxx%s",
             PETER_SIG + strlen(DASH "PeterNeumann x08g"));
    note = concat(GO_TEXT, "\n", wrong_hash);
    expect_open(note, peter, DS_EMISMATCH, "has key hash");
    free(note);
    expect_open(NULL, peter, DS_EINVAL, NULL);

    /* Other keys' lines only need the spec's name syntax: a 300-byte name (longer than dsure
     * stores) and a DEL character are ignored, not malformed. */
    char long_name[301];
    memset(long_name, 'w', 300);
    long_name[300] = '\0';
    long_name[7] = 0x7F;
    char witness[512];
    snprintf(witness, sizeof witness, DASH "%s AAAAAAAAAAAAAAAA\n", long_name);
    note = concat(GO_TEXT, "\n", witness);
    tmp = note;
    note = concat(tmp, PETER_SIG, "");
    free(tmp);
    expect_open(note, peter, 0, NULL);
    free(note);

    ds_verifier_free(peter);
    ds_verifier_free(enoch);
}

static const char ORIGIN[] = "ledger.example-platform.cn/P-001";

static ds_signer *fresh_signer(const char *path, const char *name)
{
    unlink(path);
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_key_generate(path, &err), 0);
    ds_signer *s = NULL;
    CU_ASSERT_EQUAL_FATAL(ds_key_load(&s, path, name, &err), 0);
    return s;
}

static ds_verifier *verifier_of(const ds_signer *s)
{
    char *vkey = NULL;
    CU_ASSERT_EQUAL_FATAL(ds_signer_verifier_key(&vkey, s), 0);
    ds_verifier *v = NULL;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_verifier_parse(&v, vkey, &err), 0);
    free(vkey);
    return v;
}

static void test_checkpoint__sign_then_open_round_trips(void)
{
    ds_signer *s = fresh_signer("log.key", ORIGIN);
    ds_verifier *v = verifier_of(s);
    uint8_t root[32];
    for (int i = 0; i < 32; i++)
        root[i] = (uint8_t)(i * 7 + 1);
    static const uint64_t sizes[] = {0, 1, 12345, UINT64_MAX};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        char *note = NULL;
        ds_error err;
        CU_ASSERT_EQUAL_FATAL(ds_checkpoint_sign(&note, s, ORIGIN, sizes[k], root, &err), 0);
        /* Layout: body, blank line, one signature line of 4 + 64 bytes in base64 (92 chars). */
        char b64[64], head[512];
        ds_base64_encode_buf(b64, sizeof b64, root, 32);
        snprintf(head, sizeof head, "%s\n%llu\n%s\n\n" DASH "%s ", ORIGIN,
                 (unsigned long long)sizes[k], b64, ORIGIN);
        CU_ASSERT_EQUAL(strncmp(note, head, strlen(head)), 0);
        CU_ASSERT_EQUAL(strlen(note), strlen(head) + 92 + 1);
        CU_ASSERT_EQUAL(note[strlen(note) - 1], '\n');
        ds_checkpoint cp;
        memset(&cp, 0xAB, sizeof cp);
        CU_ASSERT_EQUAL(ds_checkpoint_open(&cp, note, v, ORIGIN, &err), 0);
        CU_ASSERT_STRING_EQUAL(cp.origin, ORIGIN);
        CU_ASSERT_EQUAL(cp.size, sizes[k]);
        CU_ASSERT_EQUAL(memcmp(cp.root, root, 32), 0);
        /* NULL expected origin means the verifier's key name. */
        CU_ASSERT_EQUAL(ds_checkpoint_open(&cp, note, v, NULL, &err), 0);
        /* Ed25519 is deterministic: the same head gives the same note. */
        char *again = NULL;
        CU_ASSERT_EQUAL(ds_checkpoint_sign(&again, s, ORIGIN, sizes[k], root, &err), 0);
        CU_ASSERT_STRING_EQUAL(again, note);
        free(again);
        free(note);
    }
    /* A verifier built straight from the signer agrees with the parsed one. */
    ds_verifier *v2 = NULL;
    ds_error err;
    CU_ASSERT_EQUAL(ds_verifier_from_signer(&v2, s, &err), 0);
    CU_ASSERT_EQUAL(ds_verifier_key_hash(v2), ds_verifier_key_hash(v));
    CU_ASSERT_EQUAL(ds_verifier_key_hash(v2), ds_signer_key_hash(s));
    ds_verifier_free(v2);
    ds_verifier_free(v);
    ds_signer_free(s);
}

static int open_rc(const char *note, const ds_verifier *v, const char *origin, ds_error *err)
{
    ds_checkpoint cp;
    ds_error_clear(err);
    return ds_checkpoint_open(&cp, note, v, origin, err);
}

static void test_checkpoint__any_flipped_byte_is_rejected(void)
{
    ds_signer *s = fresh_signer("log.key", ORIGIN);
    ds_verifier *v = verifier_of(s);
    uint8_t root[32] = {0};
    root[31] = 1;
    char *note = NULL;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_checkpoint_sign(&note, s, ORIGIN, 1000, root, &err), 0);
    size_t n = strlen(note);
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            note[i] ^= (char)(1 << bit);
            int rc = open_rc(note, v, ORIGIN, &err);
            if (rc != DS_EINVAL && rc != DS_EMISMATCH)
                fprintf(stderr, "\n  byte %zu bit %d: rc %d\n", i, bit, rc);
            CU_ASSERT(rc == DS_EINVAL || rc == DS_EMISMATCH);
            note[i] ^= (char)(1 << bit);
        }
    }
    CU_ASSERT_EQUAL(open_rc(note, v, ORIGIN, &err), 0);

    /* Named cases and their messages. */
    char *body_end = strstr(note, "\n\n");
    char *size_digit = strchr(note, '\n') + 1; /* "1000" */
    *size_digit = '2';
    CU_ASSERT_EQUAL(open_rc(note, v, ORIGIN, &err), DS_EMISMATCH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "does not verify"));
    *size_digit = '1';
    note[0] = 'L'; /* origin in the body */
    CU_ASSERT_EQUAL(open_rc(note, v, ORIGIN, &err), DS_EMISMATCH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "does not verify"));
    note[0] = 'l';
    char *name = body_end + 2 + strlen(DASH);
    name[0] = 'L'; /* key name in the signature line */
    CU_ASSERT_EQUAL(open_rc(note, v, ORIGIN, &err), DS_EMISMATCH);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(err.message, "no signature by key ledger.example-platform.cn/P-001"));
    name[0] = 'l';
    char *sig = name + strlen(ORIGIN) + 1;
    char saved = sig[2];
    sig[2] = sig[2] == 'A' ? 'B' : 'A'; /* key hash bytes */
    CU_ASSERT_EQUAL(open_rc(note, v, ORIGIN, &err), DS_EMISMATCH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "has key hash"));
    sig[2] = saved;
    saved = sig[40];
    sig[40] = sig[40] == 'A' ? 'B' : 'A'; /* signature bytes */
    CU_ASSERT_EQUAL(open_rc(note, v, ORIGIN, &err), DS_EMISMATCH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "does not verify"));
    sig[40] = saved;
    CU_ASSERT_EQUAL(open_rc(note, v, ORIGIN, &err), 0);

    /* Another log's origin expected: refused, naming both. */
    CU_ASSERT_EQUAL(open_rc(note, v, "ledger.example-platform.cn/P-002", &err), DS_EMISMATCH);
    CU_ASSERT_STRING_EQUAL(err.field, "checkpoint.origin");

    /* Another key under the same name. */
    ds_signer *other = fresh_signer("other.key", ORIGIN);
    ds_verifier *ov = verifier_of(other);
    CU_ASSERT_EQUAL(open_rc(note, ov, ORIGIN, &err), DS_EMISMATCH);
    ds_verifier_free(ov);
    ds_signer_free(other);
    free(note);
    ds_verifier_free(v);
    ds_signer_free(s);
}

/* Signs an arbitrary body with the log key and opens it as a checkpoint. */
static int open_body(const ds_signer *s, const ds_verifier *v, const char *body, ds_checkpoint *cp,
                     ds_error *err)
{
    char *note = NULL;
    int rc = ds_note_sign(&note, s, body, err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    rc = ds_checkpoint_open(cp, note, v, ORIGIN, err);
    free(note);
    return rc;
}

static void test_checkpoint__body_is_parsed_strictly(void)
{
    ds_signer *s = fresh_signer("log.key", ORIGIN);
    ds_verifier *v = verifier_of(s);
    ds_checkpoint cp;
    ds_error err;
    const char *root = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="; /* bytes 0..31 */
    char body[512];
    /* Extension lines are accepted and ignored. */
    snprintf(body, sizeof body, "%s\n42\n%s\nextension one\nextension two\n", ORIGIN, root);
    CU_ASSERT_EQUAL(open_body(s, v, body, &cp, &err), 0);
    CU_ASSERT_EQUAL(cp.size, 42);
    CU_ASSERT_EQUAL(cp.root[31], 31);
    snprintf(body, sizeof body, "%s\n18446744073709551615\n%s\n", ORIGIN, root);
    CU_ASSERT_EQUAL(open_body(s, v, body, &cp, &err), 0);
    CU_ASSERT_EQUAL(cp.size, UINT64_MAX);
    static const struct {
        const char *size, *root, *field;
    } bad[] = {
        {"042", NULL, "checkpoint.size"},
        {"18446744073709551616", NULL, "checkpoint.size"},
        {"-1", NULL, "checkpoint.size"},
        {" 5", NULL, "checkpoint.size"},
        {"0x10", NULL, "checkpoint.size"},
        {"5", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", "checkpoint.root"}, /* 31 bytes */
        {"5", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==", "checkpoint.root"},
        {"5", "not base64!", "checkpoint.root"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, "%s\n%s\n%s\n", ORIGIN, bad[i].size,
                 bad[i].root ? bad[i].root : root);
        CU_ASSERT_EQUAL(open_body(s, v, body, &cp, &err), DS_EINVAL);
        CU_ASSERT_STRING_EQUAL(err.field, bad[i].field);
    }
    snprintf(body, sizeof body, "%s\n5\n", ORIGIN);
    CU_ASSERT_EQUAL(open_body(s, v, body, &cp, &err), DS_EINVAL);
    snprintf(body, sizeof body, "%s\n\n5\n%s\n", ORIGIN, root);
    CU_ASSERT_EQUAL(open_body(s, v, body, &cp, &err), DS_EINVAL);
    ds_verifier_free(v);
    ds_signer_free(s);
}

static void test_checkpoint__refuses_bad_origins_and_texts(void)
{
    ds_signer *s = fresh_signer("log.key", ORIGIN);
    uint8_t root[32] = {0};
    char *note = (char *)1;
    ds_error err;
    CU_ASSERT_EQUAL(
        ds_checkpoint_sign(&note, s, "ledger.example-platform.cn/P-002", 1, root, &err),
        DS_EINVAL);
    CU_ASSERT_PTR_NULL(note);
    static const char *const bad_names[] = {"",
                                            "a b",
                                            "a+b",
                                            "tab\there",
                                            "nbsp\xC2\xA0x",
                                            "ideo\xE3\x80\x80x",
                                            "bad\xFFutf8",
                                            "line\nbreak"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        CU_ASSERT_EQUAL(ds_checkpoint_sign(&note, s, bad_names[i], 1, root, &err), DS_EINVAL);
        ds_signer *t = (ds_signer *)1;
        CU_ASSERT_EQUAL(ds_key_load(&t, "log.key", bad_names[i], &err), DS_EINVAL);
        CU_ASSERT_PTR_NULL(t);
    }
    CU_ASSERT_EQUAL(ds_note_sign(&note, s, "no final newline", &err), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_note_sign(&note, s, "ends in a blank line\n\n", &err), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_note_sign(&note, s, "control \x01 character\n", &err), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_note_sign(&note, s, "", &err), DS_EINVAL);
    ds_signer_free(s);
}

static void test_checkpoint__key_file_is_private_and_never_overwritten(void)
{
    unlink("private.key");
    mode_t old = umask(0); /* even with a permissive umask */
    ds_error err;
    CU_ASSERT_EQUAL(ds_key_generate("private.key", &err), 0);
    umask(old);
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat("private.key", &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
    FILE *f = fopen("private.key", "r");
    char first[64] = {0}, before[4096] = {0}, after[4096] = {0};
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t n_before = fread(before, 1, sizeof before - 1, f);
    fclose(f);
    memcpy(first, before, 27);
    CU_ASSERT_STRING_EQUAL(first, "-----BEGIN PRIVATE KEY-----"); /* PKCS#8 */

    CU_ASSERT_EQUAL(ds_key_generate("private.key", &err), DS_ECONFLICT);
    CU_ASSERT_STRING_EQUAL(err.field, "private.key");
    f = fopen("private.key", "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t n_after = fread(after, 1, sizeof after - 1, f);
    fclose(f);
    CU_ASSERT_EQUAL(n_after, n_before);
    CU_ASSERT_STRING_EQUAL(after, before);

    CU_ASSERT_EQUAL(ds_key_generate("no-such-dir/x.key", &err), DS_EIO);
    ds_signer *s = (ds_signer *)1;
    CU_ASSERT_EQUAL(ds_key_load(&s, "missing.key", ORIGIN, &err), DS_ENOTFOUND);
    CU_ASSERT_PTR_NULL(s);

    f = fopen("garbage.key", "w");
    fputs("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(ds_key_load(&s, "garbage.key", ORIGIN, &err), DS_EINVAL);

    /* A valid PKCS#8 key of another algorithm (X25519) is refused. */
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
    EVP_PKEY *x = NULL;
    CU_ASSERT_FATAL(ctx && EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_keygen(ctx, &x) > 0);
    f = fopen("x25519.key", "w");
    PEM_write_PrivateKey(f, x, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    EVP_PKEY_free(x);
    EVP_PKEY_CTX_free(ctx);
    CU_ASSERT_EQUAL(ds_key_load(&s, "x25519.key", ORIGIN, &err), DS_EINVAL);
    CU_ASSERT_PTR_NULL(s);
    ds_signer_free(NULL);
    ds_verifier_free(NULL);
}

static const ds_test_case tests[] = {
    {"test_checkpoint__reproduces_go_note_signature_and_keys",
     test_checkpoint__reproduces_go_note_signature_and_keys},
    {"test_checkpoint__verifier_key_rejects_every_mangling",
     test_checkpoint__verifier_key_rejects_every_mangling},
    {"test_checkpoint__opens_go_notes_as_the_reference_does",
     test_checkpoint__opens_go_notes_as_the_reference_does},
    {"test_checkpoint__sign_then_open_round_trips", test_checkpoint__sign_then_open_round_trips},
    {"test_checkpoint__any_flipped_byte_is_rejected",
     test_checkpoint__any_flipped_byte_is_rejected},
    {"test_checkpoint__body_is_parsed_strictly", test_checkpoint__body_is_parsed_strictly},
    {"test_checkpoint__refuses_bad_origins_and_texts",
     test_checkpoint__refuses_bad_origins_and_texts},
    {"test_checkpoint__key_file_is_private_and_never_overwritten",
     test_checkpoint__key_file_is_private_and_never_overwritten},
};

DS_TEST_MAIN("checkpoint", tests)
