// SPDX-License-Identifier: Apache-2.0
// The client side of isopod's MCP tests: the official TypeScript SDK's
// Client over StdioClientTransport, started on the isopod under test
// (ISOPOD_BIN) with this process's whole environment (the SDK passes only a
// few variables by default; isopod needs ISOPOD_STATE_DIR, ISOPOD_PORTS,
// CONTAINER_HOST...).
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const ISOPOD = process.env.ISOPOD_BIN || 'isopod';
// The up calls may take half a minute on the stand-in with slow modules: the
// SDK's 60 s default is reset by each progress notification, and capped here.
export const LONG = { timeout: 60000, resetTimeoutOnProgress: true, maxTotalTimeout: 300000 };

export function fail(msg) {
	throw new Error(msg);
}

export function check(cond, msg) {
	if (!cond) fail(msg);
}

export function say(msg) {
	process.stdout.write(`  ${msg}\n`);
}

export function wo(tag) {
	return `${process.env.MCP_WO_PREFIX || 'M-mcp'}-${tag}`.toLowerCase();
}

// A connected client with the tools listed (the SDK validates structuredContent
// against the outputSchema of the tools it has listed).  With DEBUG the server
// runs with ISOPOD_LOG=debug and its stderr is kept as the lines of `log`.
export async function connect({ debug = false } = {}) {
	const transport = new StdioClientTransport({
		command: ISOPOD,
		args: ['mcp'],
		env: { ...process.env, ...(debug ? { ISOPOD_LOG: 'debug' } : {}) },
		stderr: debug ? 'pipe' : 'inherit',
	});
	const log = [];
	if (debug) {
		let part = '';
		transport.stderr.on('data', (d) => {
			const lines = (part + d).split('\n');
			part = lines.pop();
			log.push(...lines);
		});
	}
	const client = new Client({ name: 'isopod-tests', version: '1.0.0' });
	await client.connect(transport);
	const { tools } = await client.listTools();
	return { client, transport, tools, log };
}

// End stdin and wait for the server to exit (it waits for the calls in flight,
// a cancelled one's clean-up included): its exit code, or a failure after MS.
export async function closeAndWait({ client, transport }, ms = 120000) {
	const proc = transport._process; // the SDK's own close() kills after 2 s
	check(proc, 'the server is not running');
	const done = new Promise((resolve) => proc.once('close', (code, sig) => resolve({ code, sig })));
	proc.stdin.end();
	const timer = new Promise((resolve) => setTimeout(() => resolve(null), ms).unref());
	const r = await Promise.race([done, timer]);
	check(r, `the server did not exit within ${ms} ms of the end of its stdin`);
	await client.close().catch(() => {});
	return r;
}

// callTool with progress: the notifications it saw, with the time of each.
export async function callWithProgress(client, name, args, extra = {}) {
	const seen = [];
	const t0 = Date.now();
	const opts = {
		...LONG,
		...extra,
		onprogress: (p) => seen.push({ t: Date.now(), progress: p.progress, message: p.message || '' }),
	};
	const result = await client.callTool({ name, arguments: args }, undefined, opts);
	return { result, seen, t0, t1: Date.now() };
}

// The structured result of a call that must succeed; its text block is the same JSON.
export function ok(name, result) {
	const text = result.content?.[0]?.text;
	check(!result.isError, `${name}: isError: ${text}`);
	check(result.structuredContent, `${name}: no structuredContent`);
	check(typeof text === 'string', `${name}: no text block`);
	check(
		JSON.stringify(JSON.parse(text)) === JSON.stringify(result.structuredContent),
		`${name}: the text block is not the structuredContent`
	);
	return result.structuredContent;
}

// The error document of a call that must fail: {"error": {class, code, message}}, no structuredContent.
export function refused(name, result) {
	const text = result.content?.[0]?.text || '';
	check(result.isError === true, `${name}: not isError: ${text}`);
	check(result.structuredContent === undefined, `${name}: an error with structuredContent`);
	const doc = JSON.parse(text);
	check(doc.error && typeof doc.error.message === 'string', `${name}: no error document: ${text}`);
	check(typeof doc.error.class === 'string' && Number.isInteger(doc.error.code), `${name}: error document: ${text}`);
	return doc.error;
}

// Progress as the issue asks: increasing, each naming a step, no gap over 2 s.
export function checkProgress(name, { seen, t0 }, maxGapMs = 2000) {
	check(seen.length > 0, `${name}: no progress notification`);
	let last = t0,
		prev = -Infinity,
		gap = 0;
	for (const p of seen) {
		check(p.progress > prev, `${name}: progress ${p.progress} after ${prev}`);
		check(p.message.length > 0, `${name}: a progress notification without a message`);
		gap = Math.max(gap, p.t - last);
		prev = p.progress;
		last = p.t;
	}
	say(`${name}: ${seen.length} progress notifications, the longest gap ${gap} ms`);
	check(gap <= maxGapMs, `${name}: ${gap} ms without progress (at most ${maxGapMs})`);
	return gap;
}

// The work orders `ls` lists.
export async function listed(client) {
	const r = await client.callTool({ name: 'ls', arguments: {} });
	return ok('ls', r).work_orders.map((w) => w.work_order);
}

// Raw lines to a fresh `isopod mcp` (no SDK: it would never send a malformed
// line, and it drops progress after a response unseen): every line of stdout
// parsed, in order; stdin ends LINGER ms after the WAITFOR-th response.
export function raw(lines, waitFor, linger = 0) {
	return new Promise((resolve, reject) => {
		const p = spawn(ISOPOD, ['mcp'], { stdio: ['pipe', 'pipe', 'inherit'] });
		let out = '';
		const got = [];
		let answers = 0;
		const timer = setTimeout(() => {
			p.kill('SIGTERM');
			reject(new Error(`raw: only ${answers} of ${waitFor} answers: ${out}`));
		}, 20000);
		p.stdout.on('data', (d) => {
			out += d;
			let nl;
			while ((nl = out.indexOf('\n')) >= 0) {
				const line = out.slice(0, nl);
				out = out.slice(nl + 1);
				try {
					got.push(JSON.parse(line));
				} catch (e) {
					reject(new Error(`raw: not a JSON line on stdout: ${line}`));
				}
				if ('id' in got[got.length - 1] && ++answers === waitFor) setTimeout(() => p.stdin.end(), linger);
			}
		});
		p.on('close', (code) => {
			clearTimeout(timer);
			resolve({ code, got });
		});
		p.stdin.write(lines.join('\n') + '\n');
	});
}
