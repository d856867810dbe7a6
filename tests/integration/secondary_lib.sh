# SPDX-License-Identifier: BSD-2-Clause
# secondary_lib.sh — sourced after lib.sh (it loads nsd_lib.sh when the script did not): real secondaries, Knot and
# NSD, following a primary on 127.0.0.1 by AXFR/IXFR with a TSIG key (hmac-sha256) and NOTIFY; and Knot as a
# reference primary. Each server has one directory of its own, $IT_TMP/sec-NAME, for everything it writes
# (configuration, zone files, journal, timers, log, pid file, control socket), listens on 127.0.0.1 only (a free port,
# or one the caller chose), runs under timeout(1) (IT_SERVER_LIFETIME, as dnsbld) and is stopped by the EXIT trap.
# The secondaries are set to react fast: a NOTIFY from the primary (signed with the key) starts a refresh at once, a
# failed refresh is retried within ~2 s, and a received transfer is served without a reload delay (NSD's
# xfrd-reload-timeout: 0). Both ask for IXFR once they hold the zone and take an AXFR (or an AXFR-style answer to
# their IXFR) when the primary sends one. Needs knot and nsd (scripts/deps.sh installs them) and dig.
#
# NAME is the caller's label for one server ("knot", "nsd", "bad-knot"): its kind, port, pid, zones and directory are
# kept under it. PRIMARY_PORT is the primary's port on 127.0.0.1. KEY and SECRET are the TSIG key's name and its
# base64 secret (the algorithm is hmac-sha256). "--port PORT" before NAME: listen on that port, one attempt (the
# caller picked it, e.g. with random_port, to name it in the primary's notify list before the secondary runs);
# without it, a free port, five attempts.
#
#   secondary_require     it_fail and return 1 unless knotd, knotc, nsd and nsd-control are installed
#   start_knot_secondary [--port PORT] NAME PRIMARY_PORT KEY SECRET ZONE...
#   start_nsd_secondary  [--port PORT] NAME PRIMARY_PORT KEY SECRET ZONE...
#                         the secondary for each ZONE, waited for (~10 s at most) until it answers the first ZONE's SOA
#                         query with any status (SERVFAIL until its first transfer): passes "Knot|NSD secondary NAME
#                         answers on 127.0.0.1:PORT" and returns 0, else it_fail and 1. It asks for the zones at once
#                         (AXFR); secondary_wait_serial waits for them
#   start_knot_primary [--port PORT] NAME KEY SECRET NOTIFY_PORTS ZONE=FILE...
#                         Knot serving each ZONE from FILE (a master file the caller owns and edits; Knot never writes
#                         it), transfers allowed to 127.0.0.1 with KEY only, IXFR from the differences between the
#                         versions of FILE it loaded (zonefile-load: difference, kept in its journal), NOTIFY signed
#                         with KEY to 127.0.0.1@P for each P in NOTIFY_PORTS (space separated, "" for none); waited
#                         for until it answers the first ZONE's SOA with NOERROR (passes "Knot primary NAME answers
#                         on 127.0.0.1:PORT", returns 0)
#   knot_primary_reload NAME ZONE    knotc -b zone-reload: returns (~10 s at most) once the primary has loaded FILE
#                                    again and serves it (its NOTIFY follows); knotc's status, its output on failure
#   secondary_port NAME / secondary_dir NAME / secondary_log NAME / secondary_conf NAME
#                                    its port / directory / log file (knot.log, nsd.log) / configuration file
#   secondary_serial NAME ZONE       the SOA serial NAME answers for ZONE now (dig +short, UDP, ~1 s at most); prints
#                                    nothing and returns 1 when it has none (SERVFAIL, REFUSED, no answer)
#   secondary_wait_serial NAME ZONE SERIAL TIMEOUT_MS [START_US]
#                                    polls (a dig, then 20 ms; bounded by TIMEOUT_MS) until NAME serves SERIAL or newer
#                                    one (RFC 1982 serial arithmetic); prints the milliseconds since START_US (a
#                                    secondary_now_us time; default: the call) and returns 0; on timeout prints the
#                                    elapsed ms too and returns 1
#   secondaries_wait_serial ZONE SERIAL TIMEOUT_MS START_US NAME...
#                                    the same for several secondaries at once, each polled by a subshell of its own:
#                                    prints "NAME MS" (or "NAME timeout") per NAME, returns 0 if each got there
#   secondary_now_us                 the time now in microseconds (EPOCHREALTIME), for START_US
#   secondary_xfr_count NAME KIND [ZONE]
#                                    how many incoming transfers of KIND (AXFR or IXFR) NAME received and applied, of
#                                    ZONE or of each of its zones: see "How transfers are counted" below
#   secondary_wait_log NAME ERE TIMEOUT_MS
#                                    waits (bounded) until a line of NAME's log matches the extended regex ERE; prints
#                                    the first such line and returns 0; 1 on timeout
#   secondary_refresh NAME [ZONE]    asks NAME to refresh now (knotc zone-refresh / nsd-control transfer), e.g. once
#                                    a primary that refused it is fixed (by itself it retries every ~2 s)
#   secondary_status NAME [ZONE]     knotc zone-status / nsd-control zonestatus, for a failure's output
#   stop_secondary NAME              stops NAME (TERM to timeout(1), which passes it on; waited for)
#   stop_secondaries                 stops every server of this library; the EXIT trap (secondary_cleanup) does, then
#                                    nsd_lib.sh's nsd_cleanup (its NSD, then lib.sh's it_cleanup); a script with a trap
#                                    of its own calls secondary_cleanup from it
#
# How transfers are counted (what each server really writes; checked with Knot 3.2.6 and NSD 4.6.1):
#   Knot (log level info) logs each transfer it receives as "[ZONE.] AXFR, incoming, remote 127.0.0.1@P, finished,
#     ..." or "[ZONE.] IXFR, incoming, remote ..., finished, ...", then, once applied, "[ZONE.] refresh, remote ...,
#     zone updated, ..., serial A -> B". An IXFR answered with a whole zone is logged "IXFR, incoming, ..., receiving
#     AXFR-style IXFR" and finishes as "AXFR, incoming, ..., finished" (both seen in test_secondary_harness.sh); an
#     IXFR answered with the single SOA (up to date) as "IXFR, ..., zone is up-to-date" and "IXFR ... finished" with
#     no "zone updated" (per Knot's source, refresh.c). So a transfer counts, with the kind of the last "finished"
#     line before it, for each "zone updated" line.
#   NSD logs no kind (4.6.1 names none at verbosity 0 to 5: only debug builds do). At verbosity 1 it logs each
#     applied transfer as "xfrd: zone ZONE committed "received update to serial S ..."". It keeps each IXFR it
#     receives (store-ixfr: yes) and drops them all when it receives an AXFR (difffile.c); it serves them to
#     127.0.0.1 with the key (provide-xfr). So, with S1..Sn the serials of the committed lines in order: the oldest
#     Sk from which NSD answers an IXFR query (dig IXFR=Sk, signed) with the changes (its second record a SOA) means
#     transfers k+1..n were IXFRs and 1..k AXFRs; none means all n were AXFRs. (IXFRs before a later AXFR are counted
#     as AXFRs, as are IXFRs past ixfr-number (1000): the count errs towards AXFR, never towards IXFR.)

