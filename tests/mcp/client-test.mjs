// SPDX-License-Identifier: Apache-2.0
// isopod's MCP server driven by an independent client, the official
// TypeScript SDK (@modelcontextprotocol/sdk, pinned by package-lock.json).
//
//   node tests/mcp/client-test.mjs CASE...     (tests/integration/test_mcp.c runs it)
//
// CASE: protocol schemas lifecycle cancel sigterm testtool overlap samewo cache.  Environment:
// ISOPOD_BIN the isopod under test; MCP_WO_PREFIX the work orders' prefix
// (each case adds its own tag); the rest (ISOPOD_STATE_DIR, ISOPOD_PORTS,
// the images, XDG_CONFIG_HOME with slow stand-in modules) passes through to
// the server; MCP_TEST_REPO a repository whose addons are tests/addons (testtool).  Exit 0 when every case passed; one line per failure.
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmptyResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import {
	callWithProgress,
	check,
	checkProgress,
	closeAndWait,
	connect,
	fail,
	listed,
	LONG,
	ok,
	raw,
	refused,
	say,
	wo,
} from './lib.mjs';

const READONLY = ['ls', 'status', 'logs', 'verify', 'ports', 'doctor', 'version', 'template_ls', 'snapshots'];
const DESTRUCTIVE = ['down', 'restore', 'reset', 'template_rm', 'snapshot_rm'];
const IDEMPOTENT = ['up', 'down'];

async function rejects(promise, code, what) {
	try {
		await promise;
	} catch (e) {
		check(e instanceof McpError, `${what}: not an McpError: ${e}`);
		check(e.code === code, `${what}: error code ${e.code}, not ${code}: ${e.message}`);
		return e;
	}
	fail(`${what}: no error`);
}

// Malformed lines, unknown methods and tools, wrong argument types: the right
// errors, and the next call still works.
async function caseProtocol() {
	const r = await raw(
		[
			'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}',
			'{this is not json',
			'{"jsonrpc":"2.0","id":2,"method":"no/such/method"}',
			'{"jsonrpc":"2.0","id":3,"method":"ping"}',
		],
		4
	);
	check(r.code === 0, `raw: the server exited ${r.code} at the end of stdin`);
	const [init, parse, unknown, ping] = r.got;
	check(init.id === 1 && init.result?.protocolVersion === '2025-11-25', `raw initialize: ${JSON.stringify(init)}`);
	check(parse.id === null && parse.error?.code === -32700, `malformed line: ${JSON.stringify(parse)}`);
	check(unknown.id === 2 && unknown.error?.code === -32601, `unknown method: ${JSON.stringify(unknown)}`);
	check(ping.id === 3 && ping.result && !ping.error, `ping after the errors: ${JSON.stringify(ping)}`);
	say('raw: -32700 for a malformed line, -32601 for an unknown method, then ping answered');

	const s = await connect();
	const c = s.client;
	await rejects(c.request({ method: 'no/such/method', params: {} }, EmptyResultSchema), ErrorCode.MethodNotFound, 'unknown method');
	await rejects(c.callTool({ name: 'no_such_tool', arguments: {} }), ErrorCode.InvalidParams, 'unknown tool');
	const bad = [
		['logs', { work_order: wo('p'), tail: 'ten' }, /must be an integer/],
		['up', { work_order: 7 }, /must be a string/],
		['exec', { work_order: wo('p'), argv: 'ls -l' }, /must be an array of strings/],
		['status', { work_order: wo('p'), colour: true }, /has no argument 'colour'/],
		['status', {}, /needs the argument 'work_order'/],
	];
	for (const [name, args, re] of bad) {
		const e = refused(name, await c.callTool({ name, arguments: args }));
		check(e.class === 'usage' && re.test(e.message), `${name} ${JSON.stringify(args)}: ${e.message}`);
	}
	say(`wrong arguments: ${bad.length} usage errors as isError results`);
	ok('version', await c.callTool({ name: 'version', arguments: {} }));
	await c.ping();
	const st = await closeAndWait(s, 10000);
	check(st.code === 0, `the server exited ${st.code} (${st.sig}) at the end of stdin`);
}

