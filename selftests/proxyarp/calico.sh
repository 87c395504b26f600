#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Calico host, built as Calico builds it, and README's recipe for it.
# From projectcalico/calico: cni-plugin/pkg/dataplane/linux/
# dataplane_linux.go gives the host side of a pod's veth the MAC
# ee:ee:ee:ee:ee:ee and no address, and the pod a /32, a scope link
# route to 169.254.1.1 and its default route through it;
# felix/dataplane/linux/endpoint_mgr.go (configureProcSysForInterface)
# sets route_localnet, proxy_delay 0, proxy_arp and forwarding on the
# cali* device; felix's route table adds the pod's /32 through it, scope
# link, with DeviceRouteProtocol's default, RTPROT_BOOT.  The host
# answers 169.254.1.1 by proxy only because its default route covers it
# (projectcalico/calico#3270): with the module's defaults
# (ignore_default_route=1) a pod loses its gateway.  The recipe: an
# /etc/sysctl.d glob, net.proxyarp.conf.cali*.*, that the package's udev
# rule applies when the module loads and when each cali* device appears
# (systemd-sysctl expands it), ignore_default_route=0 there and the
# default 1 on the uplink.
#
#  pod0, pod1                  node                            lan
# +--------------+           +--------------------------+    +-------------+
# | eth0         |-----------| cali* (ee:ee:.., none)   |    |             |
# | 10.65.0.N/32 |           | ens3 10.0.0.2/24         |----| 10.0.0.1/24 |
# | gw 169.254.  |           | ens4 (dummy): default    |    +-------------+
# |    1.1       |           +--------------------------+
# +--------------+
#
# A private mount namespace holds a tmpfs over /etc/sysctl.d for the
# recipe's file: the root is not touched.

source "$(dirname "$0")/lib.sh"

CALI_MAC=ee:ee:ee:ee:ee:ee
node="" lan="" pod0="" pod1=""

if [ -z "${CALICO_NS:-}" ]; then
	exec env CALICO_NS=1 unshare --mount --propagation private "$0" "$@"
fi

# The host side, as the CNI plugin and felix make it.
# add_pod NS DEV ADDRESS
add_pod() {
	local pod=$1 dev=$2 addr=$3 k

	ip -n "$node" link add "$dev" type veth peer name eth0 netns "$pod" || return 1
	ip -n "$node" link set "$dev" address "$CALI_MAC"
	for k in "conf/$dev/route_localnet=1" "neigh/$dev/proxy_delay=0" \
		 "conf/$dev/proxy_arp=1" "conf/$dev/forwarding=1"; do
		ip netns exec "$node" sh -c "echo ${k#*=} >/proc/sys/net/ipv4/${k%=*}"
	done
	ip -n "$node" link set "$dev" up
	ip -n "$pod" link set eth0 up
	ip -n "$pod" addr add "$addr/32" dev eth0
	ip -n "$pod" route add 169.254.1.1 dev eth0 scope link
	ip -n "$pod" route add default via 169.254.1.1 dev eth0
	ip -n "$node" route add "$addr/32" dev "$dev" scope link proto boot
}

setup() {
	setup_ns node lan pod0 || return 1
	ip -n "$node" link add ens3 type veth peer name eth0 netns "$lan" || return 1
	ip -n "$node" addr add 10.0.0.2/24 dev ens3
	ip -n "$node" link set ens3 up
	ip -n "$lan" addr add 10.0.0.1/24 dev eth0
	ip -n "$lan" link set eth0 up
	ip -n "$lan" route add 10.65.0.0/16 via 10.0.0.2
	add_dummy "$node" ens4 default
	ipv4 "$node" all forwarding 1
	add_pod "$pod0" cali1a2b3c4d5e6 10.65.0.5
}

