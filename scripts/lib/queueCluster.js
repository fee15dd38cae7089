'use strict';
/**
 * n8n in queue mode on loopback: a private Redis and PostgreSQL, one n8n main and two workers
 * (n8n 2.x), each with this package installed the way users install it (npm, from a packed tarball).
 * Every process is stopped by PID.
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { ensureN8n, n8nEnv, PACKAGE_ROOT } = require('./n8nHost');
const { waitForPort } = require('./mailServers');

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function ensureServices() {
	const missing = [];
	if (!fs.existsSync('/usr/bin/redis-server')) missing.push('redis-server');
	if (!postgresBin('initdb')) missing.push('postgresql');
	if (missing.length === 0) return;
	if (!isRoot()) throw new Error(`Queue-mode tests need ${missing.join(' and ')}: apt-get install -y ${missing.join(' ')}`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, stdio: 'ignore' });
}

function postgresBin(name) {
	const root = '/usr/lib/postgresql';
	if (!fs.existsSync(root)) return undefined;
	const versions = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a));
	for (const version of versions) {
		const candidate = path.join(root, version, 'bin', name);
		if (fs.existsSync(candidate)) return candidate;
	}
	return undefined;
}

/** Runs a command as the postgres user when we are root (PostgreSQL refuses to run as root). */
function asPostgres(command, args, options = {}) {
	if (!isRoot()) return execFileSync(command, args, options);
	return execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], options);
}

function startRedis(base, port) {
	const dir = path.join(base, 'redis');
	fs.mkdirSync(dir, { recursive: true });
	const conf = path.join(dir, 'redis.conf');
	fs.writeFileSync(conf, [`bind 127.0.0.1`, `port ${port}`, 'save ""', 'appendonly no', `dir ${dir}`, 'daemonize no', ''].join('\n'));
	const log = fs.openSync(path.join(dir, 'redis.log'), 'a');
	const child = spawn('/usr/bin/redis-server', [conf], { stdio: ['ignore', log, log], detached: true });
	fs.closeSync(log);
	return child;
}

async function startPostgres(base, port) {
	const data = path.join(base, 'pg', 'data');
	const socketDir = path.join(base, 'pg', 'run');
	fs.mkdirSync(socketDir, { recursive: true });
	if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', path.join(base, 'pg')]);
	if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
		asPostgres(postgresBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], { stdio: 'ignore' });
	}
	const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
	asPostgres(postgresBin('pg_ctl'), ['-D', data, '-o', options, '-l', path.join(base, 'pg', 'postgres.log'), '-w', 'start'], { stdio: 'ignore' });
	await waitForPort(port);
	try {
		execFileSync(postgresBin('psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', 'CREATE DATABASE n8n'], { stdio: 'ignore' });
	} catch {
		// exists from an earlier start
	}
	return { data };
}

function stopPostgres(data) {
	try {
		asPostgres(postgresBin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], { stdio: 'ignore' });
	} catch {
		// not running
	}
}

/** Packs this package once and installs it with npm into a template `.n8n/nodes` folder. */
function installPackageTemplate(base) {
	const template = path.join(base, 'nodes-template');
	if (fs.existsSync(path.join(template, 'node_modules', 'n8n-nodes-mailbox', 'package.json'))) return template;
	fs.mkdirSync(template, { recursive: true });
	const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', template], { cwd: PACKAGE_ROOT, encoding: 'utf8' }).trim().split('\n').pop();
	fs.writeFileSync(path.join(template, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true }, null, 2));
	// n8n-workflow comes from n8n itself: users' installs skip the peer the same way.
	execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=peer', '--legacy-peer-deps', '--ignore-scripts', path.join(template, tarball)], { cwd: template, stdio: 'ignore' });
	return template;
}

function userFolderFor(base, name, template) {
	const folder = path.join(base, name);
	const nodes = path.join(folder, '.n8n', 'nodes');
	if (!fs.existsSync(nodes)) {
		fs.mkdirSync(path.dirname(nodes), { recursive: true });
		fs.cpSync(template, nodes, { recursive: true });
	}
	return folder;
}

/**
 * One n8n process (main or worker) under its own host name: n8n names instances by host name, and
 * three processes with one name confuse its leader election and worker registry.
 */
