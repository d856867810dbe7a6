/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_facts.h — what every probe_session_facts_t must be, whatever the server said: the check both relay harnesses
 * make (fuzz_probe_battery, fuzz_smtp_ehlo). Header-only: they link rbl_relay, the other harnesses do not. */
#ifndef RBL_FUZZ_FACTS_H
#define RBL_FUZZ_FACTS_H

#include "fuzz_common.h"
#include "probe_internal.h"

#include <string.h>

/* A string field: NUL-terminated within its size, printable ASCII. */
static inline void fuzz_check_field(const char *s, size_t size)
{
	const char *end = memchr(s, '\0', size);
	FUZZ_CHECK(end != NULL);
	for (const char *p = s; p < end; p++)
		FUZZ_CHECK(*p >= 0x20 && *p <= 0x7e);
}

/* The strings bounded and printable, the names host names or empty, no SIZE number without SIZE, no AUTH
 * mechanisms without AUTH. */
static inline void fuzz_check_facts_fields(const probe_session_facts_t *f)
{
	fuzz_check_field(f->greeting, sizeof f->greeting);
	fuzz_check_field(f->banner_name, sizeof f->banner_name);
	fuzz_check_field(f->ehlo_name, sizeof f->ehlo_name);
	fuzz_check_field(f->auth_mechanisms, sizeof f->auth_mechanisms);
	FUZZ_CHECK(f->banner_name[0] == '\0' || probe_domain_ok(f->banner_name));
	FUZZ_CHECK(f->ehlo_name[0] == '\0' || probe_domain_ok(f->ehlo_name));
	FUZZ_CHECK(f->has_size || f->size_limit == 0);
	FUZZ_CHECK(f->auth || f->auth_mechanisms[0] == '\0');
}

#endif
