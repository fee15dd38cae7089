'use strict';
/**
 * The system programs the tests and `npm start` need, from Debian/Ubuntu packages. As root they are
 * installed with apt-get when missing; otherwise one message says what to install.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function which(binary) {
	for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', ...(process.env.PATH || '').split(':')]) {
		const candidate = path.join(dir, binary);
		if (dir && fs.existsSync(candidate)) return candidate;
	}
	return undefined;
}

/** A PostgreSQL server program (initdb, postgres, pg_ctl) of the newest version installed. */
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

/** What each part needs: a check that it is there, and the packages that bring it. */
const REQUIREMENTS = {
	dovecot: {
		present: () => which('dovecot'),
		packages: ['dovecot-imapd', 'dovecot-lmtpd'],
		usedBy: 'every mail test and npm start',
	},
	// Without root the tests use an in-process SMTP bridge instead (Postfix needs root to run).
	postfix: {
		present: () => which('postfix') || !isRoot(),
		packages: ['postfix'],
		usedBy: 'SMTP in the tests and npm start',
	},
	openssl: { present: () => which('openssl'), packages: ['openssl'], usedBy: 'the test certificates' },
	buildTools: {
		present: () => which('make') && which('g++') && which('python3'),
		packages: ['python3', 'make', 'g++'],
		usedBy: "building n8n's sqlite3",
	},
	chromium: {
		present: () => fs.existsSync('/usr/bin/chromium') && fs.existsSync('/usr/bin/chromedriver'),
		packages: ['chromium', 'chromium-driver'],
		usedBy: 'the browser test',
	},
	redis: {
		present: () => fs.existsSync('/usr/bin/redis-server'),
		packages: ['redis-server'],
		usedBy: 'the queue-mode tests',
	},
	postgresql: { present: () => postgresBin('initdb'), packages: ['postgresql'], usedBy: 'the queue-mode tests' },
};

/** The requirements of `names` that are missing on this machine. */
function missingRequirements(names) {
	return names.filter((name) => !REQUIREMENTS[name].present());
}

function apt(args) {
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	execFileSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Installs what `names` need and is missing (apt-get, as root), or throws one error that lists every
 * package to install. Called before anything starts, so nothing fails half-way for a missing program.
 */
function ensureSystemPackages(names, log = (line) => process.stderr.write(`${line}\n`)) {
	const missing = missingRequirements(names);
	if (missing.length === 0) return [];
	const packages = missing.flatMap((name) => REQUIREMENTS[name].packages);
	if (!isRoot() || !which('apt-get')) {
		const lines = missing.map((name) => `  ${REQUIREMENTS[name].packages.join(' ')}  (${REQUIREMENTS[name].usedBy})`);
		throw Object.assign(
			new Error(
				`Missing system packages; install them, then run again:\n${lines.join('\n')}\n` +
					`  e.g. sudo apt-get install -y --no-install-recommends ${packages.join(' ')}\n` +
					'(Run as root on Debian/Ubuntu and they are installed for you.)',
			),
			{ code: 'MISSING_PACKAGES', packages },
		);
	}
	log(`Installing Debian packages (once): ${packages.join(' ')}`);
	if (packages.includes('postfix')) {
		// Without this, postfix's installer asks which kind of mail server to set up.
		execFileSync('sh', [
			'-c',
			'echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections',
		]);
	}
	apt(['update', '-qq']);
	apt(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
	const still = missingRequirements(missing);
	if (still.length > 0)
		throw new Error(
			`apt-get finished but these are still missing: ${still.flatMap((name) => REQUIREMENTS[name].packages).join(' ')}`,
		);
	return packages;
}

module.exports = { ensureSystemPackages, missingRequirements, REQUIREMENTS, isRoot, which, postgresBin };
