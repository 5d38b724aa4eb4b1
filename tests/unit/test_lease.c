/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the lease registry: allocation, requested ports, probes, bad files. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "test_lease.h"
#include "../../src/lease/internal.h"

static int listen_on(int port, int reuse)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (reuse)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_same_work_order_same_ports(void **state)
{
	struct tl *t = *state;
	struct lease_request a = tl_req(t, "wo-1"), b = tl_req(t, "wo-2");
	struct lease_grant g;
	struct iso_error *err = NULL;
	int pa = tl_acquire(t, &a), pb = tl_acquire(t, &b);

	assert_int_not_equal(pa, pb);
	assert_in_range(pa, t->low, t->high);
	assert_in_range(pb, t->low, t->high);
	assert_int_equal(lease_acquire(&t->reg, &a, &g, &err), 0);
	assert_int_equal(g.ports[ISO_PORT_HTTP], pa);
	assert_true(g.existing);
	assert_int_equal(g.state, LEASE_CREATING);
	/* Another profile is another work order. */
	a.profile = "other";
	assert_int_not_equal(tl_acquire(t, &a), pa);
}

static void test_several_purposes(void **state)
{
	struct tl *t = *state;
	struct lease_request r = tl_req(t, "wo-multi");
	struct lease_grant g, g2;
	struct iso_error *err = NULL;
	struct lease_list l = {0};

	r.purposes = 1u << ISO_PORT_WEBSOCKET | 1u << ISO_PORT_DB;
	assert_int_equal(lease_acquire(&t->reg, &r, &g, &err), 0);
	assert_int_not_equal(g.ports[ISO_PORT_HTTP], g.ports[ISO_PORT_WEBSOCKET]);
	assert_int_not_equal(g.ports[ISO_PORT_HTTP], g.ports[ISO_PORT_DB]);
	assert_int_not_equal(g.ports[ISO_PORT_DB], g.ports[ISO_PORT_WEBSOCKET]);
	assert_int_equal(lease_acquire(&t->reg, &r, &g2, &err), 0);
	assert_memory_equal(g.ports, g2.ports, sizeof(g.ports));
	/* Without db asked: http and websocket, no db. */
	r.wo = "wo-plain";
	r.purposes = 0;
	assert_int_equal(lease_acquire(&t->reg, &r, &g, &err), 0);
	assert_int_equal(g.ports[ISO_PORT_DB], 0);
	assert_int_equal(g.ports[ISO_PORT_WEBSOCKET], 0);
	assert_int_equal(lease_list_all(&t->reg, getuid(), &l, &err), 0);
	assert_int_equal(l.n, 4);
	lease_list_release(&l);
}

static void test_listener_in_range_is_skipped(void **state)
{
	struct tl *t = *state;
	struct lease_request r = tl_req(t, "wo-skip");
	int fd = listen_on(t->low, 1);

	assert_true(fd >= 0);
	assert_int_equal(tl_acquire(t, &r), t->low + 1);
	close(fd);
}