// Every tool's schemas and annotations; each work-order-free tool called (the SDK
// validates its structuredContent against its outputSchema).
async function caseSchemas() {
	const s = await connect();
	for (const t of s.tools) {
		check(t.outputSchema?.type === 'object', `${t.name}: outputSchema is not of type object`);
		check(t.inputSchema?.type === 'object' && t.inputSchema.additionalProperties === false, `${t.name}: inputSchema`);
		const a = t.annotations || {};
		check(a.readOnlyHint === READONLY.includes(t.name), `${t.name}: readOnlyHint ${a.readOnlyHint}`);
		check(a.destructiveHint === DESTRUCTIVE.includes(t.name), `${t.name}: destructiveHint`);
		check(a.idempotentHint === IDEMPOTENT.includes(t.name), `${t.name}: idempotentHint ${a.idempotentHint}`);
		if ('work_order' in (t.inputSchema.properties || {}))
			check(t.inputSchema.properties.work_order.type === 'string', `${t.name}: work_order is not a string`);
	}
	for (const need of ['up', 'down', 'ls', 'status', 'logs', 'exec', 'verify', 'ports', 'doctor', 'version'])
		check(s.tools.some((t) => t.name === need), `no tool '${need}'`);
	say(`${s.tools.length} tools: ${s.tools.map((t) => t.name).join(' ')}`);
	for (const name of ['ls', 'ports', 'version', 'doctor', 'template_ls', 'snapshots']) {
		if (!s.tools.some((t) => t.name === name)) continue;
		const r = await s.client.callTool({ name, arguments: {} });
		// doctor's verdict 10 (a check failed) still carries its report
		if (name === 'doctor' && r.isError) check(r.structuredContent, 'doctor: isError without its report');
		else ok(name, r);
	}
	say('ls ports version doctor template_ls snapshots: structuredContent valid per outputSchema');
	await closeAndWait(s, 10000);
}

// up -> ls -> status -> logs -> exec -> verify -> down without confirm (refused) -> down.
async function caseLifecycle() {
	const w = wo('life');
	const s = await connect();
	const c = s.client;
	const up = await callWithProgress(c, 'up', { work_order: w });
	const doc = ok('up', up.result);
	check(doc.work_order === w && doc.state === 'running', `up: ${JSON.stringify(doc)}`);
	checkProgress('up', up);
	check(up.seen.some((p) => p.message.startsWith('init: ')), 'up: no progress of the init step');
	check((await listed(c)).includes(w), `ls does not list ${w}`);
	const st = ok('status', await c.callTool({ name: 'status', arguments: { work_order: w } }));
	check(st.state === 'running', `status: ${st.state}`);
	ok('logs', await c.callTool({ name: 'logs', arguments: { work_order: w, tail: 5 } }));
	const ex = ok('exec', await c.callTool({ name: 'exec', arguments: { work_order: w, argv: ['echo', 'hi there'] } }));
	check(ex.exit_code === 0 && ex.stdout === 'hi there\n', `exec: ${JSON.stringify(ex)}`);
	if (s.tools.some((t) => t.name === 'odoo')) {
		// the stand-in's odoo-bin: whatever it answers, the document is {exit_code, stdout, stderr, truncated}
		const od = ok('odoo', await c.callTool({ name: 'odoo', arguments: { work_order: w, args: ['--version'] } }, undefined, LONG));
		check(Number.isInteger(od.exit_code) && typeof od.truncated === 'boolean', `odoo: ${JSON.stringify(od)}`);
		say(`odoo: exit_code ${od.exit_code}`);
	}
	// progress, then the response, then nothing more for that token (seen raw, 1.5 s after it)
	const rv = await raw(
		[
			'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}',
			`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"verify","arguments":{"work_order":"${w}"},"_meta":{"progressToken":"tok"}}}`,
		],
		2,
		1500
	);
	const at = rv.got.findIndex((m) => m.id === 2);
	check(at > 0 && rv.got[at].result?.structuredContent, `raw verify: ${JSON.stringify(rv.got[at])}`);
	const late = rv.got.slice(at + 1).filter((m) => m.method === 'notifications/progress');
	check(late.length === 0, `progress after the response: ${JSON.stringify(late)}`);
	say(`raw verify: ${rv.got.filter((m) => m.method === 'notifications/progress').length} progress before the response, none after`);
	const v = await c.callTool({ name: 'verify', arguments: { work_order: w } }, undefined, LONG);
	check(v.structuredContent, `verify: no report: ${v.content?.[0]?.text}`);
	say(`verify: ${v.isError ? 'failed' : 'passed'} (report validated)`);
	const no = refused('down without confirm', await c.callTool({ name: 'down', arguments: { work_order: w, cleanup: true } }));
	check(/confirm/.test(no.message), `down without confirm: ${no.message}`);
	const still = ok('status', await c.callTool({ name: 'status', arguments: { work_order: w } }));
	check(still.state === 'running', `after a refused down: ${still.state}`);
	say('down cleanup without confirm refused; the work order still running');
	const down = await callWithProgress(c, 'down', { work_order: w, cleanup: true, confirm: true });
	ok('down', down.result);
	check(!(await listed(c)).includes(w), `ls still lists ${w} after down --cleanup`);
	await closeAndWait(s);
}

