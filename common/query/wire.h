/* SPDX-License-Identifier: BSD-2-Clause */
/* wire.h — the hand-written DNS wire reader and writer of the query path.
 *
 * wire_parse_query reads a query packet into a wire_query without copying the question name: it keeps a pointer to
 * the name in the packet and the offset of each label; names are compared with wire_name_equal, case-blind in place.
 * It never reads past the packet. The wire_writer functions build a response in a caller-owned buffer; the question
 * is copied byte for byte (so its case is kept) and answer owners are compression pointers into it. No allocation
 * anywhere.
 * Why by hand and not ldns: measured ~5 us and 74 mallocs a query through ldns against ~86 ns and none
 * (docs/DESIGN.md, "The query path").
 */
#ifndef RBL_WIRE_H
#define RBL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_HEADER_LEN 12
#define WIRE_MAXLABELS 128
#define WIRE_UDP_MIN 512     /* answer size limit without EDNS0 */
#define WIRE_EDNS_PAYLOAD 1232 /* the UDP payload size we advertise and the most we ever send over UDP */
#define WIRE_OPT_LEN 11      /* our OPT record: root owner 1, type 2, class 2, ttl 4, rdlength 2 */

enum wire_type {
	WIRE_T_A = 1, WIRE_T_NS = 2, WIRE_T_SOA = 6, WIRE_T_TXT = 16, WIRE_T_AAAA = 28,
	WIRE_T_OPT = 41, WIRE_T_IXFR = 251, WIRE_T_AXFR = 252, WIRE_T_ANY = 255,
};
enum wire_class { WIRE_C_IN = 1, WIRE_C_CH = 3, WIRE_C_ANY = 255 };
enum wire_rcode {
	WIRE_R_NOERROR = 0, WIRE_R_FORMERR = 1, WIRE_R_SERVFAIL = 2, WIRE_R_NXDOMAIN = 3, WIRE_R_NOTIMP = 4,
	WIRE_R_REFUSED = 5, WIRE_R_BADVERS = 16, /* extended: upper 8 bits go in the OPT record */
};

/* What to do with a packet after parsing. */
enum wire_verdict {
	WIRE_ANSWER = 0,  /* a well-formed standard query: answer it */
	WIRE_DROP,        /* too short for a header, or a response (QR=1): never answer */
	WIRE_FORMERR,     /* header readable, rest malformed: answer FORMERR echoing the header */
	WIRE_NOTIMP,      /* opcode other than QUERY: answer NOTIMP echoing the opcode (and no flag: RD, CD cleared) */
	WIRE_BADVERS,     /* EDNS version above 0: answer BADVERS with an OPT record */
};

typedef struct wire_query {
	uint16_t id;
	uint8_t opcode;
	bool rd;              /* recursion desired, echoed */
	bool cd;              /* checking disabled, echoed */
	const uint8_t *qname; /* the question name as it is in the packet (original case; compare with wire_name_equal) */
	size_t qname_len;     /* wire bytes including the root label */
	size_t question_len;  /* qname_len + 4 (type and class) */
	uint8_t label_off[WIRE_MAXLABELS]; /* offset of each label's length byte in qname */
	unsigned labels;      /* number of labels, the root not counted */
	uint16_t qtype;
	uint16_t qclass;
	bool edns;            /* an OPT record was present */
	uint16_t edns_payload;/* the requester's UDP payload size (>= 512 when edns) */
	uint8_t edns_version;
	bool edns_do;         /* DNSSEC OK bit, echoed as RFC 3225 asks */
} wire_query_t;

/* Parses a query. Fills q as far as the verdict allows: the header fields always unless WIRE_DROP, the question
 * and EDNS fields when WIRE_ANSWER or WIRE_BADVERS. FORMERR cases: QDCOUNT != 1, ANCOUNT or NSCOUNT != 0, a
 * compression pointer or label type other than a plain label in the question, a label over 63 bytes, a name over
 * 255 bytes, a truncated question, a second OPT record, an OPT not owned by the root, trailing records past ARCOUNT
 * that do not fit. Bytes after the last counted record are ignored.
 * Clarifications: "records that do not fit" means a record counted in ARCOUNT that the packet ends inside of. The OPT
 * owner must be the single byte 0x00 (a compression pointer to the root is refused). Owners of other additional
 * records may be plain names or compression pointers; a pointer is taken as 2 bytes that end the name and is never
 * followed, so no loop is possible; an extended label type or a name over 255 bytes there is FORMERR too. OPT
 * options are not examined (rdata is only skipped). edns_payload is max(OPT class, 512). On WIRE_DROP q is not
 * touched; on WIRE_NOTIMP and WIRE_FORMERR the question fields are cleared (qname NULL, lengths 0) and the EDNS
 * fields say whether the message, walked section by section without interpretation, still carries a well-formed
 * OPT — so the error answer can carry ours (RFC 6891 section 7); a malformed message gets none. */
