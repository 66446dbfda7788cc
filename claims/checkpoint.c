/*
 * checkpoint.c: Ed25519 ledger keys, C2SP signed notes and tlog-checkpoints (see checkpoint.h).
 *
 * Formats (c2sp.org/signed-note, c2sp.org/tlog-checkpoint; golang.org/x/mod/sumdb/note is the
 * reference implementation whose test vectors tests/claims/test_checkpoint.c reproduces):
 *   key hash      SHA-256(name || 0x0A || 0x01 || pub)[:4], big-endian uint32
 *   verifier key  name "+" 8 lower-case hex "+" base64(0x01 || pub)
 *   signed note   text "\n" { "\u2014 " name " " base64(hash || sig) "\n" }
 *   checkpoint    origin "\n" size "\n" base64(root) "\n" [extension lines]
 *
 * What opening guarantees: the note is valid UTF-8 without control characters other than
 * newline; the text is split from the signatures at the last blank line; every signature line
 * is well formed; at most NOTE_SIGS_MAX signatures; the signature by the verifier's (name, key
 * hash) verifies over the exact text bytes; the body is a well-formed checkpoint whose origin is
 * the one expected. Signatures by other keys are ignored, as the spec requires.
 *
 * Secrets: private key bytes pass only through OpenSSL objects and buffers that are cleansed
 * before they are freed.
 */
#include "claims/checkpoint.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "data/base64.h"
#include "data/file.h"
#include "data/utf8.h"

#define ED25519_ALG 0x01
#define ED25519_PUB_LEN 32
#define ED25519_SIG_LEN 64
/* A note with more signature lines than this is malformed (the Go implementation's limit). */
#define NOTE_SIGS_MAX 100
/* A key file larger than this is not a PEM Ed25519 key. */
#define KEY_FILE_MAX 16384

static const char EM_DASH_SPACE[] = "\xE2\x80\x94 ";

struct ds_signer {
    char name[DS_CHECKPOINT_ORIGIN_MAX];
    EVP_PKEY *pkey;
    uint8_t pub[ED25519_PUB_LEN];
    uint32_t hash;
};

struct ds_verifier {
    char name[DS_CHECKPOINT_ORIGIN_MAX];
    EVP_PKEY *pkey;
    uint8_t pub[ED25519_PUB_LEN];
    uint32_t hash;
};

/* ---- text rules ---------------------------------------------------------------------------- */

/* Unicode White_Space (what Go's unicode.IsSpace reports), which key names must not hold. */
static int is_unicode_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Key name syntax (signed-note "Format"): non-empty UTF-8, no Unicode space, no '+', and (as
 * in any note) no control character. Used as is for other keys' signature lines. */
static int name_syntax_ok(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t step = ds_utf8_decode(&cp, (const unsigned char *)s + i, n - i);
        if (!step || cp < 0x20 || cp == '+' || is_unicode_space(cp))
            return 0;
        i += step;
    }
    return 1;
}

/* A name dsure signs or verifies with: the syntax above, and short enough to store. */
static int name_valid(const char *s, size_t n)
{
    return n < DS_CHECKPOINT_ORIGIN_MAX && name_syntax_ok(s, n);
}

static int check_name(const char *name, const char *what, ds_error *err)
{
    if (!name || !name_valid(name, strlen(name)))
        return ds_error_set(err, DS_EINVAL, what,
                            "must be a non-empty UTF-8 key name of at most %d bytes without "
                            "spaces, '+' or control characters",
                            DS_CHECKPOINT_ORIGIN_MAX - 1);
    return 0;
}

