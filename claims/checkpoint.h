/*
 * checkpoint.h: Ed25519 ledger keys and signed checkpoints in the C2SP formats.
 *
 * A checkpoint commits to a log's tree head. Its body is the C2SP tlog-checkpoint text
 *     <origin>\n<tree size in decimal>\n<base64 of the 32-byte root hash>\n
 * and it travels as a C2SP signed note: the body, a blank line, then one line per signature
 *     "\u2014 <key name> <base64(4-byte key hash || 64-byte Ed25519 signature)>\n"
 * (U+2014 EM DASH, a space). The signature is over the body bytes. The key name is the log's
 * origin. The key hash of an Ed25519 key is the first 4 bytes (big-endian) of
 * SHA-256(key name || 0x0A || 0x01 || 32-byte public key), and the verifier key text is
 *     <key name>+<key hash as 8 lower-case hex digits>+<base64(0x01 || public key)>
 * (c2sp.org/signed-note; c2sp.org/tlog-checkpoint). We never write extension lines; when
 * reading, extension lines after the root hash are accepted and ignored, and signatures by other
 * keys are ignored.
 *
 * A key name (hence an origin) is non-empty UTF-8, at most DS_CHECKPOINT_ORIGIN_MAX - 1 bytes,
 * with no '+', no Unicode white space and no control characters below U+0020.
 *
 * Keys live in files holding a PKCS#8 PEM Ed25519 private key, created mode 0600.
 *
 * Thread safety: a ds_signer / ds_verifier is immutable after creation and may be shared by
 * threads for signing / verifying.
 */
#ifndef DS_CLAIMS_CHECKPOINT_H
#define DS_CLAIMS_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"

#define DS_CHECKPOINT_ORIGIN_MAX 256
/* A signed note longer than this is refused when opened (bytes). */
#define DS_CHECKPOINT_NOTE_MAX 65536

typedef struct ds_signer ds_signer;
typedef struct ds_verifier ds_verifier;

/* A verified tree head. Plain data. */
typedef struct ds_checkpoint {
    char origin[DS_CHECKPOINT_ORIGIN_MAX];
    uint64_t size;
    uint8_t root[32];
} ds_checkpoint;

/*
 * Generates a fresh Ed25519 private key and writes it to path as PKCS#8 PEM. The file is created
 * with open(O_CREAT | O_EXCL | O_WRONLY, 0600): an existing file is never overwritten
 * (DS_ECONFLICT) and the key is never readable by others, whatever the umask.
 * A partly written file is removed. Errors: DS_ECONFLICT, DS_EIO, DS_EINTERNAL.
 */
int ds_key_generate(const char *path, ds_error *err);

/*
 * Loads the private key at path and names it key_name (the log origin). Caller frees *out with
 * ds_signer_free. Errors: DS_ENOTFOUND (no such file), DS_EIO, DS_EINVAL (not an Ed25519
 * PKCS#8 PEM key, or an invalid key name), DS_ENOMEM.
 */
int ds_key_load(ds_signer **out, const char *path, const char *key_name, ds_error *err);

/* NULL-safe. Wipes the private key. */
void ds_signer_free(ds_signer *signer);

/* Borrowed key name, valid while signer lives. */
const char *ds_signer_name(const ds_signer *signer);

/* The signer's key hash (first 4 bytes of the SHA-256 above, big-endian). */
uint32_t ds_signer_key_hash(const ds_signer *signer);

/*
 * The verifier key text of signer into *out (malloc'd, caller frees with free()).
 * Returns 0 or DS_ENOMEM.
 */
int ds_signer_verifier_key(char **out, const ds_signer *signer);

/*
 * Parses a verifier key text "<name>+<8 hex>+<base64(0x01 || 32-byte key)>". The key hash in the
 * text must equal the one computed from name and key. Caller frees *out with ds_verifier_free.
 * Errors: DS_EINVAL (malformed, unknown algorithm, wrong key hash), DS_ENOMEM.
 */
int ds_verifier_parse(ds_verifier **out, const char *vkey, ds_error *err);

/* The verifier of a signer's public key. Errors: DS_ENOMEM, DS_EINTERNAL. */
int ds_verifier_from_signer(ds_verifier **out, const ds_signer *signer, ds_error *err);

/* NULL-safe. */
void ds_verifier_free(ds_verifier *verifier);

/* Borrowed key name, valid while verifier lives. */
const char *ds_verifier_name(const ds_verifier *verifier);
uint32_t ds_verifier_key_hash(const ds_verifier *verifier);

/*
 * Signs the checkpoint (origin, size, root) and writes the signed note into *out_note
 * (malloc'd, NUL-terminated, caller frees with free()). origin must be a valid key name and
 * equal the signer's key name (a log signs as its origin).
 * Errors: DS_EINVAL (bad origin, or not the key name), DS_ENOMEM, DS_EINTERNAL.
 */
int ds_checkpoint_sign(char **out_note, const ds_signer *signer, const char *origin, uint64_t size,
                       const uint8_t root[32], ds_error *err);

/*
 * Parses and verifies a signed note. The body must be a well-formed checkpoint whose origin
 * equals expected_origin (NULL: the verifier's key name), and a signature line with the
 * verifier's key name and key hash must verify over the body. Signature lines of other keys
 * are ignored. On success fills *out.
 * Errors: DS_EINVAL when the note is malformed (not UTF-8, control characters, bad lines, bad
 * base64, size not a decimal uint64 without leading zeros, root not 32 bytes, longer than
 * DS_CHECKPOINT_NOTE_MAX); DS_EMISMATCH when it is well formed but the origin differs, no
 * signature by the verifier's key name exists, the key hash differs, or the signature does not
 * verify, the message saying which. *out is untouched on error.
 */
int ds_checkpoint_open(ds_checkpoint *out, const char *note, const ds_verifier *verifier,
                       const char *expected_origin, ds_error *err);

/*
 * The generic signed note underneath checkpoints, for other note texts and for interoperability
 * tests. ds_note_sign signs text (non-empty UTF-8 ending in a single newline, no control
 * characters other than newline, at most DS_CHECKPOINT_NOTE_MAX bytes) and writes
 * text + "\n" + one signature line into *out_note (malloc'd, caller frees with free()).
 * Errors: DS_EINVAL, DS_ENOMEM, DS_EINTERNAL.
 */
int ds_note_sign(char **out_note, const ds_signer *signer, const char *text, ds_error *err);

/*
 * Verifies a signed note with one verifier (the rules of ds_checkpoint_open without the body
 * checks) and writes the length of its text, note[0 .. *text_len), final newline included.
 * Errors: DS_EINVAL (malformed), DS_EMISMATCH (no signature by the key, other key hash, or the
 * signature does not verify), DS_ENOMEM.
 */
int ds_note_open(size_t *text_len, const char *note, const ds_verifier *verifier, ds_error *err);

#endif
