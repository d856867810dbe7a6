/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_probe_battery.c — the relay battery's state machine (probe_battery.c) against a fuzzed server.
 *
 * Input: byte 0 picks the target's family (bit 0: IPv6) and the configuration (bit 1: all_forms, the battery goes on
 * past a relayed form); the rest is what the server says on every connection: the harness reads it with
 * probe_reply_feed as probe_session.c does and hands the battery each complete reply; a garbage or over-long reply is
 * a lost connection that no retry can help, the end of the input one that a retry might (the server hung up). The
 * script goes on across connections and starts over when it runs out, so that a server that never ends the probe is
 * replayed until the battery ends it. Checked: the battery FINISHes within MAX_EVENTS events, reconnects only within
 * PROBE_MAX_CONNECTIONS, and every command it asks for is one of enum probe_command (there is no DATA) that
 * probe_command_format can put on the wire; the relayed forms agree with the verdict (without all_forms at most one);
 * after every event of the first connection, the session facts its greeting and EHLO/HELO replies gave (probe_ehlo.c)
 * are what probe.h promises: strings NUL-terminated within their arrays and printable ASCII, names "" or host names
 * (probe_domain_ok), codes those of replies read, keywords only from a 2xx EHLO reply. fuzz_smtp_ehlo checks their
 * content.
 */
#include "fuzz_common.h"
#include "fuzz_facts.h"

#include "base/err.h"
#include "probe_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Per connection at most greeting, EHLO, HELO and PROBE_FORMS_PER_CONNECTION forms of RSET, MAIL, plain MAIL,
 * RCPT and control RCPT: fewer than 64 replies; one lost-connection event each. */
#define MAX_EVENTS (PROBE_MAX_CONNECTIONS * 64)
#define REPLY_MAX 1024

static probe_config_t cfg, cfg_all_forms;
static struct probe_reply reply;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	probe_config_default(&cfg);
	cfg.helo_name = "probe.rbl.example";
	cfg.sender_domain = "probe.example";
	cfg.recipient_domain = "relay-test.example";
	cfg.max_reply_bytes = REPLY_MAX;
	cfg_all_forms = cfg;
	cfg_all_forms.all_forms = true;
	if (probe_config_check(&cfg) != RBL_OK || probe_config_check(&cfg_all_forms) != RBL_OK ||
	    probe_reply_init(&reply, REPLY_MAX) != RBL_OK)
		abort();
	return 0;
}

static void check_send(const struct probe_action *act)
{
	FUZZ_CHECK((unsigned)act->cmd < PROBE_CMD_COUNT);
	const char *verb = probe_command_verb(act->cmd);
	FUZZ_CHECK(verb != NULL);
	FUZZ_CHECK(strncasecmp(verb, "DATA", 4) != 0 && strncasecmp(verb, "BDAT", 4) != 0);
	char line[PROBE_LINE_MAX];
	int n = probe_command_format(act->cmd, act->arg, line);
	FUZZ_CHECK(n > 2);
	FUZZ_CHECK(memchr(line, '\r', (size_t)n - 2) == NULL && memchr(line, '\n', (size_t)n - 2) == NULL);
}

static void check_facts(const probe_session_facts_t *f)
{
	fuzz_check_facts_fields(f);
	FUZZ_CHECK(f->greeting_code == 0 || (f->greeting_code >= 200 && f->greeting_code <= 599));
	FUZZ_CHECK(f->greeting_code != 0 || (f->greeting[0] == '\0' && f->banner_name[0] == '\0'));
	FUZZ_CHECK(f->ehlo_code == 0 || (f->ehlo_code >= 200 && f->ehlo_code <= 599));
	FUZZ_CHECK(f->ehlo_ok == (f->ehlo_code == 250));
	FUZZ_CHECK(f->ehlo_code != 0 || f->ehlo_name[0] == '\0');
	/* Keywords come from a 2xx EHLO reply only. */
	if (f->starttls || f->pipelining || f->has_size || f->auth)
		FUZZ_CHECK(f->ehlo_code / 100 == 2);
	/* The battery never sets what only the session can know. */
	FUZZ_CHECK(!f->connected && f->connect_ms == 0 && f->greeting_ms == 0 && f->ehlo_ms == 0);
}

