/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The option parser (cli/cli.h): the table parses, and a wrong command line
 * is answered by "isopod CMD: <what the user typed is wrong>; see 'isopod
 * CMD --help'" with exit 2 (125 for exec, as podman exec).  The reported
 * cases run the real isopod binary; a usage error comes before any Podman
 * contact, and CONTAINER_HOST points at no socket, so a run that reached for
 * Podman would exit 5, not 2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "iso_run.h"

#define ISOPOD ISO_ISOPOD_BIN

static char state_dir[] = "/tmp/isopod-test-cli-XXXXXX";

/* Run isopod with ARGS (NULL-terminated) through the tests' runner, away from any Podman. */
static void run(const char *const *args, struct iso_run_result *r)
{
	const char *argv[32] = {ISOPOD};
	size_t n = 1;
	while (args[n - 1] && n < 31) {
		argv[n] = args[n - 1];
		n++;
	}
	argv[n] = NULL;
	char state[sizeof(state_dir) + 32];
	snprintf(state, sizeof(state), "ISOPOD_STATE_DIR=%s", state_dir);
	const char *env[] = {"CONTAINER_HOST=unix:///nonexistent", state, "ISOPOD_PROFILE", NULL};
	if (iso_run(argv, &(struct iso_run_opts){.env = env, .timeout_ms = 30000}, r) < 0)
		fail_msg("cannot run %s: %s", ISOPOD, strerror(errno));
}

/* A usage error of CMD: exit WANT, one line starting "isopod CMD: " with NEEDLE, ending in the --help pointer. */
static void expect_usage(const char *const *args, int want, const char *cmd, const char *needle)
{
	struct iso_run_result r;
	run(args, &r);
	const char *err = r.err;
	int rc = r.status;
	char prefix[64], tail[96];
	snprintf(prefix, sizeof(prefix), "isopod %s: ", cmd);
	snprintf(tail, sizeof(tail), "; see 'isopod %s --help'\n", cmd);
	size_t n = strlen(err), t = strlen(tail);
	if (rc != want || strncmp(err, prefix, strlen(prefix)) || !strstr(err, needle) || n < t ||
	    strcmp(err + n - t, tail) || strchr(err, '\n') != err + n - 1)
		fail_msg("isopod %s ...: exit %d (want %d), stderr '%s' (want '%s...%s...%s')", cmd, rc, want, err,
			 prefix, needle, tail);
	assert_string_equal(r.out, "");
	iso_run_result_release(&r);
}

static void test_short_option_in_a_cluster(void **state)
{
	/* getopt's argv[optind-1] would have named 'up' here. */
	const char *args[] = {"up", "-WO", NULL};
	expect_usage(args, 2, "up", "unknown option '-W'");
}

static void test_missing_value(void **state)
{
	const char *args[] = {"logs", "WO", "--tail", NULL};
	expect_usage(args, 2, "logs", "option '--tail' needs a value");
	const char *shorts[] = {"logs", "WO", "-n", NULL};
	expect_usage(shorts, 2, "logs", "option '-n' needs a value");
}

static void test_bad_port(void **state)
{
	const char *args[] = {"up", "WO", "--port", "abc", NULL};
	expect_usage(args, 2, "up", "--port 'abc' is not a port number");
	const char *zero[] = {"up", "WO", "-p0", NULL};
	expect_usage(zero, 2, "up", "--port '0' is not a port number");
}

static void test_bad_profile_name(void **state)
{
	const char *args[] = {"up", "WO", "--profile", "Hub", NULL};
	expect_usage(args, 2, "up", "profile name 'Hub' is not allowed");
	const char *status[] = {"status", "WO", "--profile=a-b", NULL};
	expect_usage(status, 2, "status", "profile name 'a-b' is not allowed");
}

static void test_exec_unknown_option(void **state)
{
	/* An option before the "--" is isopod's, not a container's name. */
	const char *args[] = {"exec", "WO", "-Z", "--", "ls", NULL};
	expect_usage(args, 125, "exec", "unknown option '-Z'");
	const char *role[] = {"exec", "WO", "nosuch", "--", "ls", NULL};
	expect_usage(role, 125, "exec", "unknown container 'nosuch'");
}

static void test_other_usage_errors(void **state)
{
	const char *nvalue[] = {"up", "WO", "--verify=yes", NULL};
	expect_usage(nvalue, 2, "up", "option '--verify' takes no value");
	const char *ambiguous[] = {"up", "WO", "--re", NULL};
	expect_usage(ambiguous, 2, "up", "option '--re' is ambiguous (--repo, --recreate)");
	const char *unknown_long[] = {"down", "WO", "--nosuch=1", NULL};
	expect_usage(unknown_long, 2, "down", "unknown option '--nosuch'");
	/* A bad bind address is bad input (2), said before Podman is looked for (5 before). */
	const char *bad_bind[] = {"up", "WO", "--bind", "nonsense", NULL};
	struct iso_run_result r;
	run(bad_bind, &r);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--bind 'nonsense' is not an IPv4 or IPv6 address"));
	iso_run_result_release(&r);
	const char *empty_name[] = {"ls", "--=yes", NULL}; /* no name is no option, not a prefix of all */
	expect_usage(empty_name, 2, "ls", "unknown option '--'");
	const char *extra[] = {"ls", "extra", NULL};
	expect_usage(extra, 2, "ls", "unexpected argument 'extra'");
	const char *none[] = {"verify", NULL};
	expect_usage(none, 2, "verify", "a work-order id is required");
	const char *version[] = {"version", "-x", NULL};
	expect_usage(version, 2, "version", "unknown option '-x'");
	const char *timeout[] = {"up", "WO", "--timeout", "0", NULL};
	expect_usage(timeout, 2, "up", "--timeout '0' is not a number of seconds");
}