enum wire_verdict wire_parse_query(const uint8_t *pkt, size_t len, wire_query_t *q);

/* Whether the len bytes at name (a stretch of wire name in any case, such as a question's) equal the len bytes at
 * lower (the same stretch in lowercase, such as a zone apex): ASCII letters compare case-blind (RFC 4343), every
 * other byte, length bytes included, exactly; a lower holding an uppercase letter equals no name. Reads only
 * name[0..len) and lower[0..len), a word at a time. */
bool wire_name_equal(const uint8_t *name, const uint8_t *lower, size_t len);

/* A response under construction. Records must be appended in section order (answers, then authority, then the
 * OPT). Once a record has not fit (overflow), later wire_writer_rr and wire_writer_txt calls write nothing either, so
 * a response never has a hole; only wire_writer_opt may still append. If cap is below what wire_writer_begin needs,
 * it writes what fits of header-then-question (never past cap) and sets overflow. */
typedef struct wire_writer {
	uint8_t *buf;
	size_t cap;      /* the most the response may take (transport limit); bytes past it are never touched */
	size_t len;
	uint16_t ancount, nscount, arcount;
	uint16_t rr_class; /* the class of the records appended: IN (set by wire_writer_begin), CH for CH answers */
	bool overflow;   /* a record did not fit: the caller truncates (wire_writer_truncate) */
} wire_writer_t;

/* Starts a response to q in buf: header (ID, opcode, RD, CD echoed; QR=1; AA=aa) and the question copied from the
 * packet. cap must be at least WIRE_HEADER_LEN + q->question_len + 11 (for an OPT). With include_question false
 * (FORMERR, NOTIMP), QDCOUNT is 0 and only the header is written. */
void wire_writer_begin(wire_writer_t *w, uint8_t *buf, size_t cap, const wire_query_t *q, bool aa,
		       bool include_question);

/* Sets the rcode (the low 4 bits; wire_writer_opt puts the upper bits of an extended rcode in the OPT). */
void wire_writer_rcode(wire_writer_t *w, unsigned rcode);

/* Appends a resource record in the answer (section 1), authority (2) or additional (3) section, in that order, the
 * OPT after them all. The owner is a compression pointer to offset owner_off in the response (12 = the question name;
 * 12 + k = a suffix of it; any earlier name). rdata is copied as is. On overflow nothing is appended and w->overflow
 * is set — except in the additional section, whose records may simply be left out (RFC 2181 section 9). */
enum wire_section { WIRE_ANSWER_SECTION = 1, WIRE_AUTHORITY_SECTION = 2, WIRE_ADDITIONAL_SECTION = 3 };
void wire_writer_rr(wire_writer_t *w, enum wire_section section, uint16_t owner_off, uint16_t type, uint32_t ttl,
		    const uint8_t *rdata, uint16_t rdlen);

/* Bytes a record may still take (0 after an overflow): a caller adding optional data decides what fits as a whole. A
 * record of rdlen bytes takes 12 + rdlen (its owner is a compression pointer). */
size_t wire_writer_room(const wire_writer_t *w);

/* Appends the TXT record whose text is tmpl with every '$' replaced by subst (NUL-terminated; NULL counts as "")
 * and every "$$" by one literal '$' (rbldnsd's template language, so imported templates mean the same);
 * a text longer than 255 bytes is split into several character-strings of one record, each 255 bytes but the last.
 * The expanded text is cut at WIRE_TXT_MAX bytes (a TXT that long is a broken template, and it stays far below a
 * 64 KiB TCP message); an empty text is one empty character-string. */
#define WIRE_TXT_MAX 4000
void wire_writer_txt(wire_writer_t *w, uint16_t owner_off, uint32_t ttl, const char *tmpl, size_t tmpl_len,
		     const char *subst);

/* Appends our OPT record (payload WIRE_EDNS_PAYLOAD, DO echoed, extended rcode = rcode >> 4). Always fits: the
 * caller keeps 11 bytes in reserve (wire_writer_reserve). */
void wire_writer_opt(wire_writer_t *w, unsigned rcode, bool do_bit);

/* Keeps n bytes back from cap for a later record (the OPT) that must fit whatever happens. n must not exceed cap
 * (asserted; begin's minimum cap leaves room for 11); unreserve the same n before wire_writer_opt. */
void wire_writer_reserve(wire_writer_t *w, size_t n);
void wire_writer_unreserve(wire_writer_t *w, size_t n);

/* Drops every record after the question (after the header when there is none), zeroes the section counts and sets
 * TC=1. overflow stays set, so only the OPT may follow. */
void wire_writer_truncate(wire_writer_t *w);

/* Writes the section counts into the header; returns the response length (0 if cap could not hold a header). */
size_t wire_writer_finish(wire_writer_t *w);

#endif
