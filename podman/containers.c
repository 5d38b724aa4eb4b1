/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Containers: create from a typed spec, start, stop, remove (always
 * volumes=true: libpod ignores `v`, and without it each one-shot container
 * of an image with a VOLUME line leaks an anonymous volume), wait, inspect,
 * list by one label.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include "base/cleanup.h"
#include "internal.h"

static void spec_json(iso_jgen *g, const struct podman_container_spec *s)
{
	iso_jgen_map_open(g);
	iso_jgen_kv_string(g, "name", s->name);
	iso_jgen_kv_string(g, "image", s->image);
	if (s->pod)
		iso_jgen_kv_string(g, "pod", s->pod);
	if (s->n_env)
		podman_jgen_pairs(g, "env", s->env, s->n_env);
	if (s->n_secret_env)
		podman_jgen_pairs(g, "secret_env", s->secret_env, s->n_secret_env);
	podman_jgen_pairs(g, "labels", s->labels, s->n_labels);
	if (s->n_volumes) {
		iso_jgen_key(g, "volumes");
		iso_jgen_array_open(g);
		for (size_t i = 0; i < s->n_volumes; i++) {
			iso_jgen_map_open(g);
			iso_jgen_kv_string(g, "Name", s->volumes[i].name);
			iso_jgen_kv_string(g, "Dest", s->volumes[i].dest);
			if (s->volumes[i].read_only) {
				iso_jgen_key(g, "Options");
				iso_jgen_array_open(g);
				iso_jgen_string(g, "ro");
				iso_jgen_array_close(g);
			}
			iso_jgen_map_close(g);
		}
		iso_jgen_array_close(g);
	}
	if (s->n_mounts) {
		iso_jgen_key(g, "mounts");
		iso_jgen_array_open(g);
		for (size_t i = 0; i < s->n_mounts; i++) {
			const struct podman_bind_mount *m = &s->mounts[i];
			iso_jgen_map_open(g);
			iso_jgen_kv_string(g, "Type", "bind");
			iso_jgen_kv_string(g, "Source", m->source);
			iso_jgen_kv_string(g, "Destination", m->dest);
			iso_jgen_key(g, "Options");
			iso_jgen_array_open(g);
			iso_jgen_string(g, "rbind");
			iso_jgen_string(g, m->read_only ? "ro" : "rw");
			if (m->relabel == 'z' || m->relabel == 'Z')
				iso_jgen_string(g, m->relabel == 'z' ? "z" : "Z");
			iso_jgen_array_close(g);
			iso_jgen_map_close(g);
		}
		iso_jgen_array_close(g);
	}
	if (s->command)
		podman_jgen_strv(g, "command", s->command);
	if (s->entrypoint)
		podman_jgen_strv(g, "entrypoint", s->entrypoint);
	if (s->user)
		iso_jgen_kv_string(g, "user", s->user);
	if (s->workdir)
		iso_jgen_kv_string(g, "work_dir", s->workdir);
	if (s->stop_signal)
		iso_jgen_kv_string(g, "stop_signal", s->stop_signal);
	if (s->image_volume_mode)
		iso_jgen_kv_string(g, "image_volume_mode", s->image_volume_mode);
	if (s->stdin_open)
		iso_jgen_kv_bool(g, "stdin", 1);
	if (s->terminal)
		iso_jgen_kv_bool(g, "terminal", 1);
	if (s->n_rlimits) {
		iso_jgen_key(g, "r_limits");
		iso_jgen_array_open(g);
		for (size_t i = 0; i < s->n_rlimits; i++) {
			iso_jgen_map_open(g);
			iso_jgen_kv_string(g, "type", s->rlimits[i].type);
			iso_jgen_kv_int(g, "soft", (long long)s->rlimits[i].soft);
			iso_jgen_kv_int(g, "hard", (long long)s->rlimits[i].hard);
			iso_jgen_map_close(g);
		}
		iso_jgen_array_close(g);
	}
	iso_jgen_map_close(g);
}

