/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns/sockdiag.c - listening sockets: TCP through libnl-idiag, UDP through
 * a SOCK_DIAG_BY_FAMILY dump sent with libnl core.
 *
 * libnl-idiag's request (inet_diag_req, v1) covers TCP only, so UDP builds
 * an inet_diag_req_v2 itself.  A dump ends with NLMSG_DONE: nl_recvmsgs
 * returns there, and nl_wait_for_ack after it would block forever.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/addr.h>
#include <netlink/idiag/idiagnl.h>
#include <netlink/idiag/msg.h>

#include "base/util.h"
#include "nl.h"

struct lwalk {
	struct netns_sink *sink;
	struct iso_error **err;
	int proto;
	size_t count;
	int failed;
};

static void lput(struct lwalk *w, struct netns_listener *it)
{
	if (w->failed)
		return;
	netns_addr_format(it->family, it->addr, it->text, sizeof it->text);
	if (netns_sink_put_capped(w->sink, &w->count, "sockets", NETNS_TAG_LISTENER, it, sizeof *it, w->err) < 0)
		w->failed = 1;
}

static void one_tcp(struct nl_object *obj, void *arg)
{
	struct lwalk *w = arg;
	struct idiagnl_msg *m = (struct idiagnl_msg *)obj;
	struct netns_listener it = {.proto = IPPROTO_TCP};

	if (idiagnl_msg_get_state(m) != TCP_LISTEN)
		return;
	it.family = idiagnl_msg_get_family(m);
	struct nl_addr *src = idiagnl_msg_get_src(m);
	if (src && nl_addr_get_len(src) <= sizeof it.addr)
		memcpy(it.addr, nl_addr_get_binary_addr(src), nl_addr_get_len(src));
	it.port = ntohs(idiagnl_msg_get_sport(m)); /* libnl keeps it as the kernel sent it */
	it.ifindex = (int)idiagnl_msg_get_ifindex(m);
	it.uid = idiagnl_msg_get_uid(m);
	it.inode = idiagnl_msg_get_inode(m);
	lput(w, &it);
}

int netns_dump_tcp(struct netns_sink *sink, struct iso_error **err)
{
	struct lwalk w = {.sink = sink, .err = err, .proto = IPPROTO_TCP};
	cleanup_nl_sock struct nl_sock *sk = nl_socket_alloc();
	cleanup_nl_cache struct nl_cache *c = NULL;

	if (!sk)
		return iso_error_set(err, ISO_E_INTERNAL, ENOMEM, "cannot allocate a netlink socket");
	int rc = idiagnl_connect(sk);
	if (rc < 0)
		return iso_error_set(err, ISO_E_ISOLATION, -rc, "cannot open a sock_diag socket: %s", nl_geterror(rc));
	/*
	 * One dump covers both families: the kernel answers libnl-idiag's v1
	 * request (TCPDIAG_GETSOCK) for AF_UNSPEC whatever family it names.
	 */
	rc = idiagnl_msg_alloc_cache(sk, AF_INET, 1 << TCP_LISTEN, &c);
	if (rc < 0)
		return iso_error_set(err, ISO_E_ISOLATION, -rc, "cannot dump the listening tcp sockets: %s",
				     nl_geterror(rc));
	nl_cache_foreach(c, one_tcp, &w);
	return w.failed ? -1 : 0;
}

static int one_udp(struct nl_msg *msg, void *arg)
{
	struct lwalk *w = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct netns_listener it = {.proto = IPPROTO_UDP};

	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || nlmsg_datalen(h) < (int)sizeof(struct inet_diag_msg))
		return NL_SKIP;
	const struct inet_diag_msg *d = nlmsg_data(h);
	it.family = d->idiag_family;
	memcpy(it.addr, d->id.idiag_src, it.family == AF_INET ? 4 : 16);
	it.port = ntohs(d->id.idiag_sport);
	it.ifindex = (int)d->id.idiag_if;
	it.uid = d->idiag_uid;
	it.inode = d->idiag_inode;
	lput(w, &it);
	return w->failed ? NL_STOP : NL_OK;
}

int netns_dump_udp(struct netns_sink *sink, struct iso_error **err)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct lwalk w = {.sink = sink, .err = err, .proto = IPPROTO_UDP};

	for (size_t i = 0; i < ISO_ARRAY_SIZE(families) && !w.failed; i++) {
		cleanup_nl_sock struct nl_sock *sk = netns_nl_open(NETLINK_SOCK_DIAG, err);
		if (!sk)
			return -1;
		struct inet_diag_req_v2 req = {
			.sdiag_family = (uint8_t)families[i],
			.sdiag_protocol = IPPROTO_UDP,
			.idiag_states = 1 << TCP_CLOSE, /* an unconnected UDP socket reports TCP_CLOSE */
		};
		int rc = nl_send_simple(sk, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &req, sizeof req);
		if (rc < 0)
			return iso_error_set(err, ISO_E_ISOLATION, -rc, "cannot request the udp sockets: %s",
					     nl_geterror(rc));
		rc = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, one_udp, &w);
		if (rc >= 0)
			rc = nl_recvmsgs_default(sk); /* returns at NLMSG_DONE; no ACK follows a dump */
		if (rc < 0 && !w.failed)
			return iso_error_set(err, ISO_E_ISOLATION, -rc, "cannot dump the udp sockets: %s",
					     nl_geterror(rc));
	}
	return w.failed ? -1 : 0;
}