// An up cancelled once its init runs: no response, and nothing left (the server's
// exit waits for the cancelled call's clean-up; test_mcp.c then asks Podman).
async function caseCancel() {
	const w = wo('cancel');
	const s = await connect();
	const ac = new AbortController();
	let at = null;
	const call = s.client.callTool({ name: 'up', arguments: { work_order: w } }, undefined, {
		...LONG,
		signal: ac.signal,
		onprogress: (p) => {
			if (!at && (p.message || '').startsWith('init: ')) {
				at = p.message;
				ac.abort('the test cancels it');
			}
		},
	});
	try {
		await call;
		fail('the cancelled up returned a result');
	} catch (e) {
		check(ac.signal.aborted, `up failed before it was cancelled: ${e}`);
	}
	say(`cancelled at "${at}"`);
	// the clean-up runs in the call's child: ls drops the work order once it is done
	const t0 = Date.now();
	while ((await listed(s.client)).includes(w)) {
		check(Date.now() - t0 < 60000, `${w} still listed 60 s after the cancel`);
		await new Promise((r) => setTimeout(r, 250));
	}
	const st = await s.client.callTool({ name: 'status', arguments: { work_order: w } });
	check(refused('status', st).class === 'unknown-work-order', `status after the cancel: ${st.content[0].text}`);
	say(`gone from ls after ${Date.now() - t0} ms; status: unknown work order`);
	const r = await closeAndWait(s);
	check(r.code === 0, `the server exited ${r.code}`);
}

// SIGTERM to the server while an up runs: it interrupts the up, waits for its
// clean-up, and exits 0 (test_mcp.c then asks Podman that nothing is left).
async function caseSigterm() {
	const w = wo('term');
	const s = await connect();
	const proc = s.transport._process;
	const closed = new Promise((resolve) => proc.once('close', (code, sig) => resolve({ code, sig })));
	let sent = null;
	const call = s.client
		.callTool({ name: 'up', arguments: { work_order: w } }, undefined, {
			...LONG,
			onprogress: (p) => {
				if (!sent && (p.message || '').startsWith('init: ')) {
					sent = p.message;
					proc.kill('SIGTERM');
				}
			},
		})
		.then(
			() => 'answered',
			() => 'no answer'
		);
	const t0 = Date.now();
	const r = await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve(null), 120000).unref())]);
	check(r, 'the server did not exit within 120 s of SIGTERM');
	check(r.code === 0, `the server exited ${r.code} (${r.sig}) on SIGTERM`);
	check((await call) === 'no answer', 'the interrupted up was answered');
	say(`SIGTERM at "${sent}": the server exited 0 after ${Date.now() - t0} ms, the up unanswered`);
	await s.client.close().catch(() => {});
}