int podman_container_create(struct podman_client *c, const struct podman_container_spec *s, char **id,
			    struct iso_error **err)
{
	cleanup_free char *what = xasprintf("create container '%s'", s->name);
	cleanup_jgen iso_jgen *g = iso_jgen_new(0);
	for (size_t i = 0; i < s->n_rlimits; i++)
		if (strncasecmp(s->rlimits[i].type, "RLIMIT_", 7) == 0) /* runc would make RLIMIT_RLIMIT_ of it */
			return iso_error_set(err, ISO_E_INTERNAL, EINVAL,
					     "%s: rlimit type '%s' must not start with RLIMIT_", what,
					     s->rlimits[i].type);
	spec_json(g, s);
	return podman_post_create(c, "/containers/create", g, what, id, err);
}

static int ctr_action(struct podman_client *c, const char *method, const char *name, const char *verb,
		      const char *suffix, struct iso_error **err)
{
	cleanup_free char *what = xasprintf("%s container '%s'", verb, name);
	cleanup_free char *esc = podman_escape(name);
	cleanup_free char *path = xasprintf("/containers/%s%s", esc, suffix);
	struct podman_response resp;
	int st = podman_call(c, method, path, NULL, 0, NULL, what, &resp, err);
	if (st < 0)
		return -1;
	if (strcmp(method, "DELETE") == 0 && st == 200) {
		/* [{"Id":..,"Err":..,"RawInput":..}]: an Err there is a failure */
		cleanup_json iso_json *root = podman_report_json(&resp);
		for (size_t i = 0; i < iso_json_len(root); i++) {
			const char *e = iso_json_get_string(iso_json_at(root, i), "Err");
			if (e && *e) {
				podman_response_release(&resp);
				return iso_error_set(err, ISO_E_REFUSED, 500, "%s: %s", what, e);
			}
		}
	}
	podman_response_release(&resp);
	return 0;
}

int podman_container_start(struct podman_client *c, const char *name, struct iso_error **err)
{
	return ctr_action(c, "POST", name, "start", "/start", err);
}

int podman_container_stop(struct podman_client *c, const char *name, int timeout_s, struct iso_error **err)
{
	char q[40] = "/stop";
	if (timeout_s >= 0)
		snprintf(q, sizeof q, "/stop?timeout=%d", timeout_s);
	return ctr_action(c, "POST", name, "stop", q, err);
}

int podman_container_remove(struct podman_client *c, const char *name, int force, struct iso_error **err)
{
	return ctr_action(c, "DELETE", name, "remove", force ? "?force=true&volumes=true" : "?volumes=true", err);
}

int podman_container_exists(struct podman_client *c, const char *name, struct iso_error **err)
{
	return podman_exists_named(c, "container", name, err);
}

int podman_container_wait(struct podman_client *c, const char *name, int *exit_code, struct iso_error **err)
{
	/* No overall timeout: waiting is the point; the abort flag still stops it. */
	return podman_container_wait_for(c, name, -1, exit_code, err);
}

int podman_container_wait_for(struct podman_client *c, const char *name, long timeout_ms, int *exit_code,
			      struct iso_error **err)
{
	cleanup_free char *what = xasprintf("wait for container '%s'", name);
	cleanup_free char *esc = podman_escape(name);
	cleanup_free char *path = xasprintf("/containers/%s/wait?condition=stopped&condition=exited", esc);
	struct podman_response resp;
	long v;
	if (podman_call_timeout(c, "POST", path, NULL, 0, NULL, timeout_ms > 0 ? timeout_ms : -1, what, &resp, err) < 0)
		return -1;
	cleanup_free char *txt = xstrndup(resp.body, resp.len);
	podman_response_release(&resp);
	txt[strcspn(txt, "\r\n ")] = 0;
	if (iso_parse_long(txt, -1, 255, &v) < 0)
		return podman_bad_answer(err, what, "the exit code is not a number in [-1, 255]");
	*exit_code = (int)v;
	return 0;
}

void podman_container_release(struct podman_container *k)
{
	free(k->id);
	free(k->name);
	free(k->image);
	free(k->state);
	free(k->pod_id);
	free(k->network_mode);
	free(k->started_at);
	free(k->finished_at);
	if (k->env) {
		for (char **e = k->env; *e; e++)
			free(*e);
		free(k->env);
	}
	podman_labels_release(&k->labels);
	memset(k, 0, sizeof *k);
}

