'use strict';
/**
 * Private Dovecot (IMAP, IMAPS, LMTP, SASL) and Postfix (SMTP with AUTH and STARTTLS, catch-all for
 * foreign domains) on 127.0.0.1, for the tests, the benchmark and `npm start`.
 *
 * Any `<name>@example.test` logs in with the shared password and gets its own Maildir, so every
 * test can use a fresh mailbox user. Without root, an in-process smtp-server bridge delivering over
 * LMTP stands in for Postfix.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { stopPidFile, waitForPort } = require('./processes');
const { startPostfix, stopPostfix } = require('./postfix');
const { startSmtpBridge } = require('./smtpBridge');
const { ensureSystemPackages, isRoot, which } = require('./systemPackages');

const MAIL_DOMAIN = 'example.test';
const TEST_PASSWORD = 'mailbox-test-secret-7f3a';
// Dovecot checks OAuth2 tokens itself (JWT, HS256, this issuer): no token server is needed to log in.
const OAUTH_ISSUER = 'http://127.0.0.1/mailbox-test-oauth';
const DEFAULT_PORTS = { imap: 3143, imaps: 3993, lmtp: 2424, sasl: 3124, smtp: 2525 };

/** The default ports moved by MAILBOX_PORT_OFFSET, so that several checkouts can test side by side. */
function portsFromEnv(offset = Number(process.env.MAILBOX_PORT_OFFSET || 0)) {
	return Object.fromEntries(Object.entries(DEFAULT_PORTS).map(([name, port]) => [name, port + offset]));
}

/** Installs Dovecot and Postfix (as root) when missing; otherwise says what to install. */
function ensurePackages() {
	ensureSystemPackages(['dovecot', 'postfix', 'openssl']);
}

function makeCertificate(base) {
	const crt = path.join(base, 'tls.crt');
	const key = path.join(base, 'tls.key');
	if (!fs.existsSync(crt)) {
		execFileSync(
			'openssl',
			[
				'req',
				'-x509',
				'-newkey',
				'ec',
				'-pkeyopt',
				'ec_paramgen_curve:prime256v1',
				'-nodes',
				'-days',
				'3650',
				'-subj',
				'/CN=localhost',
				'-addext',
				'subjectAltName=DNS:localhost,IP:127.0.0.1',
				'-keyout',
				key,
				'-out',
				crt,
			],
			{ stdio: 'ignore' },
		);
		fs.chmodSync(key, 0o644);
	}
	return { crt, key };
}

function userIds() {
	if (!isRoot()) {
		const info = os.userInfo();
		const group = execFileSync('id', ['-gn']).toString().trim();
		return { uid: info.uid, gid: info.gid, user: info.username, group };
	}
	return {
		uid: Number(execFileSync('id', ['-u', 'mail']).toString()),
		gid: Number(execFileSync('id', ['-g', 'mail']).toString()),
		user: 'mail',
		group: 'mail',
	};
}

/** The HS256 key Dovecot trusts for OAuth2 tokens; a test's mock provider signs with it. */
function makeOauthKey(base) {
	const keyFile = path.join(base, 'keys', 'default', 'HS256', 'default');
	if (!fs.existsSync(keyFile)) {
		fs.mkdirSync(path.dirname(keyFile), { recursive: true });
		fs.writeFileSync(keyFile, require('node:crypto').randomBytes(32).toString('base64'));
	}
	fs.writeFileSync(
		path.join(base, 'oauth2.conf.ext'),
		[
			'introspection_mode = local',
			`local_validation_key_dict = fs:posix:prefix=${base}/keys/`,
			`issuers = ${OAUTH_ISSUER}`,
			'username_attribute = email',
			'',
		].join('\n'),
	);
	return fs.readFileSync(keyFile, 'utf8').trim();
}

/** Every test user's quota: storage in KiB (IMAP counts storage in units of 1024 octets) and messages. */
const TEST_QUOTA = { storageKb: 50 * 1024 * 1024, messages: 1000000 };