/* Make LOCAL_PORT sit in TIME_WAIT: the accepting side closes first. */
static void make_time_wait(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int l = listen_on(port, 1), c, s, e;

	assert_true(l >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	s = accept(l, NULL, NULL);
	assert_true(s >= 0);
	close(s); /* active close on the server side: 127.0.0.1:PORT goes to TIME_WAIT */
	usleep(20000);
	close(c);
	close(l);
	usleep(20000);
	/* The test means something only if a plain bind is refused now. */
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	e = bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ? errno : 0;
	close(l);
	assert_int_equal(e, EADDRINUSE);
}

static void test_time_wait_port_is_not_taken(void **state)
{
	struct tl *t = *state;
	struct lease_request a = tl_req(t, "wo-tw"), b = tl_req(t, "wo-next");
	struct iso_error *err = NULL;
	int p = tl_acquire(t, &a);
	size_t n = 0;

	make_time_wait(p);
	/* `down` keeps the lease: the work order gets its port back. */
	assert_int_equal(tl_acquire(t, &a), p);
	/* Released, the port in TIME_WAIT is free for the next one: the probe uses SO_REUSEADDR. */
	assert_int_equal(lease_release(&t->reg, &(struct lease_key){getuid(), "hub", "wo-tw"}, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tl_acquire(t, &b), p);
	/* And a request for it is honoured. */
	assert_int_equal(lease_release(&t->reg, &(struct lease_key){getuid(), "hub", "wo-next"}, &n, &err), 0);
	a.port = p;
	assert_int_equal(tl_acquire(t, &a), p);
}

static void test_requested_port(void **state)
{
	struct tl *t = *state;
	struct lease_request a = tl_req(t, "wo-a"), b = tl_req(t, "wo-b");
	struct lease_grant g;
	struct iso_error *err = NULL;
	int pa = tl_acquire(t, &a), fd;

	b.port = pa;
	assert_int_equal(lease_acquire(&t->reg, &b, &g, &err), -1);
	assert_int_equal(err->class, ISO_E_CONFLICT);
	assert_non_null(strstr(err->msg, "'wo-a'"));
	assert_non_null(strstr(err->msg, "profile hub"));
	iso_error_free(err);
	err = NULL;
	/* Its own port: fine. */
	a.port = pa;
	assert_int_equal(tl_acquire(t, &a), pa);
	/* A free one is honoured, also outside the range; the lease moves there. */
	b.port = t->high + 1;
	assert_int_equal(tl_acquire(t, &b), t->high + 1);
	a.port = t->high - 1;
	assert_int_equal(tl_acquire(t, &a), t->high - 1);
	a.port = 0;
	assert_int_equal(tl_acquire(t, &a), t->high - 1);
	/* One held by another program: a conflict. */
	fd = listen_on(t->high, 1);
	assert_true(fd >= 0);
	b.wo = "wo-c";
	b.port = t->high;
	assert_int_equal(lease_acquire(&t->reg, &b, &g, &err), -1);
	assert_int_equal(err->class, ISO_E_CONFLICT);
	assert_non_null(strstr(err->msg, "another program"));
	iso_error_free(err);
	close(fd);
}

static void test_unprivileged_port_refused(void **state)
{
	struct tl *t = *state;
	struct lease_request r = tl_req(t, "wo-low");
	struct lease_grant g;
	struct iso_error *err = NULL;

	r.uid = 12345; /* a rootless user, whoever runs the test */
	r.port = 80;
	assert_int_equal(lease_acquire(&t->reg, &r, &g, &err), -1);
	assert_int_equal(err->class, ISO_E_USAGE);
	assert_non_null(strstr(err->msg, "ip_unprivileged_port_start"));
	iso_error_free(err);
	err = NULL;
	r.port = 0;
	r.low = 1000;
	r.high = 1100;
	assert_int_equal(lease_acquire(&t->reg, &r, &g, &err), -1);
	assert_int_equal(err->class, ISO_E_USAGE);
	assert_non_null(strstr(err->msg, "1000-1100"));
	iso_error_free(err);
	assert_null(tl_read_raw(t)); /* nothing written */
}

static void test_full_range_names_holders(void **state)
{
	struct tl *t = *state;
	struct lease_request r = tl_req(t, "wo-1");
	struct lease_grant g;
	struct iso_error *err = NULL;

	r.high = r.low + 1;
	tl_acquire(t, &r);
	r.wo = "wo-2";
	tl_acquire(t, &r);
	r.wo = "wo-3";
	assert_int_equal(lease_acquire(&t->reg, &r, &g, &err), -1);
	assert_int_equal(err->class, ISO_E_CONFLICT);
	assert_non_null(strstr(err->msg, "'wo-1'"));
	assert_non_null(strstr(err->msg, "'wo-2'"));
	iso_error_free(err);
}

static void test_ready_made_release(void **state)
{
	struct tl *t = *state;
	struct lease_request r = tl_req(t, "wo-life");
	struct lease_key k = {getuid(), "hub", "wo-life"};
	struct lease_grant g;
	struct iso_error *err = NULL;
	size_t n = 9;
	char *raw;

	r.purposes = 1u << ISO_PORT_WEBSOCKET;
	tl_acquire(t, &r);
	assert_int_equal(lease_note_made(&t->reg, &k, LEASE_MADE_POD | LEASE_MADE_SECRET, &err), 0);
	assert_int_equal(lease_mark_ready(&t->reg, &k, &err), 0);
	raw = tl_read_raw(t);
	assert_non_null(strstr(raw, "\tready\tsecret,pod\t"));
	assert_null(strstr(raw, "creating"));
	free(raw);
	assert_int_equal(lease_acquire(&t->reg, &r, &g, &err), 0);
	assert_int_equal(g.state, LEASE_READY);
	assert_int_equal(g.made, LEASE_MADE_POD | LEASE_MADE_SECRET);
	assert_int_equal(lease_release(&t->reg, &k, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(lease_release(&t->reg, &k, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(lease_mark_ready(&t->reg, &k, &err), -1);
	assert_int_equal(err->class, ISO_E_UNKNOWN);
	iso_error_free(err);
	tl_assert_raw(t, "isopod-leases\t1\t0\n");
}

static void test_format_round_trip(void **state)
{
	struct lease l;
	char buf[LEASE_LINE_MAX + 32], *file;
	size_t len;
	struct lease_entry *e = NULL;
	struct iso_error *err = NULL;

	(void)state;
	memset(&l, 0, sizeof(l)); /* the padding too: the parse is compared bytewise */
	l.port = 18950;
	strcpy(l.address, "::1");
	l.purpose = ISO_PORT_DB;
	l.uid = 1001;
	strcpy(l.profile, "hub");
	strcpy(l.wo, "wo-042.a_b");
	l.state = LEASE_READY;
	l.made = LEASE_MADE_ALL;
	l.run.pid = 4242;
	l.run.start_time = 123456789ull;
	l.time = 1700000000;
	lease_format_line(&l, buf, LEASE_LINE_MAX, &len);
	assert_string_equal(buf, "18950\t::1\tdb\t1001\thub\two-042.a_b\tready\tsecret,odoo-volume,db-volume,pod,db,"
				 "odoo,init\t4242\t123456789\t1700000000\n");
	file = xasprintf("isopod-leases\t1\t1\n%s", buf);
	assert_int_equal(lease_parse(file, strlen(file), "x", &e, &len, &err), 0);
	assert_int_equal(len, 1);
	assert_memory_equal(&e->l, &l, sizeof(l));
	free(e);
	free(file);
}

static const char *const bad_files[] = {
	"",
	"isopod-leases\t1\t0", /* truncated header */
	"isopod-leasez\t1\t0\n",
	"isopod-leases\t2\t0\n",
	"isopod-leases\t1\t2\n18950\t127.0.0.1\thttp\t1000\thub\two-1\tready\t-\t0\t0\t1\n", /* cut at a line */
	"isopod-leases\t1\t1\n18950\t127.0.0.1\thttp\t1000\thub\two-1\tready\t-\t0\t0\t1",   /* no newline */
	"isopod-leases\t1\t1\n18950\t127.0.0.1\thttp\t1000\thub\two-1\tready\t-\t0\t0\n",
	"isopod-leases\t1\t1\n70000\t127.0.0.1\thttp\t1000\thub\two-1\tready\t-\t0\t0\t1\n",
	"isopod-leases\t1\t1\n18950\tlocalhost\thttp\t1000\thub\two-1\tready\t-\t0\t0\t1\n",
	"isopod-leases\t1\t1\n18950\t127.0.0.1\tftp\t1000\thub\two-1\tready\t-\t0\t0\t1\n",
	"isopod-leases\t1\t1\n18950\t127.0.0.1\thttp\t-1\thub\two-1\tready\t-\t0\t0\t1\n",
	"isopod-leases\t1\t1\n18950\t127.0.0.1\thttp\t1000\tHub\two-1\tready\t-\t0\t0\t1\n",
	"isopod-leases\t1\t1\n18950\t127.0.0.1\thttp\t1000\thub\tWO-1\tready\t-\t0\t0\t1\n",
	"isopod-leases\t1\t1\n18950\t127.0.0.1\thttp\t1000\thub\two-1\tdone\t-\t0\t0\t1\n",
	"isopod-leases\t1\t1\n18950\t127.0.0.1\thttp\t1000\thub\two-1\tready\tpod,\t0\t0\t1\n",
	"isopod-leases\t1\t1\n18950\t127.0.0.1\thttp\t1000\thub\two-1\tready\tcake\t0\t0\t1\n",
	"isopod-leases\t1\t2\n18950\t127.0.0.1\thttp\t1000\thub\two-1\tready\t-\t0\t0\t1\n"
	"18950\t127.0.0.1\thttp\t1000\thub\two-2\tready\t-\t0\t0\t1\n", /* port twice */
	"isopod-leases\t1\t2\n18950\t127.0.0.1\thttp\t1000\thub\two-1\tready\t-\t0\t0\t1\n"
	"18951\t127.0.0.1\thttp\t1000\thub\two-1\tready\t-\t0\t0\t1\n", /* work order twice */
};

static void test_corrupt_file_refused(void **state)
{
	struct tl *t = *state;
	struct lease_request r = tl_req(t, "wo-1");
	struct lease_grant g;
	struct lease_list l;

	for (size_t i = 0; i < ISO_ARRAY_SIZE(bad_files); i++) {
		struct iso_error *err = NULL;
		tl_write_raw(t, bad_files[i]);
		if (lease_acquire(&t->reg, &r, &g, &err) != -1)
			fail_msg("bad file %zu was accepted", i);
		assert_int_equal(err->class, ISO_E_INTERNAL);
		assert_non_null(strstr(err->msg, t->dir));
		/* The way out is named: set the file aside, rebuild from the labels. */
		if (!strstr(err->msg, "mv '") || !strstr(err->msg, "and run 'isopod ports --rebuild'"))
			fail_msg("bad file %zu: the message names no way out: %s", i, err->msg);
		iso_error_free(err);
		err = NULL;
		assert_int_equal(lease_list_all(&t->reg, getuid(), &l, &err), -1);
		iso_error_free(err);
		tl_assert_raw(t, bad_files[i]); /* left as it was */
	}
}

static void test_unchanged_lines_copied_through(void **state)
{
	struct tl *t = *state;
	struct lease_request r = tl_req(t, "wo-new");
	/* Written by hand with a leading zero: a re-format would show. */
	const char *orig = "isopod-leases\t1\t1\n18950\t127.0.0.1\thttp\t4242\thub\two-x\tready\tpod\t0\t0\t017\n";
	char *after;

	tl_write_raw(t, orig);
	tl_acquire(t, &r);
	after = tl_read_raw(t);
	assert_non_null(strstr(after, "\t4242\thub\two-x\tready\tpod\t0\t0\t017\n"));
	assert_true(strncmp(after, "isopod-leases\t1\t2\n", 18) == 0);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_work_order_same_ports, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_several_purposes, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_listener_in_range_is_skipped, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_port_is_not_taken, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_requested_port, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_unprivileged_port_refused, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_full_range_names_holders, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_ready_made_release, tl_setup, tl_teardown),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test_setup_teardown(test_corrupt_file_refused, tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_lines_copied_through, tl_setup, tl_teardown),
	};
	return cmocka_run_group_tests_name("lease", tests, NULL, NULL);
}