function startProcess(host, { name, userFolder, args, env, logFile }) {
	const log = fs.openSync(logFile, 'a');
	const command = `hostname ${name}; exec "$0" "$@"`;
	const useUts = isRoot();
	const child = spawn(useUts ? 'unshare' : host.bin, useUts ? ['--uts', 'sh', '-c', command, host.bin, ...args] : args, {
		env: n8nEnv(host, userFolder, env),
		stdio: ['ignore', log, log],
		detached: true,
	});
	fs.closeSync(log);
	return child;
}

async function waitFor(check, timeoutMs, what) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (await check()) return;
		if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

const logSays = (file, text) => () => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(text);

async function httpOk(url) {
	try {
		return (await fetch(url)).ok;
	} catch {
		return false;
	}
}

function kill(child) {
	if (!child || child.exitCode !== null) return;
	try {
		process.kill(-child.pid, 'SIGTERM');
	} catch {
		// already gone
	}
}

async function waitForExit(child, timeoutMs = 20000) {
	if (!child || child.exitCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	const timer = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
	await Promise.race([exited, timer]);
	if (child.exitCode === null) {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			// gone
		}
	}
}

/**
 * Starts Redis, PostgreSQL, an n8n main and two workers. `portBase` spaces out every port
 * (Redis, PostgreSQL, n8n, broker and health ports). Returns handles to restart the main and to
 * stop everything.
 */
async function startQueueCluster({ base, portBase = 7000, workers = 2, extraEnv = {} } = {}) {
	ensureServices();
	const host = ensureN8n(2);
	fs.mkdirSync(base, { recursive: true });
	if (isRoot()) fs.chmodSync(base, 0o755);
	const ports = { redis: portBase, postgres: portBase + 1, main: portBase + 10 };
	const redis = startRedis(base, ports.redis);
	const postgres = await startPostgres(base, ports.postgres);
	await waitForPort(ports.redis);
	const template = installPackageTemplate(base);
	const shared = {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(ports.redis),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(ports.postgres),
		DB_POSTGRESDB_DATABASE: 'n8n',
		DB_POSTGRESDB_USER: 'postgres',
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
		...extraEnv,
	};
	const mainFolder = userFolderFor(base, 'main', template);
	const mainLog = path.join(base, 'main.log');
	const startMain = async () => {
		const before = fs.existsSync(mainLog) ? fs.statSync(mainLog).size : 0;
		const child = startProcess(host, {
			name: 'n8n-main',
			userFolder: mainFolder,
			args: ['start'],
			env: { ...shared, N8N_PORT: String(ports.main), N8N_RUNNERS_BROKER_PORT: String(ports.main + 1) },
			logFile: mainLog,
		});
		await waitFor(() => fs.readFileSync(mainLog, 'utf8').slice(before).includes('Editor is now accessible'), 180_000, 'n8n main start');
		return child;
	};
	const cluster = {
		base,
		ports,
		host,
		url: `http://127.0.0.1:${ports.main}`,
		mainFolder,
		workerFolders: [],
		main: undefined,
		workers: [],
		redis,
		async restartMain() {
			kill(cluster.main);
			await waitForExit(cluster.main);
			cluster.main = await startMain();
		},
		async stop() {
			for (const child of [cluster.main, ...cluster.workers]) kill(child);
			await Promise.all([cluster.main, ...cluster.workers].map((child) => waitForExit(child)));
			kill(redis);
			await waitForExit(redis);
			stopPostgres(postgres.data);
		},
	};
	// The main runs the database migrations; workers start after it.
	cluster.main = await startMain();
	for (let index = 1; index <= workers; index++) {
		const userFolder = userFolderFor(base, `worker${index}`, template);
		const healthPort = ports.main + 10 + index;
		const logFile = path.join(base, `worker${index}.log`);
		cluster.workerFolders.push(userFolder);
		cluster.workers.push(
			startProcess(host, {
				name: `n8n-worker${index}`,
				userFolder,
				args: ['worker', '--concurrency=5'],
				env: {
					...shared,
					QUEUE_HEALTH_CHECK_ACTIVE: 'true',
					QUEUE_HEALTH_CHECK_PORT: String(healthPort),
					N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
					N8N_RUNNERS_BROKER_PORT: String(ports.main + 20 + index),
				},
				logFile,
			}),
		);
		await waitFor(() => httpOk(`http://127.0.0.1:${healthPort}/healthz/readiness`), 120_000, `n8n worker ${index} start`);
	}
	return cluster;
}

module.exports = { startQueueCluster, logSays };