# NSD's configuration starts as nsd_lib.sh writes it (nsd_conf_server): loaded here unless the script did.
declare -F nsd_conf_server >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/nsd_lib.sh"

declare -A SEC_KIND=() SEC_PID=() SEC_PORT=() SEC_DIR=() SEC_ZONES=() SEC_KEY=() SEC_SECRET=()
SEC_ALGORITHM=hmac-sha256

# shellcheck disable=SC2317 # called by the EXIT trap
secondary_cleanup() {
	stop_secondaries
	nsd_cleanup # nsd_lib.sh's NSD, then lib.sh's it_cleanup
}
trap secondary_cleanup EXIT

stop_secondary() {
	local pid=${SEC_PID[$1]:-}
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	SEC_PID[$1]=""
}

stop_secondaries() {
	local name
	for name in "${!SEC_PID[@]}"; do
		stop_secondary "$name"
	done
}

secondary_require() {
	local tool missing=()
	for tool in knotd knotc nsd nsd-control dig; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		it_fail "Knot and NSD are installed" "knotd, knotc, nsd, nsd-control, dig (scripts/deps.sh installs knot, nsd)" \
			"missing: ${missing[*]}"
		return 1
	fi
}

secondary_port() { echo "${SEC_PORT[$1]}"; }
secondary_dir() { echo "${SEC_DIR[$1]}"; }