function dovecotConfig(base, ports, cert, ids, oauthMechanisms) {
	const lines = [
		`base_dir = ${base}/dovecot/run`,
		`state_dir = ${base}/dovecot/state`,
		`log_path = ${base}/dovecot.log`,
		`instance_name = mailbox-${ports.imap}`,
		'protocols = imap lmtp',
		'listen = 127.0.0.1',
		'ssl = yes',
		`ssl_cert = <${cert.crt}`,
		`ssl_key = <${cert.key}`,
		'ssl_min_protocol = TLSv1.2',
		'disable_plaintext_auth = no',
		`auth_mechanisms = plain login ${oauthMechanisms.join(' ')}`,
		'auth_cache_size = 0',
		'auth_failure_delay = 0',
		'mail_location = maildir:~/Maildir',
		'mail_fsync = never',
		`first_valid_uid = ${ids.uid}`,
		`mail_uid = ${ids.uid}`,
		`mail_gid = ${ids.gid}`,
		'lda_mailbox_autocreate = yes',
		'passdb {',
		'driver = oauth2',
		`mechanisms = ${oauthMechanisms.join(' ')}`,
		`args = ${base}/oauth2.conf.ext`,
		'}',
		'passdb {',
		'driver = static',
		'mechanisms = plain login',
		`args = password=${TEST_PASSWORD}`,
		'}',
		// Users listed in this file get the storage their line names (the benchmark's sdbox mailboxes);
		// everyone else falls through to the Maildir below.
		'userdb {',
		'driver = passwd-file',
		`args = ${base}/userdb.extra`,
		'}',
		'userdb {',
		'driver = static',
		`args = uid=${ids.uid} gid=${ids.gid} home=${base}/mail/%d/%n allow_all_users=yes`,
		'}',
		'namespace inbox {',
		'inbox = yes',
		'separator = /',
		'mailbox Archive {',
		'special_use = \\Archive',
		'auto = subscribe',
		'}',
		'mailbox Sent {',
		'special_use = \\Sent',
		'auto = subscribe',
		'}',
		'mailbox Trash {',
		'special_use = \\Trash',
		'auto = subscribe',
		'}',
		'}',
		// Quota on, so that reading it reads a real limit (QUOTA, RFC 9208): counted per user, far above
		// what any test or benchmark stores.
		'mail_plugins = $mail_plugins quota',
		'plugin {',
		'quota = count:User quota',
		`quota_rule = *:storage=${TEST_QUOTA.storageKb}K:messages=${TEST_QUOTA.messages}`,
		'quota_vsizes = yes',
		'}',
		// One process per IMAP session: the default limit of 100 would queue the 101st idling client.
		'service imap {',
		'process_limit = 1024',
		'}',
		'protocol imap {',
		'mail_plugins = $mail_plugins imap_quota',
		'mail_max_userip_connections = 500',
		'imap_idle_notify_interval = 10 secs',
		'}',
		// A TLS session keeps its login process (which carries the TLS) for its whole life: the
		// default limit of 100 dropped every new connection once 100 clients held TLS sessions.
		'service imap-login {',
		'process_limit = 1024',
		'inet_listener imap {',
		'address = 127.0.0.1',
		`port = ${ports.imap}`,
		'}',
		'inet_listener imaps {',
		'address = 127.0.0.1',
		`port = ${ports.imaps}`,
		'ssl = yes',
		'}',
	];
	if (!isRoot()) lines.push('chroot =');
	lines.push('}', 'service lmtp {', 'inet_listener lmtp {', 'address = 127.0.0.1', `port = ${ports.lmtp}`, '}', '}');
	lines.push('service auth {', 'inet_listener sasl {', 'address = 127.0.0.1', `port = ${ports.sasl}`, '}', '}');
	lines.push('service anvil {', 'unix_listener anvil-auth-penalty {', 'mode = 0', '}');
	if (!isRoot()) lines.push('chroot =');
	lines.push('}');
	if (isRoot()) {
		lines.push('default_login_user = dovenull', 'default_internal_user = dovecot');
	} else {
		lines.push(
			`default_login_user = ${ids.user}`,
			`default_internal_user = ${ids.user}`,
			`default_internal_group = ${ids.group}`,
		);
	}
	return lines.join('\n') + '\n';
}