static uint32_t key_hash(const char *name, const uint8_t pub[ED25519_PUB_LEN])
{
    /* name is a valid key name, so shorter than DS_CHECKPOINT_ORIGIN_MAX. */
    uint8_t input[DS_CHECKPOINT_ORIGIN_MAX + 2 + ED25519_PUB_LEN];
    uint8_t digest[EVP_MAX_MD_SIZE] = {0};
    size_t n = strlen(name);
    memcpy(input, name, n);
    input[n] = 0x0A;
    input[n + 1] = ED25519_ALG;
    memcpy(input + n + 2, pub, ED25519_PUB_LEN);
    unsigned int digest_len = 0;
    EVP_Digest(input, n + 2 + ED25519_PUB_LEN, digest, &digest_len, EVP_sha256(), NULL);
    return (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 |
           (uint32_t)digest[3];
}

/* ---- keys ----------------------------------------------------------------------------------- */

static int write_all(int fd, const char *data, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += w;
        n -= (size_t)w;
    }
    return 0;
}

int ds_key_generate(const char *path, ds_error *err)
{
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;
    BIO *mem = NULL;
    int fd = -1, created = 0, rc = 0;

    ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &pkey) <= 0) {
        rc = ds_error_set(err, DS_EINTERNAL, path, "cannot generate an Ed25519 key");
        goto out;
    }
    mem = BIO_new(BIO_s_secmem());
    if (!mem || !PEM_write_bio_PrivateKey(mem, pkey, NULL, NULL, 0, NULL, NULL)) {
        rc = ds_error_set(err, DS_EINTERNAL, path, "cannot encode the key as PKCS#8 PEM");
        goto out;
    }
    char *pem = NULL;
    long pem_len = BIO_get_mem_data(mem, &pem);
    /* O_EXCL: never replace an existing key; 0600: never readable by others (umask only
     * removes bits). */
    fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd < 0) {
        rc = errno == EEXIST
                 ? ds_error_set(err, DS_ECONFLICT, path, "key file exists; not overwriting it")
                 : ds_error_set(err, DS_EIO, path, "cannot create key file: %s", strerror(errno));
        goto out;
    }
    created = 1;
    if (pem_len <= 0 || write_all(fd, pem, (size_t)pem_len) != 0 || fsync(fd) != 0) {
        rc = ds_error_set(err, DS_EIO, path, "cannot write key file: %s", strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = ds_error_set(err, DS_EIO, path, "cannot write key file: %s", strerror(errno));
        goto out;
    }
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    if (rc && created)
        unlink(path); /* nothing half-written stays behind */
    BIO_free(mem);
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

void ds_signer_free(ds_signer *signer)
{
    if (!signer)
        return;
    EVP_PKEY_free(signer->pkey); /* OpenSSL cleanses the private key it frees */
    OPENSSL_cleanse(signer, sizeof *signer);
    free(signer);
}

/* Key files are not encrypted: refuse a passphrase instead of prompting on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

int ds_key_load(ds_signer **out, const char *path, const char *key_name, ds_error *err)
{
    *out = NULL;
    int rc = check_name(key_name, "key name", err);
    if (rc)
        return rc;
    char *text = NULL;
    size_t len = 0;
    rc = ds_file_read(&text, &len, path, KEY_FILE_MAX, err);
    if (rc)
        return rc == DS_ENOMEM ? ds_error_set(err, DS_EINVAL, path, "is not an Ed25519 key") : rc;
    ds_signer *s = calloc(1, sizeof *s);
    BIO *mem = BIO_new_mem_buf(text, (int)len);
    if (!s || !mem) {
        rc = ds_error_set(err, DS_ENOMEM, path, "out of memory");
        goto out;
    }
    s->pkey = PEM_read_bio_PrivateKey(mem, NULL, no_passphrase, NULL);
    size_t pub_len = ED25519_PUB_LEN;
    if (!s->pkey || EVP_PKEY_get_id(s->pkey) != EVP_PKEY_ED25519 ||
        EVP_PKEY_get_raw_public_key(s->pkey, s->pub, &pub_len) <= 0 ||
        pub_len != ED25519_PUB_LEN) {
        rc = ds_error_set(err, DS_EINVAL, path, "is not a PKCS#8 PEM Ed25519 private key");
        goto out;
    }
    memcpy(s->name, key_name, strlen(key_name) + 1);
    s->hash = key_hash(s->name, s->pub);
    *out = s;
    s = NULL;
out:
    BIO_free(mem);
    OPENSSL_cleanse(text, len);
    free(text);
    ds_signer_free(s);
    return rc;
}

const char *ds_signer_name(const ds_signer *signer)
{
    return signer->name;
}

uint32_t ds_signer_key_hash(const ds_signer *signer)
{
    return signer->hash;
}

static int vkey_text(char **out, const char *name, uint32_t hash, const uint8_t *pub)
{
    uint8_t typed[1 + ED25519_PUB_LEN];
    typed[0] = ED25519_ALG;
    memcpy(typed + 1, pub, ED25519_PUB_LEN);
    char b64[64];
    ds_base64_encode_buf(b64, sizeof b64, typed, sizeof typed);
    size_t cap = strlen(name) + 1 + 8 + 1 + strlen(b64) + 1;
    char *text = malloc(cap);
    if (!text)
        return DS_ENOMEM;
    snprintf(text, cap, "%s+%08" PRIx32 "+%s", name, hash, b64);
    *out = text;
    return 0;
}

int ds_signer_verifier_key(char **out, const ds_signer *signer)
{
    *out = NULL;
    return vkey_text(out, signer->name, signer->hash, signer->pub);
}

void ds_verifier_free(ds_verifier *verifier)
{
    if (!verifier)
        return;
    EVP_PKEY_free(verifier->pkey);
    free(verifier);
}

static int verifier_new(ds_verifier **out, const char *name, size_t name_len,
                        const uint8_t pub[ED25519_PUB_LEN], ds_error *err)
{
    ds_verifier *v = calloc(1, sizeof *v);
    if (!v)
        return ds_error_set(err, DS_ENOMEM, "verifier key", "out of memory");
    memcpy(v->name, name, name_len);
    v->name[name_len] = '\0';
    memcpy(v->pub, pub, ED25519_PUB_LEN);
    v->hash = key_hash(v->name, v->pub);
    v->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, v->pub, ED25519_PUB_LEN);
    if (!v->pkey) {
        ds_verifier_free(v);
        return ds_error_set(err, DS_EINVAL, "verifier key", "is not an Ed25519 public key");
    }
    *out = v;
    return 0;
}

int ds_verifier_parse(ds_verifier **out, const char *vkey, ds_error *err)
{
    *out = NULL;
    const char *what = "verifier key";
    if (!vkey)
        return ds_error_set(err, DS_EINVAL, what, "is missing");
    /* name "+" hash "+" key: the name has no '+', the hash is 8 hex digits, the base64 key may
     * hold '+'. */
    const char *plus1 = strchr(vkey, '+');
    if (!plus1 || !name_valid(vkey, (size_t)(plus1 - vkey)))
        return ds_error_set(err, DS_EINVAL, what, "must start with a valid key name and '+'");
    const char *hex = plus1 + 1;
    uint32_t hash = 0;
    for (int i = 0; i < 8; i++) {
        char c = hex[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return ds_error_set(err, DS_EINVAL, what, "key hash must be 8 lower-case hex digits");
        hash = hash << 4 | (uint32_t)d;
    }
    if (hex[8] != '+')
        return ds_error_set(err, DS_EINVAL, what, "key hash must be 8 lower-case hex digits");
    const char *b64 = hex + 9;
    uint8_t typed[1 + ED25519_PUB_LEN];
    size_t n = 0;
    int rc = ds_base64_decode_buf(typed, sizeof typed, &n, b64, strlen(b64), what, err);
    if (rc)
        return rc;
    if (n < 1 || typed[0] != ED25519_ALG)
        return ds_error_set(err, DS_EINVAL, what, "unknown signature algorithm (want Ed25519)");
    if (n != sizeof typed)
        return ds_error_set(err, DS_EINVAL, what, "Ed25519 key must be 32 bytes");
    ds_verifier *v = NULL;
    rc = verifier_new(&v, vkey, (size_t)(plus1 - vkey), typed + 1, err);
    if (rc)
        return rc;
    if (v->hash != hash) {
        ds_verifier_free(v);
        return ds_error_set(err, DS_EINVAL, what,
                            "key hash %08" PRIx32 " does not match the name and key", hash);
    }
    *out = v;
    return 0;
}

int ds_verifier_from_signer(ds_verifier **out, const ds_signer *signer, ds_error *err)
{
    *out = NULL;
    return verifier_new(out, signer->name, strlen(signer->name), signer->pub, err);
}

const char *ds_verifier_name(const ds_verifier *verifier)
{
    return verifier->name;
}

uint32_t ds_verifier_key_hash(const ds_verifier *verifier)
{
    return verifier->hash;
}

/* ---- notes ---------------------------------------------------------------------------------- */

/* Note text rules (signed-note "Format"): UTF-8, no control characters but newline. */
static int text_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t step = ds_utf8_decode(&cp, (const unsigned char *)s + i, n - i);
        if (!step || (cp < 0x20 && cp != '\n'))
            return 0;
        i += step;
    }
    return 1;
}

