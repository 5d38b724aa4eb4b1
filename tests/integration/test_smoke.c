/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The foundation's smoke test, against real rootless Podman through the
 * libpod REST API: a pod with both local images starts; Postgres, initialised
 * as isopod will initialise it (--auth-host=scram-sha-256), accepts the right
 * password over TCP on 127.0.0.1 inside the pod and refuses a wrong one; the
 * Odoo stand-in, initialised, answers /web/login 200 through a 127.0.0.1 host
 * port of the tests' own range. Everything it made is removed afterwards,
 * also when it fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podman_test.h"

#define DB_PASSWORD "smoke-Secret-1"

static void api_ok(const char *method, const char *path, const char *body, long want)
{
	char *resp = NULL;
	long st = 0;

	assert_int_equal(ptest_request(method, path, body, &st, &resp), 0);
	if (st != want)
		fail_msg("%s %s: HTTP %ld (wanted %ld): %s", method, path, st, want, resp ? resp : "");
	free(resp);
}

/* psql from the Postgres image, run as a one-shot container in the pod. */
static int psql_exit(const char *pod, const char *name, const char *password, const char *db, char **logs)
{
	char spec[1024];
	int code = -1;

	snprintf(spec, sizeof spec,
		 "\"pod\":\"%s\",\"image\":\"%s\",\"env\":{\"PGPASSWORD\":\"%s\",\"PGCONNECT_TIMEOUT\":\"5\"},"
		 "\"command\":[\"psql\",\"-h\",\"127.0.0.1\",\"-U\",\"postgres\",\"-d\",\"%s\","
		 "\"-tAc\",\"SELECT 42\"]",
		 pod, ptest_db_image(), password, db);
	assert_int_equal(ptest_oneshot(name, spec, &code, logs), 0);
	return code;
}

