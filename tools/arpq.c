// SPDX-License-Identifier: GPL-2.0
/*
 * arpq: ask ARP questions in bulk and collect the answers.
 *
 * Sends crafted ARP packets out of one interface through a raw packet
 * socket (any sender/target IP and MAC, broadcast or unicast, any opcode,
 * any header field, any length) at a chosen rate, and prints every ARP
 * reply that comes back for one of the targets, with its delay.
 *
 *   arpq -i IFACE [options] TARGET...
 *   arpq -i IFACE [options] -F REQUESTS   (lines: SENDER TARGET [DSTMAC])
 *
 * Output, one line a reply, then a summary:
 *   reply TARGET is-at MAC us=DELAY asker=SENDER
 * (ns=DELAY with -N: under QEMU's icount a nanosecond is an instruction)
 *   sent N replies M
 * DELAY runs from the latest request asking the same (sender, target).
 * With -t, "time MS" comes before the summary: from the first request
 * sent to the last.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct arp_eth {
	uint16_t hrd, pro;
	uint8_t hln, pln;
	uint16_t op;
	uint8_t sha[6];
	uint8_t sip[4];
	uint8_t tha[6];
	uint8_t tip[4];
} __attribute__((packed));

struct frame {
	uint8_t dst[6], src[6];
	uint16_t type;
	struct arp_eth arp;
	uint8_t pad[18];
} __attribute__((packed));

/*
 * One request: who asks, for what, to which Ethernet destination.
 * @first is the list's first request with the same sender and target:
 * a reply matches that one, so its @sent_ns is the latest send of any.
 */
struct target {
	struct in_addr sip;
	struct in_addr ip;
	uint8_t dmac[6];
	size_t first;
	uint64_t sent_ns;
};

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

static void usage(void)
{
	fprintf(stderr,
		"usage: arpq -i IFACE [options] TARGET...\n"
		"  -s IP     sender IP (default 0.0.0.0)\n"
		"  -S MAC    sender MAC in the ARP body (default: IFACE's)\n"
		"  -E MAC    Ethernet source (default: the sender MAC)\n"
		"  -d MAC    Ethernet destination (default: broadcast)\n"
		"  -T MAC    target MAC in the ARP body (default: zero)\n"
		"  -o OP     opcode (default 1, request)\n"
		"  -c N      send the whole target list N times (default 1)\n"
		"  -r RATE   packets per second (default: as fast as possible)\n"
		"  -w MS     wait for replies after the last packet (default 300)\n"
		"  -W MS     none by then: wait up to MS after the last packet for a\n"
		"            first reply, then -w after it (default: -w's)\n"
		"  -H N -P N -L N -l N   ARP hrd, pro, hln, pln fields\n"
		"  -n BYTES  frame length to send (truncate or pad)\n"
		"  -f FILE   read targets from FILE, one a line\n"
		"  -F FILE   read requests from FILE: SENDER TARGET [DSTMAC]\n"
		"  -q        print the summary only\n"
		"  -t        before the summary, \"time MS\": first to last send\n"
		"  -N        print delays in nanoseconds (ns=) instead of us=\n");
	exit(2);
}

static void parse_mac(const char *s, uint8_t *mac)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5]) != 6) {
		fprintf(stderr, "arpq: bad MAC %s\n", s);
		exit(2);
	}
}

static struct target *targets;
static size_t ntargets, cap;

static struct in_addr default_sip;
static uint8_t default_dmac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct target *new_target(void)
{
	if (ntargets == cap) {
		cap = cap ? cap * 2 : 64;
		targets = realloc(targets, cap * sizeof(*targets));
		if (!targets)
			die("realloc");
	}
	memset(&targets[ntargets], 0, sizeof(targets[0]));
	targets[ntargets].sip = default_sip;
	memcpy(targets[ntargets].dmac, default_dmac, 6);
	return &targets[ntargets++];
}

static void add_target(const char *s)
{
	struct target *t = new_target();

	if (inet_pton(AF_INET, s, &t->ip) != 1) {
		fprintf(stderr, "arpq: bad target %s\n", s);
		exit(2);
	}
}