/* Every command's --help lists the options of its table and -h, on stdout, exit 0. */
static void test_help_from_the_table(void **state)
{
	struct iso_run_result r;
	const struct {
		const char *cmd, *line;
	} cases[] = {
		{"up", "  -p, --port N "},     {"up", "      --show-secrets "},     {"logs", "  -n, --tail N "},
		{"exec", "  -t, --tty "},      {"down", "      --cleanup "},        {"status", "      --profile NAME "},
		{"ports", "      --rebuild "}, {"version", "  -n, --no-start "},    {"gc", "  -h, --help "},
		{"doctor", "  -h, --help "},   {"verify", "      --profile NAME "}, {"ls", "      --json "},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[] = {cases[i].cmd, "--help", NULL};
		run(args, &r);
		if (r.status != 0 || !strstr(r.out, cases[i].line) || r.err[0])
			fail_msg("isopod %s --help: exit %d, no line '%s' in '%s' (stderr '%s')", cases[i].cmd,
				 r.status, cases[i].line, r.out, r.err);
		iso_run_result_release(&r);
	}
	/* --help wins over a wrong option, as it did. */
	const char *args[] = {"up", "-W", "--help", NULL};
	run(args, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: isopod up WO-ID"));
	iso_run_result_release(&r);
}

/* ---- the parser called directly ---- */

struct parsed {
	int flag, tty, port;
	const char *str, *profile;
};

static const struct cli_help no_help = {"usage: test\n\n", NULL};

static int parse(struct parsed *p, unsigned flags, char **argv)
{
	const struct cli_option opts[] = {
		CLI_OPT_BOOL('i', "interactive", &p->flag, "a flag"),
		CLI_OPT_BOOL('t', "tty", &p->tty, "another"),
		CLI_OPT_STRING('s', "string", &p->str, "S", "a string"),
		CLI_OPT_PORT('p', "port", &p->port, "a port"),
		CLI_OPT_PROFILE(&p->profile, "a profile"),
		CLI_OPT_END(),
	};
	int argc = 0;
	while (argv[argc])
		argc++;
	struct iso_globals g = {0};
	int rc = -1;
	/* What the parser prints is the binary tests' business: keep the test's output clean. */
	fflush(stdout);
	fflush(stderr);
	int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	dup2(null, 2);
	int n = cli_parse(argc, argv, opts, &no_help, flags, &g, &rc);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out), close(err), close(null);
	if (n < 0)
		return -100 - rc;
	return n;
}

static void test_parse_forms(void **state)
{
	struct parsed p = {0};
	char *argv[] = {"cmd", "A", "-it", "--string=x", "B", "-p8080", "--prof", "hub", "--", "-s", NULL};
	assert_int_equal(parse(&p, 0, argv), 3);
	assert_string_equal(argv[1], "A");
	assert_string_equal(argv[2], "B");
	assert_string_equal(argv[3], "-s"); /* after "--": an argument */
	assert_null(argv[4]);
	assert_int_equal(p.flag, 1);
	assert_int_equal(p.tty, 1);
	assert_string_equal(p.str, "x");
	assert_int_equal(p.port, 8080);
	assert_string_equal(p.profile, "hub");

	struct parsed q = {0};
	char *next[] = {"cmd", "-s", "v", "--port", "1", "-", "W", "--", "ls", "-l", NULL};
	assert_int_equal(parse(&q, CLI_KEEP_DASHDASH, next), 5);
	assert_string_equal(q.str, "v");
	assert_int_equal(q.port, 1);
	assert_string_equal(next[1], "-");
	assert_string_equal(next[2], "W");
	assert_string_equal(next[3], "--");
	assert_string_equal(next[4], "ls");
	assert_string_equal(next[5], "-l");
}

static void test_parse_errors(void **state)
{
	struct parsed p = {0};
	char *unknown[] = {"cmd", "-iZ", NULL};
	assert_int_equal(parse(&p, 0, unknown), -102);
	char *value[] = {"cmd", "--string", NULL};
	assert_int_equal(parse(&p, 0, value), -102);
	char *port[] = {"cmd", "-p", "65536", NULL};
	assert_int_equal(parse(&p, 0, port), -102);
	char *profile[] = {"cmd", "--profile", "", NULL};
	assert_int_equal(parse(&p, 0, profile), -102);
	char *help[] = {"cmd", "x", "-h", NULL};
	assert_int_equal(parse(&p, 0, help), -100); /* the help, exit 0 */
	assert_int_equal(p.port, 0);                /* nothing stored from a failed value */
}

static int setup(void **state)
{
	return mkdtemp(state_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return iso_rmtree(state_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_option_in_a_cluster),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_bad_port),
		cmocka_unit_test(test_bad_profile_name),
		cmocka_unit_test(test_exec_unknown_option),
		cmocka_unit_test(test_other_usage_errors),
		cmocka_unit_test(test_help_from_the_table),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