static void test_pod_with_both_images(void **state)
{
	char id[64], db_vol[96], odoo_vol[96], name[128], path[256], dbname[96];
	char *labels_pod, *labels_db, *labels_odoo, *labels_vol, *body = NULL, *logs = NULL;
	int port, code = -1;
	long st = 0;

	ptest_require_podman();
	ptest_unique(id, sizeof id, "smoke");
	snprintf(db_vol, sizeof db_vol, "db-%s-data", id);
	snprintf(odoo_vol, sizeof odoo_vol, "odoo-%s-data", id);
	snprintf(dbname, sizeof dbname, "test_%s", id);
	port = ptest_port();
	assert_true(port > 0);
	labels_pod = ptest_labels_json(id, "pod");
	labels_db = ptest_labels_json(id, "db");
	labels_odoo = ptest_labels_json(id, "odoo");
	labels_vol = ptest_labels_json(id, "volume");

	/* registered before they exist, so a failure half-way still removes them */
	ptest_cleanup_add(PTEST_VOLUME, db_vol);
	ptest_cleanup_add(PTEST_VOLUME, odoo_vol);
	ptest_cleanup_add(PTEST_POD, id);

	if (asprintf(&body, "{\"Name\":\"%s\",\"Label\":%s}", db_vol, labels_vol) < 0)
		fail();
	api_ok("POST", "/v4.0.0/libpod/volumes/create", body, 201);
	free(body);
	if (asprintf(&body, "{\"Name\":\"%s\",\"Label\":%s}", odoo_vol, labels_vol) < 0)
		fail();
	api_ok("POST", "/v4.0.0/libpod/volumes/create", body, 201);
	free(body);

	if (asprintf(&body,
		     "{\"name\":\"%s\",\"labels\":%s,\"hostadd\":[\"db:127.0.0.1\"],"
		     "\"portmappings\":[{\"host_ip\":\"127.0.0.1\",\"host_port\":%d,"
		     "\"container_port\":8069,\"protocol\":\"tcp\"}]}",
		     id, labels_pod, port) < 0)
		fail();
	api_ok("POST", "/v4.0.0/libpod/pods/create", body, 201);
	free(body);

	snprintf(name, sizeof name, "db_%s", id);
	ptest_cleanup_add(PTEST_CONTAINER, name);
	if (asprintf(&body,
		     "{\"name\":\"%s\",\"pod\":\"%s\",\"image\":\"%s\",\"labels\":%s,"
		     "\"env\":{\"POSTGRES_PASSWORD\":\"%s\",\"POSTGRES_DB\":\"%s\","
		     "\"POSTGRES_INITDB_ARGS\":\"--auth-host=scram-sha-256\"},"
		     "\"volumes\":[{\"Name\":\"%s\",\"Dest\":\"/var/lib/postgresql/data\"}]}",
		     name, id, ptest_db_image(), labels_db, DB_PASSWORD, dbname, db_vol) < 0)
		fail();
	api_ok("POST", "/v4.0.0/libpod/containers/create", body, 201);
	free(body);
	snprintf(path, sizeof path, "/v4.0.0/libpod/containers/%s/start", name);
	api_ok("POST", path, NULL, 204);

	/* Ready = answering on TCP, which the entrypoint allows only after init. */
	{
		char spec[1024];

		snprintf(spec, sizeof spec,
			 "\"pod\":\"%s\",\"image\":\"%s\",\"command\":[\"sh\",\"-c\","
			 "\"i=0; until pg_isready -q -h 127.0.0.1; do i=$((i+1)); "
			 "[ $i -lt 300 ] || exit 1; sleep 0.1; done\"]",
			 id, ptest_db_image());
		snprintf(name, sizeof name, "ready_%s", id);
		assert_int_equal(ptest_oneshot(name, spec, &code, NULL), 0);
		assert_int_equal(code, 0);
	}

	snprintf(name, sizeof name, "psql_ok_%s", id);
	code = psql_exit(id, name, DB_PASSWORD, dbname, &logs);
	if (code != 0 || strstr(logs, "42") == NULL)
		fail_msg("psql with the right password: exit %d: %s", code, logs);
	free(logs);
	logs = NULL;

	snprintf(name, sizeof name, "psql_bad_%s", id);
	code = psql_exit(id, name, "not-the-password", dbname, &logs);
	if (code != 2 || strstr(logs, "password authentication failed") == NULL)
		fail_msg("psql with a wrong password: exit %d (wanted 2): %s", code, logs);
	free(logs);
	logs = NULL;

	/* Initialise the database as isopod will: a one-shot stand-in in the pod. */
	{
		char spec[1024];

		snprintf(spec, sizeof spec,
			 "\"pod\":\"%s\",\"image\":\"%s\",\"env\":{\"HOST\":\"127.0.0.1\",\"PORT\":\"5432\","
			 "\"USER\":\"postgres\",\"PASSWORD\":\"%s\"},"
			 "\"volumes\":[{\"Name\":\"%s\",\"Dest\":\"/var/lib/odoo\"}],"
			 "\"command\":[\"odoo\",\"-d\",\"%s\",\"-i\",\"base\",\"--without-demo=all\","
			 "\"--stop-after-init\"]",
			 id, ptest_odoo_image(), DB_PASSWORD, odoo_vol, dbname);
		snprintf(name, sizeof name, "init_%s", id);
		assert_int_equal(ptest_oneshot(name, spec, &code, &logs), 0);
		if (code != 0)
			fail_msg("odoo init exited %d: %s", code, logs);
		free(logs);
		logs = NULL;
	}

	snprintf(name, sizeof name, "odoo_%s", id);
	ptest_cleanup_add(PTEST_CONTAINER, name);
	if (asprintf(&body,
		     "{\"name\":\"%s\",\"pod\":\"%s\",\"image\":\"%s\",\"labels\":%s,"
		     "\"env\":{\"HOST\":\"127.0.0.1\",\"PORT\":\"5432\",\"USER\":\"postgres\","
		     "\"PASSWORD\":\"%s\"},\"command\":[\"odoo\",\"-d\",\"%s\",\"--db-filter\",\"^%s$\"],"
		     "\"volumes\":[{\"Name\":\"%s\",\"Dest\":\"/var/lib/odoo\"}]}",
		     name, id, ptest_odoo_image(), labels_odoo, DB_PASSWORD, dbname, dbname, odoo_vol) < 0)
		fail();
	api_ok("POST", "/v4.0.0/libpod/containers/create", body, 201);
	free(body);
	snprintf(path, sizeof path, "/v4.0.0/libpod/containers/%s/start", name);
	api_ok("POST", path, NULL, 204);

	if (ptest_wait_http(port, "/web/login", 200, 30000, &st) != 0)
		fail_msg("/web/login on 127.0.0.1:%d did not answer 200 within 30 s (last: %ld)", port, st);
	assert_int_equal(ptest_http_get(port, "/web/health", &st, &body), 0);
	assert_int_equal(st, 200);
	assert_non_null(strstr(body, "\"pass\""));
	free(body);

	free(labels_pod);
	free(labels_db);
	free(labels_odoo);
	free(labels_vol);
}

/* After the teardown nothing labelled with this process's id is left. */
static void test_cleanup_left_nothing(void **state)
{
	static const char *const kinds[] = {"pods", "containers", "volumes"};
	char id[64], path[512], *body = NULL;
	long st = 0;
	size_t i;

	ptest_require_podman();
	snprintf(id, sizeof id, "t-smoke-%ld", (long)getpid());
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		/* filters={"label":["io.isopod.key=test/<id>"]}, URL-encoded */
		snprintf(path, sizeof path,
			 "/v4.0.0/libpod/%s/json?all=true&filters="
			 "%%7B%%22label%%22%%3A%%5B%%22io.isopod.key%%3Dtest%%2F%s%%22%%5D%%7D",
			 kinds[i], id);
		assert_int_equal(ptest_request("GET", path, NULL, &st, &body), 0);
		assert_int_equal(st, 200);
		if (strstr(body, id) != NULL)
			fail_msg("%s still hold objects of %s: %s", kinds[i], id, body);
		free(body);
		body = NULL;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pod_with_both_images, ptest_teardown),
		cmocka_unit_test(test_cleanup_left_nothing),
	};
	return cmocka_run_group_tests_name("integration/smoke", tests, NULL, NULL);
}
