'use strict';
/**
 * n8n in queue mode on loopback: a private Redis and PostgreSQL, one n8n main and two workers
 * (n8n 2.x), each with this package installed the way users install it (npm, from a packed tarball).
 * Every process is stopped by PID.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { cleanNpmEnv, ensureN8n, n8nEnv, PACKAGE_ROOT } = require('./n8nHost');
const { startProcess, stopChild, stopRecorded, waitForPort } = require('./processes');
const { ensureSystemPackages, isRoot, postgresBin } = require('./systemPackages');

function ensureServices() {
	ensureSystemPackages(['redis', 'postgresql']);
}

/** Runs a command as the postgres user when we are root (PostgreSQL refuses to run as root). */
function asPostgres(command, args, options = {}) {
	if (!isRoot()) return execFileSync(command, args, options);
	return execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], options);
}

/**
 * Every process group the cluster starts is recorded in `<base>/pids.json`, so that a run killed
 * before its `stop()` (a crashed jest) leaves nothing that the next run on the same base cannot stop.
 */
function pidRecord(base, name) {
	return { file: path.join(base, 'pids.json'), name };
}

/** Stops what an earlier run on `base` left running, by PID, and clears the folder. */
function clearBase(base) {
	if (fs.existsSync(path.join(base, 'pg', 'data', 'postmaster.pid'))) stopPostgres(path.join(base, 'pg', 'data'));
	stopRecorded(pidRecord(base, '').file, {}, { graceMs: 0 });
	fs.rmSync(base, { recursive: true, force: true });
}

function startRedis(base, port) {
	const dir = path.join(base, 'redis');
	fs.mkdirSync(dir, { recursive: true });
	const conf = path.join(dir, 'redis.conf');
	fs.writeFileSync(
		conf,
		[`bind 127.0.0.1`, `port ${port}`, 'save ""', 'appendonly no', `dir ${dir}`, 'daemonize no', ''].join('\n'),
	);
	return startProcess('/usr/bin/redis-server', [conf], {
		logFile: path.join(dir, 'redis.log'),
		record: pidRecord(base, 'redis'),
	});
}

async function startPostgres(base, port) {
	const data = path.join(base, 'pg', 'data');
	const socketDir = path.join(base, 'pg', 'run');
	fs.mkdirSync(socketDir, { recursive: true });
	if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', path.join(base, 'pg')]);
	if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
		asPostgres(postgresBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], { stdio: 'ignore' });
	}
	const options =
		`-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off ` +
		`-c full_page_writes=off`;
	asPostgres(
		postgresBin('pg_ctl'),
		['-D', data, '-o', options, '-l', path.join(base, 'pg', 'postgres.log'), '-w', 'start'],
		{ stdio: 'ignore' },
	);
	await waitForPort(port);
	try {
		execFileSync(
			postgresBin('psql'),
			['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', 'CREATE DATABASE n8n'],
			{ stdio: 'ignore' },
		);
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
	fs.mkdirSync(template, { recursive: true });
	const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', template], {
		cwd: PACKAGE_ROOT,
		env: cleanNpmEnv(),
		encoding: 'utf8',
	})
		.trim()
		.split('\n')
		.pop();
	fs.writeFileSync(
		path.join(template, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true }, null, 2),
	);
	// n8n-workflow comes from n8n itself: users' installs skip the peer the same way.
	execFileSync(
		'npm',
		[
			'install',
			'--no-audit',
			'--no-fund',
			'--omit=peer',
			'--legacy-peer-deps',
			'--ignore-scripts',
			path.join(template, tarball),
		],
		{ cwd: template, env: cleanNpmEnv(), stdio: 'ignore' },
	);
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
 * three processes with one name confuse its leader election and worker registry. A worker may get a
 * disk of its own at `privateDisk.path` (a bind mount in its own mount namespace), so that a path
 * means a different folder on each worker, as it does on separate machines.
 */
function startN8nProcess(host, { base, name, userFolder, args, env, logFile, privateDisk }) {
	if (!isRoot())
		throw new Error(
			'The queue-mode cluster runs each n8n process in its own UTS (and mount) namespace: run it as root',
		);
	const mount = privateDisk ? `mount --bind '${privateDisk.source}' '${privateDisk.path}' && ` : '';
	const command = `hostname ${name} && ${mount}exec "$0" "$@"`;
	const namespaces = privateDisk ? ['--uts', '--mount', '--propagation', 'private'] : ['--uts'];
	return startProcess('unshare', [...namespaces, 'sh', '-c', command, host.bin, ...args], {
		env: n8nEnv(host, userFolder, env),
		logFile,
		record: pidRecord(base, name),
	});
}

async function waitFor(check, timeoutMs, what) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (await check()) return;
		if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

async function httpOk(url) {
	try {
		return (await fetch(url)).ok;
	} catch {
		return false;
	}
}

