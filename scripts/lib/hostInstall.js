'use strict';
/** The steps of installing a host (n8n, Node 24) into the cache: each checked, each failure named. */
const { spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

/** Where the hosts are installed (2-3 GB each): MAILBOX_CACHE_DIR, else ~/.cache/n8n-nodes-mailbox. */
function cacheRoot() {
	return process.env.MAILBOX_CACHE_DIR || path.join(os.homedir(), '.cache', 'n8n-nodes-mailbox');
}

function log(message) {
	process.stderr.write(`[n8n-host] ${message}\n`);
}

/** An install step that did not do its job: names the step and what to do about it. */
class HostInstallError extends Error {
	constructor(step, detail, advice) {
		super(`n8n host install, step "${step}" failed: ${detail}\n${advice}`);
		this.code = 'HOST_INSTALL_FAILED';
		this.step = step;
	}
}

/**
 * The environment for a nested npm: without the `npm_config_*` settings npm hands to every script it
 * runs (this package's .npmrc sets ignore-scripts=true, which would silently turn `npm rebuild` into a
 * no-op), so that every nested call behaves the same from `npm test`, `npm start` or a plain shell.
 */
function cleanNpmEnv(extra = {}) {
	const env = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => !/^npm_(config|package|lifecycle)_/i.test(key)),
	);
	return { ...env, ...extra };
}

/** Runs one step; its output is shown only when it fails. */
function runStep(step, command, args, options, advice) {
	const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
	if (result.status !== 0) {
		const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
		const reason = result.error ? ` (${result.error.message})` : '';
		throw new HostInstallError(
			step,
			`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}${reason}\n${output}`,
			advice,
		);
	}
	return result.stdout;
}

const RETRY_ADVICE = (folder) =>
	`Check the network to the npm registry and the free disk space, delete ${folder} and run again.`;

module.exports = { cacheRoot, log, HostInstallError, cleanNpmEnv, runStep, RETRY_ADVICE };
