// SPDX-License-Identifier: GPL-2.0
/*
 * ndpflood: neighbour solicitations at a set rate, the advertisements
 * counted.  What tools/ndpq does one question at a time, for rates a
 * Python sender cannot keep: make bench's lossless trials.
 *
 *   ndpflood -i IFACE -s SOURCE -r RATE [-w MS] [-l [-N]] -f TARGETS
 *
 * Sends, on a schedule, one multicast solicitation (to the target's
 * solicited-node group, with the source link-layer option) per line of
 * TARGETS, in order, and counts the advertisements that come back for
 * a target of the file.  Prints "time MS" (first to last sent) then
 * "sent N replies M", as arpq -q -t does; with -l, first a line
 * "reply TARGET us=DELAY" per advertisement, the delay from the last
 * solicitation sent for that target; with -N, "ns=DELAY" instead.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct ns_frame {
	uint8_t dst[6], src[6];
	uint16_t type;
	struct ip6_hdr ip6;
	struct nd_neighbor_solicit ns;
	uint8_t opt_type, opt_len, lladdr[6];
} __attribute__((packed));

static struct in6_addr *targets, *sorted;
static uint64_t *sent_ns;		/* by sorted index: last sent */
static size_t ntargets;
static int latency, in_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(const char *msg)
{
	perror(msg);
	exit(2);
}

static int cmp6(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct in6_addr));
}

static void read_targets(const char *path)
{
	char line[128];
	size_t cap = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\r\n")] = 0;
		if (!line[0])
			continue;
		if (ntargets == cap) {
			cap = cap ? cap * 2 : 256;
			targets = realloc(targets, cap * sizeof(*targets));
			if (!targets)
				die("realloc");
		}
		if (inet_pton(AF_INET6, line, &targets[ntargets]) != 1) {
			fprintf(stderr, "ndpflood: bad target %s\n", line);
			exit(2);
		}
		ntargets++;
	}
	fclose(f);
	sorted = malloc(ntargets * sizeof(*sorted));
	if (!sorted)
		die("malloc");
	memcpy(sorted, targets, ntargets * sizeof(*sorted));
	qsort(sorted, ntargets, sizeof(*sorted), cmp6);
	sent_ns = calloc(ntargets, sizeof(*sent_ns));
	if (!sent_ns)
		die("calloc");
}

static struct in6_addr *find(const struct in6_addr *target)
{
	return bsearch(target, sorted, ntargets, sizeof(*sorted), cmp6);
}

static uint16_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The ICMPv6 checksum of @fr's solicitation, over the pseudo-header. */
static uint16_t ns_csum(const struct ns_frame *fr)
{
	size_t len = sizeof(fr->ns) + 8;
	uint8_t pseudo[40] = { 0 };
	uint32_t sum;

	memcpy(pseudo, &fr->ip6.ip6_src, 16);
	memcpy(pseudo + 16, &fr->ip6.ip6_dst, 16);
	pseudo[35] = len;
	pseudo[39] = IPPROTO_ICMPV6;
	sum = csum_add(0, pseudo, sizeof(pseudo));
	sum = csum_add(sum, &fr->ns, len);
	return htons(~sum & 0xffff);
}

static void build(struct ns_frame *fr, const struct in6_addr *target)
{
	struct in6_addr dst = { 0 };

	dst.s6_addr[0] = 0xff;
	dst.s6_addr[1] = 0x02;
	dst.s6_addr[11] = 0x01;
	dst.s6_addr[12] = 0xff;
	memcpy(&dst.s6_addr[13], &target->s6_addr[13], 3);
	memcpy(&fr->ip6.ip6_dst, &dst, sizeof(dst));
	fr->dst[0] = 0x33;
	fr->dst[1] = 0x33;
	memcpy(&fr->dst[2], &dst.s6_addr[12], 4);
	memcpy(&fr->ns.nd_ns_target, target, sizeof(*target));
	fr->ns.nd_ns_cksum = 0;
	fr->ns.nd_ns_cksum = ns_csum(fr);
}