/** Ports of a cluster: moved by MAILBOX_PORT_OFFSET like the mail servers', away from n8n's usual ones. */
function defaultPortBase() {
	return 17000 + Number(process.env.MAILBOX_PORT_OFFSET || 0);
}

/**
 * Starts Redis, PostgreSQL, an n8n main and `workers` workers (each with `--concurrency`).
 * `base` is cleared first (its logs stay after stop() for reading). `portBase` spaces out every port
 * (Redis, PostgreSQL, n8n, broker and health ports); `workerDiskPath` gives each worker its own
 * folder at that path (see startN8nProcess). Returns handles to find which worker ran an execution, to
 * restart the main and to stop everything.
 */
async function startQueueCluster({
	base,
	portBase = defaultPortBase(),
	workers = 2,
	concurrency = 5,
	workerDiskPath,
	extraEnv = {},
} = {}) {
	ensureServices();
	const host = ensureN8n(2);
	if (!fs.existsSync(path.join(PACKAGE_ROOT, 'dist', 'nodes', 'Email', 'Email.node.js')))
		throw new Error('dist/ is missing: run `npm run build` first');
	clearBase(base);
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
		// Links a worker puts in mail (Send Email and Wait's resume links) must point at the main.
		WEBHOOK_URL: `http://127.0.0.1:${ports.main}/`,
		...extraEnv,
	};
	const mainFolder = userFolderFor(base, 'main', template);
	const mainLog = path.join(base, 'main.log');
	const workerLogs = [];
	const startMain = async () => {
		const before = fs.existsSync(mainLog) ? fs.statSync(mainLog).size : 0;
		const child = startN8nProcess(host, {
			base,
			name: 'n8n-main',
			userFolder: mainFolder,
			args: ['start'],
			env: { ...shared, N8N_PORT: String(ports.main), N8N_RUNNERS_BROKER_PORT: String(ports.main + 1) },
			logFile: mainLog,
		});
		await waitFor(
			() => {
				if (child.exitCode !== null) throw new Error(`n8n main exited with ${child.exitCode}; see ${mainLog}`);
				return fs.readFileSync(mainLog, 'utf8').slice(before).includes('Editor is now accessible');
			},
			180_000,
			'n8n main start',
		);
		return child;
	};
	const cluster = {
		base,
		ports,
		host,
		url: `http://127.0.0.1:${ports.main}`,
		postgres: { host: '127.0.0.1', port: ports.postgres, user: 'postgres', database: 'n8n' },
		mainFolder,
		workerFolders: [],
		workerDisks: [],
		workerLogs,
		main: undefined,
		workers: [],
		redis,
		/** The host name of the worker whose log says it started the execution, if any did. */
		workerOf(executionId) {
			const line = `Worker started execution ${executionId} (`;
			const index = workerLogs.findIndex((file) => fs.readFileSync(file, 'utf8').includes(line));
			return index < 0 ? undefined : `n8n-worker${index + 1}`;
		},
		async restartMain() {
			await stopChild(cluster.main);
			cluster.main = await startMain();
		},
		async stop() {
			await Promise.all([cluster.main, ...cluster.workers].map((child) => stopChild(child)));
			await stopChild(redis);
			stopPostgres(postgres.data);
		},
	};
	try {
		// The main runs the database migrations; workers start after it.
		cluster.main = await startMain();
		if (workerDiskPath) fs.mkdirSync(workerDiskPath, { recursive: true });
		const ready = [];
		for (let index = 1; index <= workers; index++) {
			const userFolder = userFolderFor(base, `worker${index}`, template);
			const healthPort = ports.main + 10 + index;
			const logFile = path.join(base, `worker${index}.log`);
			const disk = path.join(userFolder, 'disk');
			fs.mkdirSync(disk, { recursive: true });
			cluster.workerFolders.push(userFolder);
			cluster.workerDisks.push(disk);
			workerLogs.push(logFile);
			cluster.workers.push(
				startN8nProcess(host, {
					base,
					name: `n8n-worker${index}`,
					userFolder,
					args: ['worker', `--concurrency=${concurrency}`],
					env: {
						...shared,
						QUEUE_HEALTH_CHECK_ACTIVE: 'true',
						QUEUE_HEALTH_CHECK_PORT: String(healthPort),
						N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
						N8N_RUNNERS_BROKER_PORT: String(ports.main + 20 + index),
					},
					logFile,
					privateDisk: workerDiskPath ? { source: disk, path: workerDiskPath } : undefined,
				}),
			);
			ready.push(
				waitFor(() => httpOk(`http://127.0.0.1:${healthPort}/healthz/readiness`), 120_000, `n8n worker ${index} start`),
			);
		}
		await Promise.all(ready);
	} catch (error) {
		await cluster.stop();
		throw error;
	}
	return cluster;
}

module.exports = { startQueueCluster };
