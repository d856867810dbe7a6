/* SPDX-License-Identifier: BSD-2-Clause */
/* dname.h — domain names in DNS wire format (length-prefixed labels, ending with the root label).
 *
 * Used for zone names, NS and SOA names (not on the query path, which works on the packet's own bytes).
 */
#ifndef RBL_DNAME_H
#define RBL_DNAME_H

#include <stddef.h>
#include <stdint.h>

#define DNAME_MAXLEN 255     /* wire bytes, root label included */
#define DNAME_TEXTMAX 256    /* text bytes, NUL included */

/* Converts "rbl.example" or "rbl.example." to lowercase wire format in out (DNAME_MAXLEN bytes), *len = bytes used.
 * Accepts letters, digits, '-' and '_' in labels; a label is 1..63 bytes and does not start or end with '-'; the
 * whole name is at most 255 wire bytes. "." is the root. RBL_EINVAL for an empty label or a bad character,
 * RBL_ERANGE for a label or name too long. The one escape accepted is "\." for a dot inside a label, so that the
 * SOA RNAME text dname_from_email writes can be put on the wire. */
int dname_from_text(const char *text, uint8_t out[DNAME_MAXLEN], size_t *len);

/* Writes the lowercase text form without the trailing dot ("." for the root) into buf (DNAME_TEXTMAX bytes).
 * RBL_EINVAL if wire is not a well-formed uncompressed name within len bytes (bytes after its root label are
 * ignored) or holds a byte dname_from_text would not accept; a dot inside a label is written "\.", and RBL_ESPACE
 * is returned if those escapes make the text too long for buf. */
int dname_to_text(const uint8_t *wire, size_t len, char buf[DNAME_TEXTMAX]);

/* Normalises a zone name given as text: validates as dname_from_text and writes the lowercase text form without the
 * trailing dot into buf. */
int dname_normalize(const char *text, char buf[DNAME_TEXTMAX]);

/* Converts a contact e-mail address ("hostmaster@rbl.example") to an SOA RNAME in text ("hostmaster.rbl.example"),
 * escaping dots in the local part ("first\.last.rbl.example"). A value without '@' is taken as a name already.
 * The result is lowercase and valid input to dname_from_text; the local part follows the label rules above, plus
 * single dots not at its ends. */
int dname_from_email(const char *email, char buf[DNAME_TEXTMAX]);

#endif