static void read_requests(const char *path)
{
	char line[128], sip[32], tip[32], dmac[32];
	FILE *f = fopen(path, "r");
	struct target *t;
	int n;

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		n = sscanf(line, "%31s %31s %31s", sip, tip, dmac);
		if (n < 2)
			continue;
		t = new_target();
		if (inet_pton(AF_INET, sip, &t->sip) != 1 ||
		    inet_pton(AF_INET, tip, &t->ip) != 1) {
			fprintf(stderr, "arpq: bad request %s", line);
			exit(2);
		}
		if (n == 3)
			parse_mac(dmac, t->dmac);
	}
	fclose(f);
}

static void read_targets(const char *path)
{
	char line[64];
	FILE *f = fopen(path, "r");

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\r\n")] = 0;
		if (line[0])
			add_target(line);
	}
	fclose(f);
}

/* Target, then sender. */
static int question_cmp(const struct target *x, const struct target *y)
{
	int d = memcmp(&x->ip, &y->ip, 4);

	return d ? d : memcmp(&x->sip, &y->sip, 4);
}

/* qsort() order: by question, then place in the list. */
static int by_question(const void *a, const void *b)
{
	const struct target *x = &targets[*(const size_t *)a];
	const struct target *y = &targets[*(const size_t *)b];
	int d = question_cmp(x, y);

	return d ? d : (x > y) - (x < y);
}

/*
 * Point every request at the first in the list asking the same, so
 * that a reply to a repeated question is timed from its latest send.
 */
static void link_repeats(void)
{
	size_t *order = calloc(ntargets, sizeof(*order));
	size_t i, first = 0;

	if (!order)
		die("calloc");
	for (i = 0; i < ntargets; i++)
		order[i] = i;
	qsort(order, ntargets, sizeof(*order), by_question);
	for (i = 0; i < ntargets; i++) {
		if (!i || question_cmp(&targets[order[i - 1]],
				       &targets[order[i]]))
			first = order[i];
		targets[order[i]].first = first;
	}
	free(order);
}

/* A reply for one of our targets: print it with its delay. */
/* -N: delays in nanoseconds */
static int in_ns;

static int handle_reply(const struct frame *fr, ssize_t len, int quiet)
{
	const struct arp_eth *a = &fr->arp;
	char ip[INET_ADDRSTRLEN], asker[INET_ADDRSTRLEN];
	size_t i;

	if (len < (ssize_t)(14 + sizeof(*a)) || fr->type != htons(ETH_P_ARP) ||
	    a->op != htons(2) || a->pro != htons(ETH_P_IP) || a->hln != 6 ||
	    a->pln != 4)
		return 0;
	for (i = 0; i < ntargets; i++) {
		if (memcmp(&targets[i].ip, a->sip, 4) ||
		    memcmp(&targets[i].sip, a->tip, 4))
			continue;
		if (!quiet) {
			inet_ntop(AF_INET, a->sip, ip, sizeof(ip));
			inet_ntop(AF_INET, a->tip, asker, sizeof(asker));
			printf("reply %s is-at %02x:%02x:%02x:%02x:%02x:%02x %s=%llu asker=%s\n",
			       ip, a->sha[0], a->sha[1], a->sha[2], a->sha[3],
			       a->sha[4], a->sha[5], in_ns ? "ns" : "us",
			       (unsigned long long)(now_ns() -
						    targets[i].sent_ns) /
				       (in_ns ? 1 : 1000),
			       asker);
		}
		return 1;
	}
	return 0;
}

/*
 * Collect replies until @deadline (CLOCK_MONOTONIC, ns), or until the
 * first with @first.
 */
static long receive(int fd, uint64_t deadline, int quiet, int first)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct frame fr;
	uint64_t now;
	long n = 0;
	ssize_t len;

	for (;;) {
		now = now_ns();
		if (poll(&pfd, 1, now >= deadline ? 0 :
			 (int)((deadline - now + 999999) / 1000000)) <= 0)
			break;
		while ((len = recv(fd, &fr, sizeof(fr), MSG_DONTWAIT)) > 0)
			n += handle_reply(&fr, len, quiet);
		if (now_ns() >= deadline || (first && n))
			break;
	}
	return n;
}