// The test tool, a verdict tool: the report as structuredContent on 0, 11 and 12,
// isError on 11 (tests failed) and 12 (no tests ran).  MCP_TEST_REPO holds tests/addons.
async function caseTestTool() {
	const w = wo('test');
	const repo = process.env.MCP_TEST_REPO;
	check(repo, 'MCP_TEST_REPO is not set (a repository with tests/addons as its addons)');
	const s = await connect();
	if (!s.tools.some((t) => t.name === 'test')) fail('no tool test: cmd_test is not built in');
	try {
		ok('up', (await callWithProgress(s.client, 'up', { work_order: w, repo })).result);
		const pass = await callWithProgress(s.client, 'test', { work_order: w, modules: ['isopod_test_pass'] });
		const d = ok('test pass', pass.result);
		check(d.verdict === 'passed', `test pass: ${d.verdict}`);
		checkProgress('test pass', pass);
		for (const [args, verdict] of [
			[{ modules: ['isopod_test_fail'] }, 'failed'],
			[{ modules: ['isopod_test_pass'], tags: 'nosuchtag' }, null],
		]) {
			const r = await callWithProgress(s.client, 'test', { work_order: w, ...args });
			check(r.result.isError === true, `test ${JSON.stringify(args)}: not isError`);
			const rep = r.result.structuredContent;
			check(rep && typeof rep.verdict === 'string', `test ${JSON.stringify(args)}: no report: ${r.result.content?.[0]?.text}`);
			if (verdict) check(rep.verdict === verdict, `test ${JSON.stringify(args)}: verdict ${rep.verdict}`);
			say(`test ${JSON.stringify(args)}: isError with the report (verdict ${rep.verdict})`);
		}
	} finally {
		await s.client.callTool({ name: 'down', arguments: { work_order: w, cleanup: true, confirm: true } }, undefined, LONG);
	}
	await closeAndWait(s);
}

// Two ups on different work orders at once: each one's progress starts before the other ends.
async function caseOverlap() {
	const [a, b] = [wo('ov-a'), wo('ov-b')];
	const s = await connect();
	try {
		const [ra, rb] = await Promise.all([callWithProgress(s.client, 'up', { work_order: a }), callWithProgress(s.client, 'up', { work_order: b })]);
		ok('up a', ra.result);
		ok('up b', rb.result);
		const fa = ra.seen.find((p) => p.message.startsWith('init: '))?.t;
		const fb = rb.seen.find((p) => p.message.startsWith('init: '))?.t;
		check(fa && fb, 'no init progress');
		const z = Math.min(ra.t0, rb.t0);
		say(`ms from the first call: a ${ra.t0 - z}..${ra.t1 - z}, its init at ${fa - z}; b ${rb.t0 - z}..${rb.t1 - z}, its init at ${fb - z}`);
		check(fa < rb.t1 && fb < ra.t1, 'the two ups did not overlap: one started its init after the other ended');
	} finally {
		for (const w of [a, b]) await s.client.callTool({ name: 'down', arguments: { work_order: w, cleanup: true, confirm: true } }, undefined, LONG);
	}
	await closeAndWait(s);
}

// Two calls on ONE work order: the second waits for the first (no busy error),
// with heartbeats naming the wait.
async function caseSameWo() {
	const w = wo('same');
	const s = await connect();
	try {
		const up = callWithProgress(s.client, 'up', { work_order: w });
		await new Promise((r) => setTimeout(r, 300));
		const snap = callWithProgress(s.client, 'snapshot', { work_order: w, name: 'one' });
		const [ru, rs] = await Promise.all([up, snap]);
		ok('up', ru.result);
		const d = ok('snapshot', rs.result);
		check(d.snapshot === 'one', `snapshot: ${JSON.stringify(d)}`);
		check(rs.seen.some((p) => p.message.startsWith('waiting: ')), 'the snapshot did not say it waited');
		checkProgress('snapshot (waiting)', rs);
		say(`up ended at ${ru.t1 - ru.t0} ms, the snapshot after it at ${rs.t1 - ru.t0} ms`);
		check(rs.t1 >= ru.t1, 'the snapshot ended before the up');
	} finally {
		await s.client.callTool({ name: 'down', arguments: { work_order: w, cleanup: true, confirm: true } }, undefined, LONG);
	}
	await closeAndWait(s);
}