secondary_log() {
	case ${SEC_KIND[$1]} in
	knot*) echo "${SEC_DIR[$1]}/knot.log" ;;
	nsd) echo "${SEC_DIR[$1]}/nsd.log" ;;
	esac
}

secondary_conf() {
	case ${SEC_KIND[$1]} in
	knot*) echo "${SEC_DIR[$1]}/knot.conf" ;;
	nsd) echo "${SEC_DIR[$1]}/nsd.conf" ;;
	esac
}

secondary_now_us() {
	echo "${EPOCHREALTIME/./}"
}

# --- configuration ----------------------------------------------------------------------------------------------

# knot_write_common DIR PORT KEY SECRET: the part of knot.conf both roles share: one directory for everything,
# 127.0.0.1@PORT, one worker of each kind, a log at level info (the level that names each transfer), the TSIG key.
knot_write_common() {
	local dir=$1 port=$2 key=$3 secret=$4
	cat <<-EOF
		# Knot for $(basename "$0"): 127.0.0.1@$port, nothing written outside $dir.
		server:
		    rundir: "$dir"
		    pidfile: "$dir/knot.pid"
		    listen: 127.0.0.1@$port
		    udp-workers: 1
		    tcp-workers: 1
		    background-workers: 1
		    # an incoming transfer waits up to 30 s for each message (Knot's default: 5 s): dnsbld prepares the
		    # whole zone before its first message, over 5 s under the sanitizers for test_xfr.sh's ~200,000 records
		    tcp-remote-io-timeout: 30000
		    identity: ""
		    version: ""
		control:
		    listen: "$dir/knot.sock"
		log:
		  - target: "$dir/knot.log"
		    any: info
		database:
		    storage: "$dir"
		    journal-db: "$dir/journal"
		    timer-db: "$dir/timers"
		    kasp-db: "$dir/keys"
		    catalog-db: "$dir/catalog"
		key:
		  - id: $key
		    algorithm: $SEC_ALGORITHM
		    secret: $secret
	EOF
}

# knot_secondary_write_conf DIR PORT PRIMARY_PORT KEY SECRET ZONE...: DIR/knot.conf.
knot_secondary_write_conf() {
	local dir=$1 port=$2 primary_port=$3 key=$4 secret=$5 zone
	shift 5
	mkdir -p "$dir"
	{
		knot_write_common "$dir" "$port" "$key" "$secret"
		cat <<-EOF
			remote:
			  - id: primary
			    address: 127.0.0.1@$primary_port
			    key: $key
			    # no NOTIFY event of its own after each transfer (it has no secondaries): with one planned (Knot
			    # 3.2 plans it 1 s ahead, its timers count whole seconds) a NOTIFY from the primary that comes
			    # within that second waits for it, up to ~1 s
			    block-notify-after-transfer: on
			acl:
			  - id: notify_from_primary
			    address: 127.0.0.1
			    key: $key
			    action: notify
			template:
			  - id: default
			    storage: "$dir"
			    file: "%s.zone"
			    master: primary
			    acl: notify_from_primary
			    # the zone lives in the journal, not rewritten to a file after each change
			    journal-content: all
			    zonefile-sync: -1
			    zonefile-load: none
			    # a failed refresh, the first one too (its back-off is capped by this), is retried within 1-2 s
			    retry-min-interval: 1
			    retry-max-interval: 2
			zone:
		EOF
		for zone in "$@"; do
			printf '  - domain: %s\n' "$zone"
		done
	} >"$dir/knot.conf"
}