int ds_note_sign(char **out_note, const ds_signer *signer, const char *text, ds_error *err)
{
    *out_note = NULL;
    size_t n = text ? strlen(text) : 0;
    /* The text must end in a newline and not end in a blank line, or the split at the last
     * blank line would not give it back. */
    if (n == 0 || text[n - 1] != '\n' || !text_valid(text, n) || (n >= 2 && text[n - 2] == '\n'))
        return ds_error_set(err, DS_EINVAL, "note text",
                            "must be non-empty UTF-8 ending in one newline, without control "
                            "characters");
    if (n > DS_CHECKPOINT_NOTE_MAX)
        return ds_error_set(err, DS_EINVAL, "note text", "longer than %d bytes",
                            DS_CHECKPOINT_NOTE_MAX);
    uint8_t blob[4 + ED25519_SIG_LEN];
    blob[0] = (uint8_t)(signer->hash >> 24);
    blob[1] = (uint8_t)(signer->hash >> 16);
    blob[2] = (uint8_t)(signer->hash >> 8);
    blob[3] = (uint8_t)signer->hash;
    size_t sig_len = ED25519_SIG_LEN;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    /* Ed25519 is a one-shot scheme: no digest (NULL md), the whole text is signed. */
    int ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, signer->pkey) > 0 &&
             EVP_DigestSign(md, blob + 4, &sig_len, (const unsigned char *)text, n) > 0 &&
             sig_len == ED25519_SIG_LEN;
    EVP_MD_CTX_free(md);
    if (!ok)
        return ds_error_set(err, DS_EINTERNAL, "note", "Ed25519 signing failed");
    char b64[128];
    ds_base64_encode_buf(b64, sizeof b64, blob, sizeof blob);
    size_t cap = n + 1 + strlen(EM_DASH_SPACE) + strlen(signer->name) + 1 + strlen(b64) + 2;
    char *note = malloc(cap);
    if (!note)
        return ds_error_set(err, DS_ENOMEM, "note", "out of memory");
    snprintf(note, cap, "%s\n%s%s %s\n", text, EM_DASH_SPACE, signer->name, b64);
    *out_note = note;
    return 0;
}