// The ls cache (include/mcp/mcp.h): ls answers from it while nothing changes (the
// server's debug log says "from the cache"); a change made outside the server (a
// work order's volume made with the podman CLI) shows within Podman's event
// delay; after the server's own down the very next ls asks Podman.  (That last
// check cannot tell the server's own invalidation from the watcher's event when
// the event comes first; both are the cache keeping true.)
async function caseCache() {
	const w = wo('cache');
	const vol = `db-hub-${w}-data`;
	const s = await connect({ debug: true });
	const c = s.client;
	const fromCache = () => s.log.filter((l) => /GET \/v[0-9.]+\/libpod\/pods\/json\?.*from the cache/.test(l)).length;
	try {
		for (let i = 0; i < 4; i++) {
			check(!(await listed(c)).includes(w), `ls lists ${w} before it exists`);
			await sleep(300); // the first ls starts the watcher; the next ones fill and read the cache
		}
		check(fromCache() > 0, `four ls calls 300 ms apart, none answered from the cache`);
		say(`${fromCache()} of 4 ls calls answered from the cache`);
		const labels = ['io.isopod.schema=1', `io.isopod.key=hub/${w}`, `io.isopod.wo=${w}`, 'io.isopod.profile=hub', 'io.isopod.role=db-data'];
		execFileSync('podman', ['volume', 'create', ...labels.flatMap((l) => ['--label', l]), vol], { stdio: 'ignore' });
		const made = Date.now();
		let seen = 0;
		while (!seen && Date.now() - made < 5000) {
			if ((await listed(c)).includes(w)) seen = Date.now();
			else await sleep(20);
		}
		check(seen, `a work order's volume made outside the server is not listed 5 s later`);
		say(`a change made outside the server listed after ${seen - made} ms`);
		check(seen - made <= 2000, `a change made outside the server took ${seen - made} ms to be listed (at most 2000)`);
		ok('down', await c.callTool({ name: 'down', arguments: { work_order: w, cleanup: true, confirm: true } }, undefined, LONG));
		await sleep(200); // stderr is a pipe of its own: the last lines may come after a response
		const before = fromCache();
		check(!(await listed(c)).includes(w), `ls lists ${w} right after the server's own down --cleanup`);
		await sleep(200);
		check(fromCache() === before, `the ls right after the server's own down was answered from the cache`);
		say("the server's own down listed at once, Podman asked");
	} finally {
		try {
			execFileSync('podman', ['volume', 'rm', '-f', vol], { stdio: 'ignore' });
		} catch (e) {
			// already gone
		}
		await closeAndWait(s);
	}
}

const cases = {
	cache: caseCache,
	protocol: caseProtocol,
	schemas: caseSchemas,
	lifecycle: caseLifecycle,
	cancel: caseCancel,
	sigterm: caseSigterm,
	testtool: caseTestTool,
	overlap: caseOverlap,
	samewo: caseSameWo,
};

let failed = 0;
for (const name of process.argv.slice(2)) {
	const fn = cases[name];
	const t0 = Date.now();
	try {
		if (!fn) fail(`no case '${name}' (cases: ${Object.keys(cases).join(' ')})`);
		await fn();
		process.stdout.write(`ok ${name} (${Date.now() - t0} ms)\n`);
	} catch (e) {
		failed++;
		process.stdout.write(`not ok ${name}: ${e && e.stack ? e.stack : e}\n`);
	}
}
process.exit(failed ? 1 : 0);
