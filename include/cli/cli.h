/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cli.h - what every command shares: the global options, the option
 * parser, and the one place errors are printed (src/cli.c).
 *
 * main() strips the global options (--json, --verbose/-v, --quiet/-q) from
 * anywhere before a "--" and hands them to the command in struct
 * iso_globals.  A command reports an error by returning cli_fail(), which
 * prints it (as JSON with --json) and turns its class into the exit code;
 * a usage error goes through cli_usage(), which prints "isopod CMD: ...;
 * see 'isopod CMD --help'" (exit 2).
 *
 * The option parser works as git's parse-options.h: a command declares a
 * table of struct cli_option, and that table is at once the parser and the
 * option lines of the command's --help.
 *
 *   int port = 0, verify = 0;
 *   const char *profile = NULL;
 *   const struct cli_option opts[] = {
 *           CLI_OPT_PORT('p', "port", &port, "the host port"),
 *           CLI_OPT_PROFILE(&profile, "the profile"),
 *           CLI_OPT_BOOL(0, "verify", &verify, "run 'isopod verify' once ready"),
 *           CLI_OPT_END(),
 *   };
 *   static const struct cli_help help = {"usage: isopod up WO-ID ...\n\n...", "Exit codes: ...\n"};
 *   int rc, n = cli_parse(argc, argv, opts, &help, 0, g, &rc);
 *   if (n < 0)
 *           return rc;                    // --help printed (0), or a usage error printed (2)
 *   // argv[1] .. argv[n] are the positional arguments, in order
 *
 * Options may stand before, between and after the positional arguments,
 * until a "--" (dropped, or kept as a positional with CLI_KEEP_DASHDASH;
 * everything after it is positional).  "--name value", "--name=value", a
 * unique prefix of a long name, "-x value", "-xvalue" and clusters "-it"
 * are understood; -h and --help always print the help.  Errors name the
 * option as the user typed it: unknown option '-W', option '--tail' needs a
 * value, option '--verify' takes no value, option '--re' is ambiguous; a
 * callback's error (a bad port, a bad profile name) is printed the same way.
 */
#ifndef ISOPOD_CLI_H
#define ISOPOD_CLI_H

#include <stdio.h>

#include "base/error.h"
#include "base/json.h"
#include "progress/progress.h"

struct iso_globals {
	int json;
	int verbose;
	int quiet;
	enum progress_request progress; /* --progress=MODE */
};

/* Finish the JSON document J and print it on stdout with a newline: 0, or
 * -1 with *ERR (an internal error) when the generator was misused. */
int cli_print_json(iso_jgen *j, struct iso_error **err);

/* Report ERR (freeing it) and return its exit code. */
int cli_fail(const struct iso_globals *g, struct iso_error *err);
/* A usage error of command CMD: "isopod CMD: ...; see 'isopod CMD --help'"; returns 2. */
int cli_usage(const struct iso_globals *g, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

enum cli_type {
	CLI_END = 0,
	CLI_BOOL,     /* no value: sets *(int *)value to 1 */
	CLI_STRING,   /* a value: *(const char **)value points into argv */
	CLI_CALLBACK, /* a value: cb(opt, arg, err) checks and stores it; -1 with a usage error */
};

struct cli_option;
typedef int (*cli_cb)(const struct cli_option *opt, const char *arg, struct iso_error **err);

struct cli_option {
	enum cli_type type;
	int short_name;        /* 0: none */
	const char *long_name; /* NULL: none */
	void *value;
	const char *argh; /* the value's name in --help ("N", "NAME"); NULL for CLI_BOOL */
	const char *help; /* its --help text; "\n" starts a continuation line */
	cli_cb cb;
};

#define CLI_OPT_BOOL(s, l, v, h)                                                                                       \
	{                                                                                                              \
		CLI_BOOL, (s), (l), (v), NULL, (h), NULL                                                               \
	}
#define CLI_OPT_STRING(s, l, v, a, h)                                                                                  \
	{                                                                                                              \
		CLI_STRING, (s), (l), (v), (a), (h), NULL                                                              \
	}
#define CLI_OPT_CALLBACK(s, l, v, a, h, f)                                                                             \
	{                                                                                                              \
		CLI_CALLBACK, (s), (l), (v), (a), (h), (f)                                                             \
	}
/* A port number 1..65535 into an int. */
#define CLI_OPT_PORT(s, l, v, h) CLI_OPT_CALLBACK(s, l, v, "N", h, cli_opt_port)
/* --profile NAME into a const char *, its name checked as wo_profile_name_check does. */
#define CLI_OPT_PROFILE(v, h) CLI_OPT_CALLBACK(0, "profile", v, "NAME", h, cli_opt_profile)
#define CLI_OPT_END()                                                                                                  \
	{                                                                                                              \
		CLI_END, 0, NULL, NULL, NULL, NULL, NULL                                                               \
	}

int cli_opt_port(const struct cli_option *opt, const char *arg, struct iso_error **err);
int cli_opt_profile(const struct cli_option *opt, const char *arg, struct iso_error **err);

/* The texts of a command's --help around the option lines the table makes. */
struct cli_help {
	const char *head; /* the usage line(s) and what the command does, ending in a blank line */
	const char *tail; /* after the options (examples, exit codes); NULL: none */
};

enum {
	CLI_KEEP_DASHDASH = 1, /* keep the "--" among the positionals (exec finds its command after it) */
	CLI_NO_ARGS = 2,       /* the command takes none: a positional is "unexpected argument 'X'" */
};

/*
 * Parse ARGV (argv[0] the command's name) by the table OPTS.  Returns the
 * number of positional arguments, moved to argv[1] ..; or -1 with *RC the
 * exit code: 0 after printing the help on stdout, 2 after a usage error.
 */
int cli_parse(int argc, char **argv, const struct cli_option *opts, const struct cli_help *help, unsigned flags,
	      const struct iso_globals *g, int *rc);
/* Print the help of a command: HELP's head, the option lines of OPTS and -h, HELP's tail. */
void cli_help_print(FILE *out, const struct cli_option *opts, const struct cli_help *help);

/* Parse a port number argument ("--port N") into 1..65535. */
int cli_parse_port(const char *s, const char *what, int *out, struct iso_error **err);

/*
 * Catch the signals listed (0-terminated): each sets wo_interrupted
 * (workorder/workorder.h), which aborts the Podman request in flight.
 */
void cli_catch_signals(int sig, ...);

/*
 * The end of a run a caught signal SIG cut short: "isopod: MSG" on stderr
 * (and with --json the error document, class "interrupted"); returns the
 * shell's 128+SIG.
 */
int cli_interrupted(const struct iso_globals *g, int sig, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
