/* SPDX-License-Identifier: BSD-2-Clause */
/* fakesmtp.h — what fakesmtp.c (sockets, output queue, command line) and fakesmtp_behaviours.c (replies) share. */
#ifndef RBL_TEST_FAKESMTP_H
#define RBL_TEST_FAKESMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

enum behaviour {
	B_OPEN,
	B_CLOSED,
	B_SILENT,
	B_LATE_GREETING,
	B_GREET421,
	B_MULTILINE_SPLIT,
	B_ENDLESS_MULTILINE,
	B_MEGABYTE_LINE,
	B_GARBAGE,
	B_GREYLIST,
	B_SOME_FORMS,
	B_TARPIT,
	B_STARTTLS_REQUIRED,
	B_HELO_ONLY,
	B_DENIED_4XX,
	B_LITERAL_REFUSED,
	B_SYNPROT_LIMIT,
	B_NONMAIL_LIMIT,
	B_CATCH_ALL,
	B_BANG_RELAY,
	B_COUNT
};

/* A row of the behaviour table: the name --behaviour and --listen take, and what it does (usage() prints it). */
struct behaviour_desc {
	const char *name;
	const char *what;
};

extern const struct behaviour_desc behaviours[B_COUNT];

#define HOSTNAME "fake.smtp.test"
#define LINE_MAX_BYTES 1000 /* RFC 5321 command line limit, with room */
#define LITERAL_MAX 56      /* "[IPv6:" + address (INET6_ADDRSTRLEN) + "]" + NUL */

struct options {
	unsigned delay_ms;  /* late-greeting: how late */
	unsigned tarpit_ms; /* tarpit: before every reply */
	unsigned split_ms;  /* multiline-split: between fragments */
	unsigned max_seconds;
	unsigned synprot_max; /* synprot-limit: Exim's smtp_max_synprot_errors */
	unsigned nonmail_max; /* nonmail-limit: Exim's smtp_accept_max_nonmail */
};

extern struct options opt;

/* What a handle's data points to, so that the shutdown walk can tell them apart. */
enum kind { KIND_LISTENER = 1, KIND_CONN };

struct listener {
	enum kind kind;
	uv_tcp_t tcp;
	enum behaviour behaviour;
	char name[64];
	char literal[LITERAL_MAX]; /* its address as a domain literal: "[127.0.0.1]", "[IPv6:::1]" */
	unsigned connections;      /* accepted so far: the #N of the log */
};

struct chunk; /* one piece of output (fakesmtp.c) */

enum generator { GEN_NONE, GEN_ENDLESS, GEN_MEGABYTE };

struct conn {
	enum kind kind;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t write_req;
	uv_shutdown_t shutdown_req;
	struct listener *listener;
	unsigned id; /* #N in the log */
	struct chunk *head, *tail, *in_flight;
	bool waiting;     /* the timer runs for the head's delay */
	bool close_after; /* said it is closing: answer nothing more, half-close once the queue is empty */
	bool shutting_down;
	bool closing;
	bool greeted;
	bool in_mail;
	enum generator generator;
	size_t generated_left; /* GEN_MEGABYTE: bytes of the long line still to write */
	int errors;
	unsigned synprot_errors; /* synprot-limit: 500..504 replies so far */
	unsigned nonmail;        /* nonmail-limit: counted non-mail commands so far */
	bool free_helo_used, free_rset_used, free_starttls_used,
	        free_auth_used; /* nonmail-limit: Exim's uncounted ones */
	int open_handles;
	size_t line_len;
	bool line_overflow;
	char line[LINE_MAX_BYTES + 1];
};

/* fakesmtp.c: a connection's log and output queue. */
void conn_log(const struct conn *c, const char *kind, const char *text, size_t n);
void conn_enqueue(struct conn *c, const char *bytes, size_t len, unsigned delay_ms);
void conn_enqueue_text(struct conn *c, const char *text, unsigned delay_ms);
void conn_flush(struct conn *c);
void conn_announce_close(struct conn *c, const char *reply_text);

/* fakesmtp_behaviours.c: what the listener's behaviour says. */
void behaviour_reply(struct conn *c, const char *text);
void behaviour_greet(struct conn *c);
void behaviour_on_command(struct conn *c, const char *line);

#endif
