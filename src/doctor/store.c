/* SPDX-License-Identifier: Apache-2.0 */
/*
 * doctor/store.c - Podman's secret store, read off the disk: the `secrets`
 * check of `isopod doctor`, and the diagnosis `up` and `down` add when
 * Podman refuses a request because of it.
 *
 * Podman 4.3 (containers/common 0.50) keeps a user's secrets in two JSON
 * files under its graph root, secrets/secrets.json (names, ids, labels) and
 * secrets/filedriver/secretsdata.json (the data), and rewrites each in place
 * (truncate, then write).  A Podman killed between the two (measured here: a
 * SIGKILL of the service about 3.5 ms into a secret create left
 * secretsdata.json at 0 bytes) leaves a file that no longer parses, and from
 * then on every secret request of that user fails with Podman's "unexpected
 * end of JSON input", whoever made the secret.  isopod cannot prevent it
 * (the write is Podman's) and never edits Podman's files; it names the file
 * and what to do.  Only files owned by this user, on this machine, are read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/util.h"
#include "doctor/doctor.h"
#include "podman/client.h"

#define STORE_CAP (64u << 20) /* a secret is at most 512 KiB; thousands of them fit */

static const char *const store_files[] = {"secrets/secrets.json", "secrets/filedriver/secretsdata.json"};

int doctor_secret_store_damaged(const char *graph_root, char *path, size_t path_size, long long *size)
{
	for (size_t i = 0; i < sizeof(store_files) / sizeof(store_files[0]); i++) {
		struct stat st;
		snprintf(path, path_size, "%s/%s", graph_root, store_files[i]);
		if (stat(path, &st) < 0) {
			if (errno == ENOENT)
				continue; /* Podman makes it with the first secret */
			return -1;
		}
		*size = (long long)st.st_size;
		char *text = NULL;
		size_t len = 0;
		struct iso_error *e = NULL;
		if (iso_read_file(path, STORE_CAP, &text, &len, &e) < 0) {
			int bad = e->status;
			iso_error_free(e);
			errno = bad ? bad : EIO;
			return -1;
		}
		iso_json *root = iso_json_parse(text, len, 0, ISO_E_HOST, path, &e);
		free(text);
		int ok = iso_json_is(root, ISO_JSON_OBJECT);
		iso_json_free(root);
		iso_error_free(e);
		if (!ok)
			return 1;
	}
	path[0] = '\0';
	return 0;
}

char *doctor_secret_store_fix(const char *path)
{
	return xasprintf("mv %s %s.damaged  (Podman then starts that file afresh; the secrets it held are gone: "
			 "see docs/podman-secret-store.md)",
			 path, path);
}

/* Whether ROOT is this user's store on this machine (else it is not read). */
static int local_root(const char *root)
{
	struct stat st;
	return root && *root && stat(root, &st) == 0 && st.st_uid == geteuid();
}

/* The graph root of the local Podman behind C, or NULL (remote, or no answer). */
static char *local_graph_root(struct podman_client *c)
{
	struct podman_info info = {0};
	struct iso_error *e = NULL;
	if (podman_info(c, &info, &e) < 0) {
		iso_error_free(e);
		return NULL;
	}
	char *root = info.graph_root;
	info.graph_root = NULL;
	podman_info_release(&info);
	if (!local_root(root)) {
		free(root);
		root = NULL;
	}
	return root;
}

void doctor_check_secret_store(struct doctor_report *r, const char *graph_root)
{
	char path[4096];
	long long size = 0;
	if (!local_root(graph_root)) {
		doctor_add(r, "secrets", DOCTOR_SKIP,
			   xasprintf("not checked: Podman's store '%s' is not this user's on this machine",
				     graph_root ? graph_root : "(not named by podman info)"),
			   NULL);
		return;
	}
	int rc = doctor_secret_store_damaged(graph_root, path, sizeof(path), &size);
	if (rc == 0)
		doctor_add(r, "secrets", DOCTOR_PASS,
			   xasprintf("Podman's secret store under %s/secrets parses", graph_root), NULL);
	else if (rc < 0)
		doctor_add(r, "secrets", DOCTOR_FAIL, xasprintf("cannot read %s: %s", path, strerror(errno)),
			   xasprintf("ls -l %s", path));
	else
		doctor_add(r, "secrets", DOCTOR_FAIL,
			   xasprintf("Podman's secret store file %s is damaged (%lld bytes, not a JSON object): no "
				     "secret of this user can be made, read or removed until it is moved aside",
				     path, size),
			   doctor_secret_store_fix(path));
}

int doctor_explain_refusal(struct podman_client *c, struct iso_error **err)
{
	if (!c || !err || !*err || (*err)->class != ISO_E_REFUSED)
		return 0;
	/* Only what a cut store makes Podman say: Go's JSON errors, or a secret request refused. */
	const char *m = (*err)->msg;
	if (!strstr(m, "JSON input") && !strstr(m, "invalid character") && !strstr(m, "secret"))
		return 0;
	char *root = local_graph_root(c);
	char path[4096];
	long long size = 0;
	int rc = root ? doctor_secret_store_damaged(root, path, sizeof(path), &size) : 0;
	free(root);
	if (rc != 1)
		return 0;
	char *fix = doctor_secret_store_fix(path);
	char *was = (*err)->msg;
	(*err)->msg = xasprintf("%s; the cause is Podman's secret store file %s, damaged (%lld bytes, not a JSON "
				"object: Podman 4.3 rewrites it in place, and a Podman killed while writing leaves it "
				"cut); no secret of this user can be made, read or removed until it is moved aside: %s",
				was, path, size, fix);
	(*err)->class = ISO_E_HOST;
	free(was);
	free(fix);
	return 1;
}