static int ed25519_verify(const ds_verifier *v, const char *text, size_t n, const uint8_t *sig)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, v->pkey) > 0 &&
             EVP_DigestVerify(md, sig, ED25519_SIG_LEN, (const unsigned char *)text, n) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

static int malformed(ds_error *err, const char *why)
{
    return ds_error_set(err, DS_EINVAL, "note", "malformed signed note: %s", why);
}

int ds_note_open(size_t *text_len, const char *note, const ds_verifier *verifier, ds_error *err)
{
    *text_len = 0;
    if (!note)
        return malformed(err, "missing");
    size_t n = strnlen(note, (size_t)DS_CHECKPOINT_NOTE_MAX + 1);
    if (n > DS_CHECKPOINT_NOTE_MAX)
        return malformed(err, "longer than the size limit");
    if (!text_valid(note, n))
        return malformed(err, "not UTF-8, or holds control characters");
    /* The text ends at the last blank line (signed-note "Format"). */
    size_t split = n;
    for (size_t i = n; i >= 2; i--) {
        if (note[i - 1] == '\n' && note[i - 2] == '\n') {
            split = i - 2;
            break;
        }
    }
    if (split == n)
        return malformed(err, "no blank line before the signatures");
    size_t text_end = split + 1; /* the text keeps its final newline */
    const char *p = note + split + 2, *end = note + n;
    if (p == end || end[-1] != '\n')
        return malformed(err, "signature lines must end in a newline");

    int n_sigs = 0, verified = 0, name_seen = 0;
    uint32_t other_hash = 0;
    size_t dash = strlen(EM_DASH_SPACE);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (++n_sigs > NOTE_SIGS_MAX)
            return malformed(err, "too many signatures");
        if ((size_t)(eol - p) < dash || memcmp(p, EM_DASH_SPACE, dash) != 0)
            return malformed(err, "a signature line must start with an em dash and a space");
        const char *name = p + dash;
        const char *space = memchr(name, ' ', (size_t)(eol - name));
        if (!space || !name_syntax_ok(name, (size_t)(space - name)))
            return malformed(err, "bad key name in a signature line");
        const char *b64 = space + 1;
        uint8_t *blob = NULL;
        size_t blob_len = 0;
        int rc = ds_base64_decode(&blob, &blob_len, b64, (size_t)(eol - b64), "note", NULL);
        if (rc || blob_len < 5) {
            free(blob);
            return rc == DS_ENOMEM ? ds_error_set(err, rc, "note", "out of memory")
                                   : malformed(err, "bad signature encoding");
        }
        uint32_t hash = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
                        (uint32_t)blob[2] << 8 | (uint32_t)blob[3];
        size_t name_len = (size_t)(space - name);
        int same_name =
            name_len == strlen(verifier->name) && memcmp(name, verifier->name, name_len) == 0;
        if (same_name && hash == verifier->hash) {
            /* A known key: its signature must verify, or the whole note is rejected. */
            if (!verified) {
                int ok = blob_len == 4 + ED25519_SIG_LEN &&
                         ed25519_verify(verifier, note, text_end, blob + 4);
                if (!ok) {
                    free(blob);
                    return ds_error_set(err, DS_EMISMATCH, "note",
                                        "signature by key %s+%08" PRIx32 " does not verify",
                                        verifier->name, verifier->hash);
                }
                verified = 1;
            }
        } else if (same_name) {
            name_seen = 1;
            other_hash = hash;
        }
        free(blob);
        p = eol + 1;
    }
    if (!verified) {
        if (name_seen)
            return ds_error_set(err, DS_EMISMATCH, "note",
                                "signature by %s has key hash %08" PRIx32 ", expected %08" PRIx32,
                                verifier->name, other_hash, verifier->hash);
        return ds_error_set(err, DS_EMISMATCH, "note", "no signature by key %s", verifier->name);
    }
    *text_len = text_end;
    return 0;
}