int main(int argc, char **argv)
{
	int hrd = 1, pro = ETH_P_IP, hln = 6, pln = 4, op = 1;
	int sha_set = 0, esrc_set = 0, wait_ms = 300, late_ms = 0, quiet = 0, timing = 0;
	long count = 1, rate = 0, sent = 0, replies = 0;
	uint8_t sha[6], esrc[6], tha[6] = { 0 };
	const char *ifname = NULL, *targets_file = NULL, *requests_file = NULL;
	size_t frame_len = 42;
	struct sockaddr_ll ll = { 0 };
	struct ifreq ifr = { 0 };
	uint64_t start, next, last = 0, end;
	struct frame fr;
	int fd, c;
	long i;

	while ((c = getopt(argc, argv, "i:s:S:E:d:T:o:c:r:w:W:H:P:L:l:n:f:F:qtN")) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 's':
			if (inet_pton(AF_INET, optarg, &default_sip) != 1)
				usage();
			break;
		case 'S': parse_mac(optarg, sha); sha_set = 1; break;
		case 'E': parse_mac(optarg, esrc); esrc_set = 1; break;
		case 'd': parse_mac(optarg, default_dmac); break;
		case 'T': parse_mac(optarg, tha); break;
		case 'o': op = atoi(optarg); break;
		case 'c': count = atol(optarg); break;
		case 'r': rate = atol(optarg); break;
		case 'w': wait_ms = atoi(optarg); break;
		case 'W': late_ms = atoi(optarg); break;
		case 'H': hrd = atoi(optarg); break;
		case 'P': pro = strtol(optarg, NULL, 0); break;
		case 'L': hln = atoi(optarg); break;
		case 'l': pln = atoi(optarg); break;
		case 'n': frame_len = atoi(optarg); break;
		case 'f': targets_file = optarg; break;
		case 'F': requests_file = optarg; break;
		case 'q': quiet = 1; break;
		case 't': timing = 1; break;
		case 'N': in_ns = 1; break;
		default: usage();
		}
	}
	/* After the options, so that -s and -d apply whatever their place. */
	if (targets_file)
		read_targets(targets_file);
	if (requests_file)
		read_requests(requests_file);
	for (; optind < argc; optind++)
		add_target(argv[optind]);
	if (!ifname || !ntargets || frame_len < 14 || frame_len > sizeof(fr))
		usage();
	link_repeats();

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));
	if (fd < 0)
		die("socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		die(ifname);
	if (!sha_set)
		memcpy(sha, ifr.ifr_hwaddr.sa_data, 6);
	if (!esrc_set)
		memcpy(esrc, sha, 6);
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_ARP);
	ll.sll_ifindex = if_nametoindex(ifname);
	if (!ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		die("bind");

	memset(&fr, 0, sizeof(fr));
	memcpy(fr.src, esrc, 6);
	fr.type = htons(ETH_P_ARP);
	fr.arp.hrd = htons(hrd);
	fr.arp.pro = htons(pro);
	fr.arp.hln = hln;
	fr.arp.pln = pln;
	fr.arp.op = htons(op);
	memcpy(fr.arp.sha, sha, 6);
	memcpy(fr.arp.tha, tha, 6);

	start = next = now_ns();
	for (i = 0; i < count * (long)ntargets; i++) {
		struct target *t = &targets[i % ntargets];

		memcpy(fr.dst, t->dmac, 6);
		memcpy(fr.arp.sip, &t->sip, 4);
		memcpy(fr.arp.tip, &t->ip, 4);
		if (rate) {
			replies += receive(fd, next, quiet, 0);
			next = start + (uint64_t)(i + 1) * 1000000000ull / rate;
		}
		t->sent_ns = now_ns();
		targets[t->first].sent_ns = t->sent_ns;
		if (send(fd, &fr, frame_len, 0) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN) {
				i--;
				continue;
			}
			die("send");
		}
		sent++;
		last = t->sent_ns;
		replies += receive(fd, 0, quiet, 0);
	}
	end = now_ns();
	replies += receive(fd, end + (uint64_t)wait_ms * 1000000ull, quiet, 0);
	/* -W: a slow node's answer still counts, and its duplicates too. */
	if (!replies && late_ms > wait_ms) {
		replies += receive(fd, end + (uint64_t)late_ms * 1000000ull,
				   quiet, 1);
		if (replies)
			replies += receive(fd, now_ns() +
					   (uint64_t)wait_ms * 1000000ull,
					   quiet, 0);
	}
	if (timing)
		printf("time %.3f\n", last ? (last - start) / 1e6 : 0.0);
	printf("sent %ld replies %ld\n", sent, replies);
	return 0;
}
