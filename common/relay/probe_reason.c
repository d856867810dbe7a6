/* SPDX-License-Identifier: BSD-2-Clause */
/* probe_reason.c — the words of the battery's verdict: where the dialogue is, the reason of a battery that ran to
 * its last form (refusals, deferrals, catch-alls, literal senders; or with all_forms, every relayed form), and the
 * bounded buffer the reason is built in. Pure functions over struct probe_battery; probe_battery.c decides.
 */
#include "probe_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const step_names[] = {
        [PROBE_STEP_GREETING] = "greeting", [PROBE_STEP_EHLO] = "EHLO", [PROBE_STEP_HELO] = "HELO",
        [PROBE_STEP_MAIL] = "MAIL",         [PROBE_STEP_RCPT] = "RCPT", [PROBE_STEP_CONTROL] = "control RCPT",
        [PROBE_STEP_RSET] = "RSET",         [PROBE_STEP_OFF] = "end",
};

void probe_battery_why_add(struct probe_battery *b, const char *fmt, ...)
{
	size_t len = strlen(b->why);
	va_list ap;

	if (len >= sizeof b->why - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->why + len, sizeof b->why - len, fmt, ap);
	va_end(ap);
}

void probe_battery_where(const struct probe_battery *b, char *out, size_t size)
{
	bool in_form = b->step == PROBE_STEP_MAIL || b->step == PROBE_STEP_RCPT || b->step == PROBE_STEP_CONTROL ||
	               b->step == PROBE_STEP_RSET;

	if (in_form)
		snprintf(out, size, "%s of form %d on connection %u", step_names[b->step], b->form, b->connections);
	else if (b->connections > 1 && b->step != PROBE_STEP_OFF)
		snprintf(out, size, "%s on connection %u", step_names[b->step], b->connections);
	else
		snprintf(out, size, "%s", step_names[b->step]);
}

uint32_t probe_battery_relayed_forms(const struct probe_battery *b)
{
	uint32_t forms = 0;

	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		if (b->outcome[i] == PROBE_FORM_RELAYED)
			forms |= UINT32_C(1) << i;
	return forms;
}

/* All forms tried after a relay: the first relayed form's reason, then the number of every relayed form. */
static void summarize_relays(struct probe_battery *b)
{
	uint32_t forms = probe_battery_relayed_forms(b);
	int n = 0;

	for (int i = 0; i < PROBE_FORM_COUNT; i++)
		n += (forms >> i) & 1;
	probe_battery_why_add(b, "%s; %d of %d forms relayed:", b->relayed_why, n, PROBE_FORM_COUNT);
	for (int i = 0, listed = 0; i < PROBE_FORM_COUNT; i++)
		if ((forms >> i) & 1)
			probe_battery_why_add(b, "%s %d", listed++ > 0 ? "," : "", i);
}

void probe_battery_summarize(struct probe_battery *b)
{
	int refused = 0, deferred = 0, untestable = 0;

	b->why[0] = '\0';
	if (b->relayed_why[0] != '\0') {
		summarize_relays(b);
		return;
	}
	for (int i = 0; i < PROBE_FORM_COUNT; i++) {
		refused += b->outcome[i] == PROBE_FORM_REFUSED;
		deferred += b->outcome[i] == PROBE_FORM_DEFERRED;
		untestable += b->outcome[i] == PROBE_FORM_UNTESTABLE;
	}
	if (refused + untestable == PROBE_FORM_COUNT && refused > 0) {
		if (untestable == 0)
			probe_battery_why_add(b, "all %d forms refused", PROBE_FORM_COUNT);
		else
			probe_battery_why_add(b, "every testable form refused (%d)", refused);
		probe_battery_why_add(b, " on %u connection%s (last: '%s')", b->connections,
		                      b->connections == 1 ? "" : "s", b->last_refusal);
	} else {
		probe_battery_why_add(b, "%d of %d forms refused, %d deferred on %u connection%s (first: '%s')",
		                      refused, PROBE_FORM_COUNT, deferred, b->connections,
		                      b->connections == 1 ? "" : "s", b->first_deferral);
	}
	if (untestable > 0)
		probe_battery_why_add(b, "; %d forms not testable on a catch-all domain: %s", untestable, b->catch_all);
	if (b->literal_refused)
		probe_battery_why_add(b, "; literal senders refused ('%s'), the plain sender used instead",
		                      b->literal_refusal);
}