static void check_finish(const struct probe_battery *b)
{
	FUZZ_CHECK(b->decided);
	FUZZ_CHECK(b->step == PROBE_STEP_OFF);
	FUZZ_CHECK(b->verdict == PROBE_OPEN || b->verdict == PROBE_CLOSED || b->verdict == PROBE_INCONCLUSIVE);
	if (b->verdict == PROBE_OPEN)
		FUZZ_CHECK(b->first_relayed >= 0 && b->first_relayed < PROBE_FORM_COUNT &&
		           b->outcome[b->first_relayed] == PROBE_FORM_RELAYED);
	else
		FUZZ_CHECK(b->first_relayed == -1);
	uint32_t relayed = probe_battery_relayed_forms(b);
	FUZZ_CHECK((relayed != 0) == (b->verdict == PROBE_OPEN));
	if (relayed != 0) {
		FUZZ_CHECK(relayed & (UINT32_C(1) << b->first_relayed));
		FUZZ_CHECK((relayed & ((UINT32_C(1) << b->first_relayed) - 1)) == 0); /* the first: the lowest */
		if (!b->all_forms)
			FUZZ_CHECK((relayed & (relayed - 1)) == 0);
	}
	FUZZ_CHECK(memchr(b->why, '\0', sizeof b->why) != NULL && b->why[0] != '\0');
	char where[64];
	probe_battery_where(b, where, sizeof where);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	addr_t target;
	if (addr_parse(data[0] & 1 ? "2001:db8::25" : "192.0.2.25", &target) != RBL_OK)
		abort();
	const char *script = (const char *)data + 1;
	size_t len = size - 1, pos = 0;

	struct probe_transcript transcript;
	probe_transcript_init(&transcript, 4096);
	struct probe_battery *b = malloc(sizeof *b);
	if (!b)
		abort();
	probe_battery_init(b, data[0] & 2 ? &cfg_all_forms : &cfg, &target, 0x5eed1234u, &transcript);
	FUZZ_CHECK(b->all_forms == ((data[0] & 2) != 0));
	probe_battery_connected(b);
	for (unsigned events = 1;; events++) {
		FUZZ_CHECK(events <= MAX_EVENTS);
		struct probe_action act;
		size_t used = 0;
		probe_reply_reset(&reply);
		enum probe_feed status =
		        pos < len ? probe_reply_feed(&reply, script + pos, len - pos, &used) : PROBE_FEED_MORE;
		pos += used;
		if (status == PROBE_FEED_DONE) {
			probe_battery_reply(b, reply.code, reply.text, &act);
		} else if (status == PROBE_FEED_MORE) {
			probe_battery_lost(b, "connection closed by the server", true, &act);
			pos = 0;
		} else {
			probe_battery_lost(b, "not SMTP: garbage in the reply", false, &act);
		}
		if (b->connections == 1)
			check_facts(&b->facts);
		if (act.kind == PROBE_ACT_SEND) {
			check_send(&act);
		} else if (act.kind == PROBE_ACT_RECONNECT) {
			FUZZ_CHECK(b->connections < PROBE_MAX_CONNECTIONS);
			probe_battery_connected(b);
		} else {
			FUZZ_CHECK(act.kind == PROBE_ACT_FINISH);
			check_finish(b);
			break;
		}
	}
	probe_battery_stop(b, "ended"); /* as the session does: decided already, so nothing changes */
	FUZZ_CHECK(b->decided);
	check_facts(&b->facts);
	free(b);
	probe_transcript_free(&transcript);
	return 0;
}