/* ---- checkpoints ---------------------------------------------------------------------------- */

int ds_checkpoint_sign(char **out_note, const ds_signer *signer, const char *origin, uint64_t size,
                       const uint8_t root[32], ds_error *err)
{
    *out_note = NULL;
    int rc = check_name(origin, "origin", err);
    if (rc)
        return rc;
    if (strcmp(origin, signer->name) != 0)
        return ds_error_set(err, DS_EINVAL, "origin",
                            "\"%s\" differs from the key name \"%s\" (a log signs as its origin)",
                            origin, signer->name);
    char b64[64];
    ds_base64_encode_buf(b64, sizeof b64, root, 32);
    char body[DS_CHECKPOINT_ORIGIN_MAX + 96];
    snprintf(body, sizeof body, "%s\n%" PRIu64 "\n%s\n", origin, size, b64);
    return ds_note_sign(out_note, signer, body, err);
}

/* Parses the checkpoint body text[0..n) (it ends in '\n'). */
static int parse_body(ds_checkpoint *cp, const char *text, size_t n, ds_error *err)
{
    const char *lines[3];
    size_t lens[3];
    const char *p = text, *end = text + n;
    for (int i = 0; i < 3; i++) {
        if (p >= end)
            return ds_error_set(err, DS_EINVAL, "checkpoint",
                                "must have an origin, a size and a root hash line");
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        lines[i] = p;
        lens[i] = (size_t)(eol - p);
        if (lens[i] == 0)
            return ds_error_set(err, DS_EINVAL, "checkpoint", "line %d is empty", i + 1);
        p = eol + 1;
    }
    /* Extension lines: opaque, ignored, but non-empty (tlog-checkpoint "Note text"). */
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == p)
            return ds_error_set(err, DS_EINVAL, "checkpoint", "empty extension line");
        p = eol + 1;
    }
    if (lens[0] >= DS_CHECKPOINT_ORIGIN_MAX)
        return ds_error_set(err, DS_EINVAL, "checkpoint.origin", "longer than %d bytes",
                            DS_CHECKPOINT_ORIGIN_MAX - 1);
    /* Tree size: ASCII decimal, no leading zeroes unless it is 0, within uint64. */
    uint64_t size = 0;
    if (lens[1] > 1 && lines[1][0] == '0')
        return ds_error_set(err, DS_EINVAL, "checkpoint.size", "has a leading zero");
    for (size_t i = 0; i < lens[1]; i++) {
        char c = lines[1][i];
        if (c < '0' || c > '9')
            return ds_error_set(err, DS_EINVAL, "checkpoint.size", "must be a decimal number");
        if (size > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
            return ds_error_set(err, DS_EINVAL, "checkpoint.size", "exceeds 2^64 - 1");
        size = size * 10 + (uint64_t)(c - '0');
    }
    uint8_t root[32];
    size_t root_len = 0;
    int rc = ds_base64_decode_buf(root, sizeof root, &root_len, lines[2], lens[2],
                                  "checkpoint.root", err);
    if (rc)
        return rc;
    if (root_len != 32)
        return ds_error_set(err, DS_EINVAL, "checkpoint.root", "must be 32 bytes, not %zu",
                            root_len);
    memcpy(cp->origin, lines[0], lens[0]);
    cp->origin[lens[0]] = '\0';
    cp->size = size;
    memcpy(cp->root, root, 32);
    return 0;
}

int ds_checkpoint_open(ds_checkpoint *out, const char *note, const ds_verifier *verifier,
                       const char *expected_origin, ds_error *err)
{
    size_t text_len = 0;
    int rc = ds_note_open(&text_len, note, verifier, err);
    if (rc)
        return rc;
    ds_checkpoint cp;
    memset(&cp, 0, sizeof cp);
    if ((rc = parse_body(&cp, note, text_len, err)) != 0)
        return rc;
    const char *want = expected_origin ? expected_origin : verifier->name;
    if (strcmp(cp.origin, want) != 0)
        return ds_error_set(err, DS_EMISMATCH, "checkpoint.origin", "is \"%s\", expected \"%s\"",
                            cp.origin, want);
    *out = cp;
    return 0;
}