# gateway POD: the pod resolves 169.254.1.1 as its kernel does, through
# a ping across the node to the LAN: "MAC ok" when it got the host's
# MAC and the ping came back, what it got otherwise.
gateway() {
	local pod=$1 rc mac

	ip -n "$pod" neigh flush dev eth0
	ip netns exec "$pod" ping -c 1 -W 2 10.0.0.1 >/dev/null 2>&1
	rc=$?
	mac=$(ip -n "$pod" neigh show 169.254.1.1 dev eth0 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
	echo "${mac:-none} $([ "$rc" -eq 0 ] && echo ok || echo lost)"
}

test_kernel() {
	check_eq "$(gateway "$pod0")" "$CALI_MAC ok" \
		"kernel proxy_arp, as felix sets it: the pod resolves 169.254.1.1 and reaches the LAN"
	check_match "$(ip -n "$node" route get 169.254.1.1)" "dev ens4" \
		"only the node's default route covers 169.254.1.1 (calico#3270)"
}

# The outage the recipe prevents: the module's defaults on cali*.
test_defaults() {
	module_load || return 1
	trace_start
	pa "$node" cali1a2b3c4d5e6 mode 1
	check_eq "$(gateway "$pod0")" "none lost" \
		"the module on cali* with its defaults: the pod loses its gateway"
	check_match "$(trace_lines | grep 'tip=169.254.1.1 ' | tail -n 1)" \
		"dev=cali1a2b3c4d5e6 .*verdict=ignore reason=default_route .*route=0.0.0.0/0 oif=ens4 " \
		"traced: refused as default_route"
	pa "$node" cali1a2b3c4d5e6 mode 0
}

test_recipe() {
	local conf cmd

	mount -t tmpfs tmpfs /etc/sysctl.d || return 1
	conf=$(sed -n '/^    # \/etc\/sysctl.d\/60-proxyarp-calico.conf$/,/^$/s/^    //p' "$TOP/README.md")
	check_match "$conf" "^net\.proxyarp\.conf\.cali\*\.ignore_default_route = 0$" \
		"README's Calico file, extracted"
	printf '%s\n' "$conf" >/etc/sysctl.d/60-proxyarp-calico.conf

	# What the package's rule runs when the module loads, in the node.
	cmd=$(rule_cmd module proxyarp)
	# shellcheck disable=SC2086 # the rule's command and its arguments
	ip netns exec "$node" $cmd
	check_eq "$(pa "$node" cali1a2b3c4d5e6 mode)/$(pa "$node" cali1a2b3c4d5e6 ignore_default_route)" "1/0" \
		"at load: the glob sets the existing cali* device"
	check_eq "$(pa "$node" ens3 mode)/$(pa "$node" ens3 ignore_default_route)" "1/1" \
		"at load: the uplink in mode 1, ignore_default_route 1"
	check_eq "$(gateway "$pod0")" "$CALI_MAC ok" "the recipe: the pod resolves its gateway again"

	# A pod created later: the rule for its device.
	setup_ns pod1
	add_pod "$pod1" calif0e1d2c3b4a 10.65.0.6
	check_eq "$(pa "$node" calif0e1d2c3b4a mode)" "0" "a new cali* device starts at default's 0"
	cmd=$(rule_cmd net calif0e1d2c3b4a)
	# shellcheck disable=SC2086 # the rule's command and its arguments
	ip netns exec "$node" $cmd
	check_eq "$(pa "$node" calif0e1d2c3b4a mode)/$(pa "$node" calif0e1d2c3b4a ignore_default_route)" "1/0" \
		"its udev rule applies the glob to it"
	trace_start
	check_eq "$(gateway "$pod1")" "$CALI_MAC ok" "the new pod resolves its gateway"
	check_match "$(trace_lines | grep 'dev=calif0e1d2c3b4a .*tip=169.254.1.1 ' | tail -n 1)" \
		"verdict=reply reason=proxied .*route=0.0.0.0/0 oif=ens4 " \
		"answered by the module, from the default route"

	# The uplink still refuses what only the default route covers.
	check_eq "$(answer "$lan" eth0 10.0.0.1 198.51.100.7)" "" \
		"the uplink: an address only the default route covers is not answered"
	check_match "$(trace_lines | grep 'dev=ens3 .*tip=198.51.100.7 ' | tail -n 1)" \
		"verdict=ignore reason=default_route " "traced default_route on the uplink"
	check_eq "$(answer "$lan" eth0 10.0.0.1 10.65.0.6)" "$(mac_of "$node" ens3)" \
		"the uplink: a pod's /32 is answered, with the uplink's MAC"
	umount /etc/sysctl.d
}

require_root
require_cmd ip ping unshare
[ -x "$(rule_cmd module proxyarp | cut -d ' ' -f 1)" ] || missing "no systemd-sysctl"
trap cleanup EXIT
setup || exit "$ksft_fail"

test_kernel
test_defaults
test_recipe
finish
