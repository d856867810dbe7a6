/* SPDX-License-Identifier: BSD-2-Clause */
/* xfr_stream.c — the whole zone sent while export_bind writes it: a producer thread, a pipe, ldns reading records. */
#include "xfr/xfr_stream.h"
#include "xfr_axfr_internal.h"

#include "base/err.h"
#include "base/log.h"
#include "formats/export.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

/* The thread writing the zone into the pipe, and what it reports once joined. */
struct producer {
	store_rtxn_t *r;
	const char *zone;
	int fd; /* the pipe's write end: the producer closes it, which is the reader's end of file */
	int err;
	uint64_t notes;
};

static void count_note(void *ctx, const char *note)
{
	(void)note;
	(*(uint64_t *)ctx)++;
}

static void *produce(void *arg)
{
	struct producer *p = arg;
	/* A reader that stopped makes the next write fail with EPIPE; the SIGPIPE it raises stays pending in this
	 * thread and goes with it, whatever the process does with the signal (a test does nothing). */
	sigset_t pipe_only;
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, NULL);
	FILE *out = fdopen(p->fd, "w");
	if (!out) {
		close(p->fd);
		p->err = RBL_ENOMEM;
		return NULL;
	}
	export_opts_t opts = {.now = 0, .note = count_note, .note_ctx = &p->notes};
	export_stats_t stats;
	p->err = export_bind(p->r, p->zone, &opts, out, &stats);
	if (fclose(out) != 0 && !p->err)
		p->err = RBL_EIO;
	return NULL;
}

/* The reading side: ldns's state across lines ($ORIGIN, $TTL, the previous owner), and where it stopped. */
struct reader {
	FILE *in;
	uint32_t ttl;
	ldns_rdf *origin, *prev;
	int line;
	ldns_status status; /* the refusal that stopped it (LDNS_STATUS_OK: none) */
};

/* The next record into *rr: RBL_OK; RBL_ENOENT at the end of the file; RBL_EIO when the pipe fails; RBL_EINVAL (or
 * RBL_ENOMEM) when ldns refuses a line (rd->status says why). */
static int reader_next(struct reader *rd, ldns_rr **rr)
{
	*rr = NULL;
	while (!feof(rd->in)) {
		ldns_status s = ldns_rr_new_frm_fp_l(rr, rd->in, &rd->ttl, &rd->origin, &rd->prev, &rd->line);
		if (s == LDNS_STATUS_OK)
			return RBL_OK;
		/* A line without a record, as ldns_zone_new_frm_fp_l takes them: empty or a comment, $TTL, $ORIGIN. */
		if (s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL || s == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		rd->status = s;
		return s == LDNS_STATUS_MEM_ERR ? RBL_ENOMEM : RBL_EINVAL;
	}
	return ferror(rd->in) ? RBL_EIO : RBL_ENOENT;
}

/* Reads the export to its end, packing each record; the first must be the SOA, kept in *soa to close the answer.
 * RBL_OK at the end of the file; *sending tells a failure of the packer (emit, signing) from one of the reading. */
static int pack_all(struct reader *rd, xfr_packer_t *pk, ldns_rr **soa, bool *sending)
{
	*sending = false;
	for (;;) {
		ldns_rr *rr;
		int err = reader_next(rd, &rr);
		if (err)
			return err == RBL_ENOENT ? RBL_OK : err;
		if (!*soa) {
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) < 3) {
				ldns_rr_free(rr);
				rd->status = LDNS_STATUS_SYNTAX_ERR;
				return RBL_EINVAL;
			}
			*soa = rr;
			err = xfr_packer_add(pk, rr);
		} else {
			err = xfr_packer_add(pk, rr);
			ldns_rr_free(rr);
		}
		if (err) {
			*sending = true;
			return err;
		}
	}
}

/* Starts the producer on a new pipe: RBL_OK with *in (the read end) and the thread running. */
static int producer_start(struct producer *p, pthread_t *thread, FILE **in)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return RBL_EIO;
	p->fd = fds[1];
	*in = fdopen(fds[0], "r");
	if (!*in) {
		close(fds[0]);
		close(fds[1]);
		return RBL_ENOMEM;
	}
	if (pthread_create(thread, NULL, produce, p) != 0) {
		fclose(*in);
		close(fds[1]);
		return RBL_EIO;
	}
	return RBL_OK;
}

/* Which failure the caller hears of, and the log line for it: the producer's comes first unless the sending side
 * failed on its own (then the producer's EPIPE is only its consequence); a read error follows from the producer's. */
static int settle(const xfr_request_t *req, const struct producer *p, const struct reader *rd, int err, bool sending,
		  const xfr_stream_stats_t *stats)
{
	if (sending)
		return err;
	if (p->err) {
		if (p->err != RBL_ENOENT)
			log_err("zone transfer of %s: writing the zone failed after %llu records sent (%s): no closing SOA",
				req->zone, (unsigned long long)stats->records, rbl_strerror(p->err));
		return p->err;
	}
	if (err == RBL_EINVAL || err == RBL_ENOMEM)
		log_err("zone transfer of %s: the zone's records do not read back (line %d: %s)", req->zone, rd->line,
			ldns_get_errorstr_by_id(rd->status));
	return err;
}

int xfr_stream_answer(store_rtxn_t *r, const xfr_request_t *req, tsig_stream_t *ts, xfr_emit_fn emit, void *ctx,
		      xfr_stream_stats_t *stats)
{
	*stats = (xfr_stream_stats_t){0};
	struct producer p = {.r = r, .zone = req->zone, .fd = -1};
	struct reader rd = {0};
	pthread_t thread;
	int err = producer_start(&p, &thread, &rd.in);
	if (err)
		return err;
	xfr_packer_t pk;
	ldns_rr *soa = NULL;
	bool sending = false;
	if (!(err = xfr_packer_init(&pk, req, ts, emit, ctx)))
		err = pack_all(&rd, &pk, &soa, &sending);
	else
		sending = true;
	/* Closing the read end first: a producer still writing gets EPIPE and ends, so the join cannot wait on us. */
	fclose(rd.in);
	pthread_join(thread, NULL);
	stats->messages = pk.messages;
	stats->records = pk.records;
	stats->notes = p.notes;
	if (soa)
		stats->serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
	err = settle(req, &p, &rd, err, sending, stats);
	if (!err && !soa)
		err = RBL_EINVAL; /* an export always begins with the SOA */
	/* Only a whole zone is closed: the SOA again, once the producer has said it wrote everything. */
	if (!err && !(err = xfr_packer_add(&pk, soa)))
		err = xfr_packer_finish(&pk);
	stats->messages = pk.messages;
	stats->records = pk.records;
	xfr_packer_release(&pk);
	ldns_rr_free(soa);
	ldns_rdf_deep_free(rd.origin);
	ldns_rdf_deep_free(rd.prev);
	return err;
}