# knot_primary_write_conf DIR PORT KEY SECRET NOTIFY_PORTS ZONE=FILE...: DIR/knot.conf.
knot_primary_write_conf() {
	local dir=$1 port=$2 key=$3 secret=$4 notify_ports=$5 zone p ids=()
	shift 5
	mkdir -p "$dir"
	{
		knot_write_common "$dir" "$port" "$key" "$secret"
		if [ -n "$notify_ports" ]; then
			echo "remote:"
			for p in $notify_ports; do
				printf '  - id: secondary_%s\n    address: 127.0.0.1@%s\n    key: %s\n' "$p" "$p" "$key"
				ids+=("secondary_$p")
			done
		fi
		cat <<-EOF
			acl:
			  - id: transfer_with_key
			    address: 127.0.0.1
			    key: $key
			    action: transfer
			template:
			  - id: default
			    storage: "$dir"
			    acl: transfer_with_key
			    # IXFR from the differences between two versions of the zone file, kept in the journal; the file
			    # is the caller's and never written
			    zonefile-load: difference
			    journal-content: changes
			    zonefile-sync: -1
		EOF
		if [ ${#ids[@]} -gt 0 ]; then
			p=$(printf ', %s' "${ids[@]}")
			printf '    notify: [ %s ]\n' "${p#, }"
		fi
		echo "zone:"
		for zone in "$@"; do
			printf '  - domain: %s\n    file: "%s"\n' "${zone%%=*}" "${zone#*=}"
		done
	} >"$dir/knot.conf"
}

# nsd_secondary_write_conf DIR PORT PRIMARY_PORT KEY SECRET ZONE...: DIR/nsd.conf, in nsd_lib.sh's layout, with a
# control socket in DIR (nsd-control without TLS keys) and the zones as secondaries of 127.0.0.1@PRIMARY_PORT.
nsd_secondary_write_conf() {
	local dir=$1 port=$2 primary_port=$3 key=$4 secret=$5 zone
	shift 5
	mkdir -p "$dir"
	{
		nsd_conf_server "$dir" "$port"
		cat <<-EOF
			  # 1 logs each transfer and NOTIFY, 2 also the refused ones
			  verbosity: 2
			  # no response rate limiting (Debian's NSD limits to 200 answers a second per /24 by default, then
			  # drops or truncates): a test asks thousands of questions from 127.0.0.1 (test_xfr.sh's dnsdiff)
			  rrl-ratelimit: 0
			  rrl-whitelist-ratelimit: 0
			  # serve a received transfer at once (the default waits up to 1 s between reloads)
			  xfrd-reload-timeout: 0
			remote-control:
			  control-enable: yes
			  control-interface: "$dir/nsd.ctl"
			key:
			  name: "$key"
			  algorithm: $SEC_ALGORITHM
			  secret: "$secret"
		EOF
		for zone in "$@"; do
			cat <<-EOF
				zone:
				  name: "$zone"
				  zonefile: "$zone.zone"
				  request-xfr: 127.0.0.1@$primary_port $key
				  allow-notify: 127.0.0.1 $key
				  allow-axfr-fallback: yes
				  # keep each received IXFR and serve it to 127.0.0.1 with the key: secondary_xfr_count asks for them
				  store-ixfr: yes
				  ixfr-number: 1000
				  ixfr-size: 0
				  provide-xfr: 127.0.0.1 $key
				  # a failed refresh is retried within 1-2 s
				  min-retry-time: 1
				  max-retry-time: 2
			EOF
		done
	} >"$dir/nsd.conf"
}

# --- starting and stopping --------------------------------------------------------------------------------------

# sec_start KIND WHAT NAME FIXED_PORT STATUS_RE PROBE_ZONE WRITER WRITER_ARGS...: the loop the start functions share.
# WRITER is called as WRITER DIR PORT WRITER_ARGS...; the server is up when its answer to PROBE_ZONE's SOA query has a
# status that matches STATUS_RE.
sec_start() {
	local kind=$1 what=$2 name=$3 fixed=$4 status_re=$5 probe=$6 writer=$7 attempt attempts=5 port dir deadline out
	shift 7
	dir="$IT_TMP/sec-$name"
	[ -n "$fixed" ] && attempts=1
	if [ -n "${SEC_PID[$name]:-}" ]; then
		it_fail "$what $name starts" "a name not in use" "$name is running"
		return 1
	fi
	for attempt in $(seq "$attempts"); do
		port=${fixed:-$(random_port)}
		rm -rf "$dir"
		"$writer" "$dir" "$port" "$@"
		out="$dir/$kind.out"
		case $kind in
		knot) timeout -k 2 "$IT_SERVER_LIFETIME" knotd -c "$dir/knot.conf" >"$out" 2>&1 & ;;
		nsd) timeout -k 2 "$IT_SERVER_LIFETIME" nsd -d -c "$dir/nsd.conf" >"$out" 2>&1 & ;;
		esac
		SEC_PID[$name]=$!
		SEC_PORT[$name]=$port
		SEC_DIR[$name]=$dir
		SEC_KIND[$name]=$kind
		deadline=$((SECONDS + 10))
		while [ "$SECONDS" -le "$deadline" ] && kill -0 "${SEC_PID[$name]}" 2>/dev/null; do
			if dig @127.0.0.1 -p "$port" +norec +time=1 +tries=1 "$probe" SOA 2>/dev/null |
				grep -Eq "status: ($status_re),"; then
				it_pass "$what $name answers on 127.0.0.1:$port"
				return 0
			fi
			sleep 0.1
		done
		echo "# $what $name did not come up on port $port (attempt $attempt):" >&2
		cat "$out" "$(secondary_log "$name")" 2>/dev/null | tail -n 30 | sed 's/^/#   /' >&2
		stop_secondary "$name"
	done
	it_fail "$what $name starts" "an answer on 127.0.0.1 within ~10 s" "none on $attempts port(s) (its log is above)"
	return 1
}