void podman_container_list_free(struct podman_container *k, size_t n)
{
	for (size_t i = 0; k && i < n; i++)
		podman_container_release(&k[i]);
	free(k);
}

static int get_int(const iso_json *v, int *out)
{
	long long x;
	if (iso_json_int(v, &x) < 0 || x < -2147483647LL || x > 2147483647LL)
		return -1;
	*out = (int)x;
	return 0;
}

int podman_container_inspect(struct podman_client *c, const char *name, struct podman_container *out,
			     struct iso_error **err)
{
	cleanup_free char *what = NULL;
	cleanup_json iso_json *root = podman_inspect_named(c, "container", name, &what, err);
	if (!root)
		return -1;
	const iso_json *state = iso_json_get(root, "State");
	struct podman_container k = {0};
	if (!iso_json_get_string(root, "Id") || !iso_json_get_string(state, "Status") ||
	    iso_json_bool(iso_json_get(state, "Running"), &k.running) < 0 ||
	    get_int(iso_json_get(state, "ExitCode"), &k.exit_code) < 0 ||
	    get_int(iso_json_get(state, "Pid"), &k.pid) < 0)
		return podman_bad_answer(err, what, "no Id or State {Status, Running, ExitCode, Pid}");
	if (podman_labels_from_json(iso_json_path(root, "Config", "Labels", NULL), &k.labels) < 0)
		return podman_bad_answer(err, what, "Config.Labels is not an object");
	k.id = podman_json_strdup(root, "Id");
	k.name = podman_json_strdup(root, "Name");
	k.image = podman_json_strdup(root, "ImageName");
	k.state = podman_json_strdup(state, "Status");
	k.pod_id = podman_json_strdup(root, "Pod");
	k.network_mode = podman_json_strdup(iso_json_get(root, "HostConfig"), "NetworkMode");
	k.started_at = podman_json_strdup(state, "StartedAt");
	k.finished_at = podman_json_strdup(state, "FinishedAt");
	const iso_json *env = iso_json_path(root, "Config", "Env", NULL);
	size_t n_env = iso_json_len(env), j = 0;
	k.env = xzalloc((n_env + 1) * sizeof(char *));
	for (size_t i = 0; iso_json_is(env, ISO_JSON_ARRAY) && i < n_env; i++)
		if (iso_json_string(iso_json_at(env, i)))
			k.env[j++] = xstrdup(iso_json_string(iso_json_at(env, i)));
	*out = k;
	return 0;
}

/* One element of GET /containers/json (names and fields differ from inspect). */
static int container_from_list(const iso_json *o, void *item, const char *what, struct iso_error **err)
{
	struct podman_container *x = item;
	if (!iso_json_get_string(o, "Id") || !iso_json_get_string(o, "State") ||
	    podman_labels_from_json(iso_json_get(o, "Labels"), &x->labels) < 0)
		return podman_bad_answer(err, what, "a container without Id, State or with malformed Labels");
	x->id = podman_json_strdup(o, "Id");
	x->name = xstrdup(iso_json_string(iso_json_at(iso_json_get(o, "Names"), 0)) ?: iso_json_get_string(o, "Id"));
	x->image = podman_json_strdup(o, "Image");
	x->state = podman_json_strdup(o, "State");
	x->pod_id = podman_json_strdup(o, "Pod");
	x->running = strcmp(x->state, "running") == 0;
	get_int(iso_json_get(o, "ExitCode"), &x->exit_code);
	get_int(iso_json_get(o, "Pid"), &x->pid);
	return 0;
}

static void container_release(void *item)
{
	podman_container_release(item);
}

static const struct podman_list_shape container_list = {
	.path = "/containers/json?all=true&",
	.what = "list containers",
	.size = sizeof(struct podman_container),
	.labels_off = offsetof(struct podman_container, labels),
	.parse = container_from_list,
	.release = container_release,
};

int podman_container_list(struct podman_client *c, const struct podman_pair *label, struct podman_container **out,
			  size_t *n, struct iso_error **err)
{
	struct podman_container *v = podman_list_objects(c, &container_list, label, n, err);
	if (!v)
		return -1;
	*out = v;
	return 0;
}
