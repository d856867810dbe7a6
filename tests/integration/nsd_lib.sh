# SPDX-License-Identifier: BSD-2-Clause
# nsd_lib.sh — sourced after lib.sh: NSD, an authoritative DNS server, serving a test's own zone files on 127.0.0.1
# (IPv4 only), everything it writes (nsd.conf, zone list, xfrd state, pid file, log) in one directory, under
# timeout(1) (IT_SERVER_LIFETIME, as dnsbld), stopped on exit. Needs nsd (scripts/deps.sh installs it).
#
#   nsd_write_conf DIR PORT ZONE=FILE...     DIR/nsd.conf: NSD on 127.0.0.1@PORT serving each ZONE from its FILE
#                                            (a script that starts NSD its own way, e.g. in a namespace, uses it)
#   start_nsd DIR WHAT ZONE=FILE...          nsd with that configuration on a free port, waited for (~10 s at most)
#                                            until it answers the first ZONE's SOA with NOERROR: passes "NSD loads
#                                            WHAT and answers on 127.0.0.1:PORT"; sets NSD_PORT, NSD_PID
#   stop_nsd                                 stops it (the EXIT trap does too; a script with a trap of its own calls
#                                            stop_nsd from it)

NSD_PID=""
NSD_PORT="" # the scripts read it

# shellcheck disable=SC2317 # called by the EXIT trap
nsd_cleanup() {
	stop_nsd
	it_cleanup
}
trap nsd_cleanup EXIT

stop_nsd() {
	stop_pid NSD_PID
}

# nsd_conf_server DIR PORT: the start of an nsd.conf, its server: clause with everything NSD writes kept in DIR; the
# caller may add server options (two spaces in) before the next clause.
nsd_conf_server() {
	local dir=$1 port=$2
	cat <<-EOF
		# NSD for $(basename "$0"): 127.0.0.1@$port, nothing written outside $dir.
		server:
		  ip-address: 127.0.0.1@$port
		  port: $port
		  do-ip6: no
		  username: ""
		  chroot: ""
		  zonesdir: "$dir"
		  database: ""
		  zonelistfile: "$dir/nsd.zonelist"
		  xfrdfile: "$dir/nsd.xfrd"
		  xfrdir: "$dir"
		  pidfile: "$dir/nsd.pid"
		  logfile: "$dir/nsd.log"
		  server-count: 1
		  hide-version: yes
	EOF
}

nsd_write_conf() {
	local dir=$1 port=$2 zone
	shift 2
	mkdir -p "$dir"
	{
		nsd_conf_server "$dir" "$port"
		cat <<-EOF
			remote-control:
			  control-enable: no
		EOF
		for zone in "$@"; do
			printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' "${zone%%=*}" "${zone#*=}"
		done
	} >"$dir/nsd.conf"
}

start_nsd() {
	local dir=$1 what=$2 apex=${3%%=*} attempt port deadline
	shift 2
	for attempt in 1 2 3 4 5; do
		: "$attempt"
		port=$(random_port)
		nsd_write_conf "$dir" "$port" "$@"
		timeout -k 2 "$IT_SERVER_LIFETIME" nsd -d -c "$dir/nsd.conf" >>"$dir/nsd.out" 2>&1 &
		NSD_PID=$!
		# shellcheck disable=SC2034 # the scripts read it
		NSD_PORT=$port
		deadline=$((SECONDS + 10))
		while [ "$SECONDS" -le "$deadline" ] && kill -0 "$NSD_PID" 2>/dev/null; do
			if dig @127.0.0.1 -p "$port" +norec +time=1 +tries=1 "$apex" SOA 2>/dev/null | grep -q 'status: NOERROR'; then
				it_pass "NSD loads $what and answers on 127.0.0.1:$port"
				return 0
			fi
			sleep 0.1
		done
		cat "$dir/nsd.out" "$dir/nsd.log" 2>/dev/null | sed 's/^/#   /'
		stop_nsd
	done
	it_fail "NSD loads $what" "an answer within ~10 s" "none (its log is above)"
	return 1
}