# sec_start_secondary KIND WHAT [--port PORT] NAME PRIMARY_PORT KEY SECRET ZONE...
sec_start_secondary() {
	local kind=$1 what=$2 fixed=""
	shift 2
	if [ "${1-}" = --port ]; then
		fixed=$2
		shift 2
	fi
	local name=$1 primary_port=$2 key=$3 secret=$4
	shift 4
	SEC_ZONES[$name]="$*"
	SEC_KEY[$name]=$key
	SEC_SECRET[$name]=$secret
	sec_start "$kind" "$what" "$name" "$fixed" '[A-Z]+' "$1" "${kind}_secondary_write_conf" \
		"$primary_port" "$key" "$secret" "$@"
}

start_knot_secondary() {
	sec_start_secondary knot "Knot secondary" "$@"
}

start_nsd_secondary() {
	sec_start_secondary nsd "NSD secondary" "$@"
}

start_knot_primary() {
	local fixed="" zone zones=()
	if [ "${1-}" = --port ]; then
		fixed=$2
		shift 2
	fi
	local name=$1 key=$2 secret=$3 notify_ports=$4
	shift 4
	for zone in "$@"; do zones+=("${zone%%=*}"); done
	SEC_ZONES[$name]="${zones[*]}"
	SEC_KEY[$name]=$key
	SEC_SECRET[$name]=$secret
	sec_start knot "Knot primary" "$name" "$fixed" NOERROR "${zones[0]}" knot_primary_write_conf \
		"$key" "$secret" "$notify_ports" "$@"
}

# sec_knotc NAME ARGS... / sec_nsd_control NAME ARGS...: the control tools on NAME's socket, bounded.
sec_knotc() {
	local name=$1
	shift
	timeout -k 2 15 knotc -c "$(secondary_conf "$name")" -s "${SEC_DIR[$name]}/knot.sock" -t 10 "$@"
}

sec_nsd_control() {
	local name=$1
	shift
	timeout -k 2 15 nsd-control -c "$(secondary_conf "$name")" "$@"
}

knot_primary_reload() {
	local out
	out=$(sec_knotc "$1" -b zone-reload "$2" 2>&1) || {
		echo "$out"
		return 1
	}
}

secondary_refresh() {
	case ${SEC_KIND[$1]} in
	knot*) sec_knotc "$1" zone-refresh ${2:+"$2"} ;;
	nsd) sec_nsd_control "$1" transfer ${2:+"$2"} ;;
	esac
}

secondary_status() {
	case ${SEC_KIND[$1]} in
	knot*) sec_knotc "$1" zone-status ${2:+"$2"} 2>&1 ;;
	nsd) sec_nsd_control "$1" zonestatus ${2:+"$2"} 2>&1 ;;
	esac
}

# --- what a secondary serves ------------------------------------------------------------------------------------

secondary_serial() {
	local serial
	serial=$(dig @127.0.0.1 -p "${SEC_PORT[$1]}" +norec +time=1 +tries=1 +short "$2" SOA 2>/dev/null |
		awk 'NF == 7 && $3 ~ /^[0-9]+$/ { print $3; exit }')
	[ -n "$serial" ] || return 1
	echo "$serial"
}

# serial_geq A B: A is B or newer in serial number arithmetic (RFC 1982).
serial_geq() {
	(((($1 - $2 + 4294967296) % 4294967296) < 2147483648))
}

secondary_wait_serial() {
	local name=$1 zone=$2 want=$3 timeout_ms=$4 start=${5:-} serial elapsed
	[ -n "$start" ] || start=$(secondary_now_us)
	while :; do
		serial=$(secondary_serial "$name" "$zone")
		elapsed=$((($(secondary_now_us) - start) / 1000))
		if [ -n "$serial" ] && serial_geq "$serial" "$want"; then
			echo "$elapsed"
			return 0
		fi
		if [ "$elapsed" -ge "$timeout_ms" ]; then
			echo "$elapsed"
			return 1
		fi
		sleep 0.02
	done
}