/* An advertisement for one of the targets? */
static int is_answer(const uint8_t *buf, ssize_t len)
{
	const struct ip6_hdr *ip6 = (const void *)(buf + 14);
	const struct nd_neighbor_advert *na = (const void *)(ip6 + 1);
	char text[INET6_ADDRSTRLEN];
	struct in6_addr target, *t;

	if (len < (ssize_t)(14 + sizeof(*ip6) + sizeof(*na)) ||
	    buf[12] != 0x86 || buf[13] != 0xdd ||
	    ip6->ip6_nxt != IPPROTO_ICMPV6 ||
	    na->nd_na_type != ND_NEIGHBOR_ADVERT)
		return 0;
	memcpy(&target, &na->nd_na_target, sizeof(target));
	t = find(&target);
	if (!t)
		return 0;
	if (latency) {
		inet_ntop(AF_INET6, &target, text, sizeof(text));
		printf("reply %s %s=%llu\n", text, in_ns ? "ns" : "us",
		       (unsigned long long)(now_ns() - sent_ns[t - sorted]) /
			       (in_ns ? 1 : 1000));
	}
	return 1;
}

static long receive(int fd, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t buf[2048];
	uint64_t now;
	ssize_t len;
	long n = 0;

	for (;;) {
		now = now_ns();
		if (poll(&pfd, 1, now >= deadline ? 0 :
			 (int)((deadline - now + 999999) / 1000000)) <= 0)
			break;
		while ((len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			n += is_answer(buf, len);
		if (now_ns() >= deadline)
			break;
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: ndpflood -i IFACE -s SOURCE -r RATE [-w MS] [-l [-N]] -f TARGETS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *file = NULL;
	struct sockaddr_ll ll = { 0 };
	struct ifreq ifr = { 0 };
	struct in6_addr src;
	uint64_t start, next, last = 0;
	long rate = 0, sent = 0, replies = 0, i;
	int wait_ms = 300, have_src = 0, fd, c;
	struct ns_frame fr;

	while ((c = getopt(argc, argv, "i:s:r:w:f:lN")) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 's':
			if (inet_pton(AF_INET6, optarg, &src) != 1)
				usage();
			have_src = 1;
			break;
		case 'r': rate = atol(optarg); break;
		case 'w': wait_ms = atoi(optarg); break;
		case 'f': file = optarg; break;
		case 'l': latency = 1; break;
		case 'N': in_ns = 1; break;
		default: usage();
		}
	}
	if (!ifname || !file || !have_src || rate <= 0)
		usage();
	read_targets(file);
	if (!ntargets)
		usage();

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IPV6));
	if (fd < 0)
		die("socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		die(ifname);
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_IPV6);
	ll.sll_ifindex = if_nametoindex(ifname);
	if (!ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		die("bind");

	memset(&fr, 0, sizeof(fr));
	memcpy(fr.src, ifr.ifr_hwaddr.sa_data, 6);
	fr.type = htons(ETH_P_IPV6);
	fr.ip6.ip6_flow = htonl(6u << 28);
	fr.ip6.ip6_plen = htons(sizeof(fr.ns) + 8);
	fr.ip6.ip6_nxt = IPPROTO_ICMPV6;
	fr.ip6.ip6_hlim = 255;
	memcpy(&fr.ip6.ip6_src, &src, sizeof(src));
	fr.ns.nd_ns_type = ND_NEIGHBOR_SOLICIT;
	fr.opt_type = ND_OPT_SOURCE_LINKADDR;
	fr.opt_len = 1;
	memcpy(fr.lladdr, ifr.ifr_hwaddr.sa_data, 6);

	start = next = now_ns();
	for (i = 0; i < (long)ntargets; i++) {
		build(&fr, &targets[i]);
		replies += receive(fd, next);
		next = start + (uint64_t)(i + 1) * 1000000000ull / rate;
		sent_ns[find(&targets[i]) - sorted] = now_ns();
		if (send(fd, &fr, sizeof(fr), 0) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN) {
				i--;
				continue;
			}
			die("send");
		}
		sent++;
		last = now_ns();
		replies += receive(fd, 0);
	}
	replies += receive(fd, now_ns() + (uint64_t)wait_ms * 1000000ull);
	printf("time %.3f\n", last ? (last - start) / 1e6 : 0.0);
	printf("sent %ld replies %ld\n", sent, replies);
	return 0;
}
