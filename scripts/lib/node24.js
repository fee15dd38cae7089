'use strict';
/** Node 24 for n8n 2.x, from the npm registry's platform package (binary and headers), into the host cache. */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { cacheRoot, cleanNpmEnv, HostInstallError, log, RETRY_ADVICE, runStep } = require('./hostInstall');

/** The Node 24 build n8n 2.x runs on: the registry's platform package holds the binary and its headers. */
const NODE24 = { version: '24.21.0', package: `node-${process.platform}-${process.arch}` };

let node24;

/** Where Node 24 is (or goes): its install folder, the platform package (binary and headers) and its bin folder. */
function node24Paths() {
	const folder = path.join(cacheRoot(), `node-${NODE24.version}`);
	const home = path.join(folder, 'node_modules', NODE24.package);
	return { folder, home, bin: path.join(home, 'bin') };
}

/** The Node 24 binary n8n 2.x runs on, when it is installed (nothing is installed here). */
function node24Binary() {
	const binary = path.join(node24Paths().bin, 'node');
	return fs.existsSync(binary) ? binary : undefined;
}

/**
 * Node 24 from the npm registry, for n8n 2.x; the machine's own node serves 1.x. Checked once per process to run
 * and say v24.
 */
function ensureNode24() {
	if (node24) return node24;
	const { folder, home, bin } = node24Paths();
	if (!fs.existsSync(path.join(bin, 'node'))) {
		log(`installing Node ${NODE24.version} from the npm registry (${NODE24.package}, once) into ${folder}`);
		fs.mkdirSync(folder, { recursive: true });
		fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name: 'node24-host', private: true }));
		// The platform package carries the binary itself: no install script has to run.
		runStep(
			'install Node 24',
			'npm',
			[
				'install',
				'--no-audit',
				'--no-fund',
				'--ignore-scripts',
				'--no-save',
				'--loglevel=error',
				`${NODE24.package}@${NODE24.version}`,
			],
			{ cwd: folder, env: cleanNpmEnv() },
			RETRY_ADVICE(folder),
		);
	}
	const version = spawnSync(path.join(bin, 'node'), ['--version'], { encoding: 'utf8' });
	if (version.status !== 0 || !String(version.stdout).startsWith('v24.')) {
		const printed = String(version.stdout || version.stderr || version.error?.message).trim();
		throw new HostInstallError(
			'check Node 24',
			`${path.join(bin, 'node')} --version printed "${printed}", not v24`,
			RETRY_ADVICE(folder),
		);
	}
	node24 = { bin, headers: home };
	return node24;
}

module.exports = { NODE24, node24Binary, ensureNode24 };