secondaries_wait_serial() {
	local zone=$1 want=$2 timeout_ms=$3 start=$4 dir i ms rc=0
	local -a pids=()
	shift 4
	dir=$(mktemp -d "$IT_TMP/wait.XXXXXX") || return 1
	for ((i = 1; i <= $#; i++)); do
		secondary_wait_serial "${!i}" "$zone" "$want" "$timeout_ms" "$start" >"$dir/$i" || echo timeout >"$dir/$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for ((i = 1; i <= $#; i++)); do
		ms=$(tail -n 1 "$dir/$i")
		[ "$ms" = timeout ] && rc=1
		echo "${!i} $ms"
	done
	rm -rf "$dir"
	return "$rc"
}

# --- what a secondary did ---------------------------------------------------------------------------------------

secondary_xfr_count() {
	local name=$1 kind=$2 zone=${3:-} total=0 z n
	for z in ${zone:-${SEC_ZONES[$name]}}; do
		case ${SEC_KIND[$name]} in
		knot*) n=$(knot_xfr_count "$(secondary_log "$name")" "$kind" "$z") ;;
		nsd) n=$(nsd_xfr_count "$name" "$kind" "$z") ;;
		esac
		total=$((total + n))
	done
	echo "$total"
}

# knot_xfr_count LOG KIND ZONE: Knot's transfers of KIND that were applied ("zone updated" after "KIND, incoming,
# ..., finished"), from its log.
knot_xfr_count() {
	[ -f "$1" ] || { echo 0; return; }
	awk -v want="$2" -v zone="[${3%.}.]" '
		index($0, " " zone " ") == 0 { next }
		/ (AXFR|IXFR), incoming, .*, finished,/ { kind = ($0 ~ / AXFR, incoming,/) ? "AXFR" : "IXFR"; next }
		/ refresh, .*zone updated,/ { if (kind == want) n++; kind = "" }
		END { print n + 0 }' "$1"
}

# nsd_committed_serials NAME ZONE: the serials of the transfers NSD committed, in order, one a line.
nsd_committed_serials() {
	local log
	log=$(secondary_log "$1")
	[ -f "$log" ] || return 0
	grep -F "xfrd: zone ${2%.} committed \"received update to serial " "$log" |
		sed 's/.*received update to serial \([0-9]*\) .*/\1/'
}

# nsd_ixfr_from NAME ZONE SERIAL: 0 when NAME answers an IXFR query from SERIAL (signed with its key, over TCP,
# ~2 s at most) with the changes (a SOA as the answer's second record), 1 when with the whole zone, the single SOA or
# an error.
nsd_ixfr_from() {
	local name=$1 zone=$2 from=$3
	dig @127.0.0.1 -p "${SEC_PORT[$name]}" +time=2 +tries=1 +noall +answer \
		-y "$SEC_ALGORITHM:${SEC_KEY[$name]}:${SEC_SECRET[$name]}" "$zone" "IXFR=$from" 2>/dev/null |
		awk '/^;/ || NF < 5 || $4 == "TSIG" { next } { n++; if (n == 2) exit($4 == "SOA" ? 0 : 1) } END { if (n < 2) exit 1 }'
}

nsd_xfr_count() {
	local name=$1 kind=$2 zone=$3 k ixfr=0
	local -a serials=()
	mapfile -t serials < <(nsd_committed_serials "$name" "$zone")
	for ((k = 0; k < ${#serials[@]} - 1; k++)); do
		if nsd_ixfr_from "$name" "$zone" "${serials[k]}"; then
			ixfr=$((${#serials[@]} - 1 - k))
			break
		fi
	done
	case $kind in
	IXFR) echo "$ixfr" ;;
	AXFR) echo $((${#serials[@]} - ixfr)) ;;
	esac
}

secondary_wait_log() {
	local name=$1 re=$2 timeout_ms=$3 start log line
	log=$(secondary_log "$name")
	start=$(secondary_now_us)
	while :; do
		line=$(grep -E -m 1 -- "$re" "$log" 2>/dev/null)
		if [ -n "$line" ]; then
			echo "$line"
			return 0
		fi
		[ $((($(secondary_now_us) - start) / 1000)) -ge "$timeout_ms" ] && return 1
		sleep 0.05
	done
}
