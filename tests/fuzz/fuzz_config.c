/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the configuration loader (include/workorder/config.h) over its
 * three file layers, JSON with comments.  An input is
 *
 *     CONTROL HOST-FILE \0 USER-FILE \0 REPOSITORY-FILE
 *
 * CONTROL is one byte: bit 0, 1, 2 say whether the host, user and repository
 * files exist (the texts are taken in that order from what follows; a layer
 * short of text gets an empty file); bits 3-4 pick --profile (none, hub,
 * evv, dev); bit 5 gives --bind ::1; bit 6 sets ISOPOD_PORTS=20000-20099;
 * bit 7 gives --port-range 20010-20020.  The files are written to a private
 * directory under /dev/shm and found the way isopod finds them
 * (ISOPOD_HOST_CONFIG, XDG_CONFIG_HOME, --repo).
 * Beyond "no crash, no leak" it checks what config.h promises: a refused
 * configuration is ISO_E_USAGE with a message; an accepted one is whole (a
 * valid profile name, ranges inside 1-65535 and a profile's inside the
 * global one, an IP host address, images, "KEY=value" environment, http
 * leased), and the host-only keys never come from the repository.
 * Seeds: tests/fuzz/corpus/fuzz_config/ (run-fuzz.sh passes them).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "workorder/config.h"

#define LAYERS 3

static char dir[64];
static char paths[LAYERS][128];
static char repo_dir[96];

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: broken promise: %s\n", what);
		abort();
	}
}

static void cleanup(void)
{
	char p[128];
	const char *const dirs[] = {"xdg/isopod", "xdg", "repo", ""};

	for (int i = 0; i < LAYERS; i++)
		unlink(paths[i]);
	for (size_t i = 0; i < ISO_ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, dirs[i]);
		rmdir(p);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *const clear[] = {"ISOPOD_PROFILE",   "ISOPOD_PORTS",      "ISOPOD_REGISTRY_DIR",
				     "ISOPOD_STATE_DIR", "ISOPOD_ODOO_IMAGE", "ISOPOD_DB_IMAGE"};
	char p[128];

	snprintf(dir, sizeof(dir), "/dev/shm/isopod-fuzz-config-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("fuzz_config: mkdtemp in /dev/shm");
		exit(1);
	}
	atexit(cleanup);
	snprintf(paths[0], sizeof(paths[0]), "%s/host.json", dir);
	snprintf(paths[1], sizeof(paths[1]), "%s/xdg/isopod/config.json", dir);
	snprintf(paths[2], sizeof(paths[2]), "%s/repo/isopod.json", dir);
	snprintf(repo_dir, sizeof(repo_dir), "%s/repo", dir);
	snprintf(p, sizeof(p), "%s/xdg/isopod", dir);
	check(iso_mkdir_p(p, 0700, NULL) == 0 && iso_mkdir_p(repo_dir, 0700, NULL) == 0, "scratch directories");
	for (size_t i = 0; i < ISO_ARRAY_SIZE(clear); i++)
		unsetenv(clear[i]);
	setenv("HOME", dir, 1);
	setenv("ISOPOD_HOST_CONFIG", paths[0], 1);
	snprintf(p, sizeof(p), "%s/xdg", dir);
	setenv("XDG_CONFIG_HOME", p, 1);
	snprintf(p, sizeof(p), "%s/state", dir);
	setenv("XDG_STATE_HOME", p, 1);
	return 0;
}

/* Write the layers CONTROL says exist from TEXT (NUL-separated), remove the others. */
static void put_layers(unsigned control, const uint8_t *text, size_t len)
{
	for (int i = 0; i < LAYERS; i++) {
		const uint8_t *nul = len ? memchr(text, '\0', len) : NULL;
		size_t n = nul ? (size_t)(nul - text) : len;
		if (!(control & (1u << i))) {
			unlink(paths[i]);
			continue;
		}
		FILE *f = fopen(paths[i], "w");
		check(f && fwrite(text, 1, n, f) == n && fclose(f) == 0, "scratch file written");
		text += n + (nul ? 1 : 0);
		len -= n + (nul ? 1 : 0);
	}
}

static int is_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* An accepted configuration is whole. */
static void check_config(const struct iso_config *c, unsigned control)
{
	const struct iso_profile *p = &c->profile;
	char hash[17];
	int ports[ISO_PORT_PURPOSES] = {8090, 8091, 8092};

	check(wo_profile_name_valid(p->name), "the profile name is valid");
	check(c->port_low >= 1 && c->port_low <= c->port_high && c->port_high <= 65535, "the global range is sane");
	check(p->port_low >= 1 && p->port_low <= p->port_high && p->port_high <= 65535, "the profile range is sane");
	if (!(control & 0xc0))
		check(p->port_low >= c->port_low && p->port_high <= c->port_high,
		      "a profile range lies inside the global one");
	check(p->host_address && is_ip(p->host_address), "the host address is an IP address");
	check(p->odoo_image && p->odoo_image[0] && p->db_image && p->db_image[0], "both images are named");
	check((p->ports & (1u << ISO_PORT_HTTP)) && !(p->ports >> ISO_PORT_PURPOSES), "http is leased");
	check(p->env != NULL, "the environment is a list");
	for (size_t i = 0; p->env[i]; i++) {
		const char *eq = strchr(p->env[i], '=');
		check(eq && eq > p->env[i], "an environment entry is KEY=value");
		for (size_t j = 0; j < i; j++)
			check(strncmp(p->env[j], p->env[i], (size_t)(eq - p->env[i]) + 1) != 0,
			      "an environment key is set once");
	}
	check(c->state_dir && c->state_dir[0] == '/' && c->registry_dir && c->registry_dir[0] == '/',
	      "the directories are absolute");
	check(c->registry_source != ISO_SRC_REPO && c->port_source != ISO_SRC_REPO,
	      "host-only keys never come from the repository");
	check(c->repo_dir != NULL, "the repository given is used");
	wo_config_hash(c, ports, hash);
	check(strlen(hash) == 16, "the hash has 16 characters");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const profiles[] = {NULL, "hub", "evv", "dev"};
	struct iso_config cfg;
	struct iso_config_flags flags = {0};
	struct iso_error *err = NULL;
	unsigned control;

	if (size < 1)
		return 0;
	control = data[0];
	put_layers(control, data + 1, size - 1);
	flags.repo = repo_dir;
	flags.profile = profiles[(control >> 3) & 3];
	flags.bind = control & 0x20 ? "::1" : NULL;
	if (control & 0x40)
		setenv("ISOPOD_PORTS", "20000-20099", 1);
	else
		unsetenv("ISOPOD_PORTS");
	if (control & 0x80) {
		flags.port_low = 20010;
		flags.port_high = 20020;
	}
	if (wo_config_load(&cfg, &flags, &err) == 0) {
		check(err == NULL, "no error on success");
		check_config(&cfg, control);
		wo_config_release(&cfg);
	} else {
		check(err && err->msg && err->msg[0], "a refused configuration has a message");
		if (err->class != ISO_E_USAGE)
			fprintf(stderr, "fuzz_config: class %d: %s\n", err->class, err->msg);
		check(err->class == ISO_E_USAGE, "a refused configuration is ISO_E_USAGE");
	}
	iso_error_free(err);
	return 0;
}