async function startDovecot(base, ports, cert, ids, oauthMechanisms) {
	const conf = path.join(base, 'dovecot.conf');
	fs.mkdirSync(path.join(base, 'dovecot', 'run'), { recursive: true });
	fs.mkdirSync(path.join(base, 'dovecot', 'state'), { recursive: true });
	fs.mkdirSync(path.join(base, 'mail'), { recursive: true });
	fs.writeFileSync(conf, dovecotConfig(base, ports, cert, ids, oauthMechanisms));
	fs.writeFileSync(path.join(base, 'userdb.extra'), '', { flag: 'a' });
	if (isRoot()) execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, path.join(base, 'mail')]);
	stopPidFile(path.join(base, 'dovecot', 'run', 'master.pid'));
	// stdio goes to a file: a daemon holding the caller's pipes makes execFileSync hang.
	const log = fs.openSync(path.join(base, 'dovecot.start.log'), 'a');
	execFileSync(which('dovecot'), ['-c', conf], { stdio: ['ignore', log, log] });
	fs.closeSync(log);
	await Promise.all([
		waitForPort(ports.imap),
		waitForPort(ports.imaps),
		waitForPort(ports.lmtp),
		waitForPort(ports.sasl),
	]);
	return conf;
}

/**
 * Starts both servers under `base` and returns how to reach them. Reuses nothing from an earlier
 * run: old instances under the same base are stopped first.
 */
async function startMailServers({
	base,
	ports = portsFromEnv(),
	oauthMechanisms = ['xoauth2', 'oauthbearer'],
	smtp = true,
} = {}) {
	ensurePackages();
	fs.mkdirSync(base, { recursive: true });
	if (isRoot()) fs.chmodSync(base, 0o755);
	const cert = makeCertificate(base);
	const oauthKey = makeOauthKey(base);
	const ids = userIds();
	const dovecotConf = await startDovecot(base, ports, cert, ids, oauthMechanisms);
	let postfixConf;
	let bridge;
	if (smtp && isRoot() && which('postfix')) postfixConf = await startPostfix(base, ports, cert, MAIL_DOMAIN);
	else if (smtp)
		bridge = await startSmtpBridge(ports, cert, {
			oauthKey,
			issuer: OAUTH_ISSUER,
			domain: MAIL_DOMAIN,
			password: TEST_PASSWORD,
		});
	const info = {
		base,
		host: '127.0.0.1',
		ports,
		domain: MAIL_DOMAIN,
		password: TEST_PASSWORD,
		caFile: cert.crt,
		oauth: { issuer: OAUTH_ISSUER, hs256Key: oauthKey, mechanisms: oauthMechanisms },
		dovecotConf,
		postfixConf,
		smtp: postfixConf ? 'postfix' : bridge ? 'smtp-server bridge' : 'none',
	};
	return {
		info,
		async stop() {
			if (bridge) await new Promise((resolve) => bridge.close(resolve));
			if (postfixConf) stopPostfix(postfixConf);
			stopPidFile(path.join(base, 'dovecot', 'run', 'master.pid'));
		},
	};
}

/** Stops servers started by another process (the jest global setup keeps them in a state file). */
function stopMailServersAt(base) {
	stopPostfix(path.join(base, 'postfix', 'conf'));
	stopPidFile(path.join(base, 'dovecot', 'run', 'master.pid'));
}

module.exports = {
	TEST_QUOTA,
	OAUTH_ISSUER,
	startMailServers,
	stopMailServersAt,
	portsFromEnv,
	MAIL_DOMAIN,
	TEST_PASSWORD,
	DEFAULT_PORTS,
};
