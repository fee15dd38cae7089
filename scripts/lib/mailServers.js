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
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { isAlive } = require('./processes');
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

function waitForPort(port, timeoutMs = 15000) {
	const deadline = Date.now() + timeoutMs;
	return new Promise((resolve, reject) => {
		const attempt = () => {
			const socket = net.connect({ host: '127.0.0.1', port });
			socket.once('connect', () => {
				socket.destroy();
				resolve();
			});
			socket.once('error', () => {
				socket.destroy();
				if (Date.now() > deadline) reject(new Error(`Nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`));
				else setTimeout(attempt, 50);
			});
		};
		attempt();
	});
}

function makeCertificate(base) {
	const crt = path.join(base, 'tls.crt');
	const key = path.join(base, 'tls.key');
	if (!fs.existsSync(crt)) {
		execFileSync('openssl', [
			'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
			'-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
			'-keyout', key, '-out', crt,
		], { stdio: 'ignore' });
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
	return { uid: Number(execFileSync('id', ['-u', 'mail']).toString()), gid: Number(execFileSync('id', ['-g', 'mail']).toString()), user: 'mail', group: 'mail' };
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
		['introspection_mode = local', `local_validation_key_dict = fs:posix:prefix=${base}/keys/`, `issuers = ${OAUTH_ISSUER}`, 'username_attribute = email', ''].join('\n'),
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
		lines.push(`default_login_user = ${ids.user}`, `default_internal_user = ${ids.user}`, `default_internal_group = ${ids.group}`);
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
	stopByPidFile(path.join(base, 'dovecot', 'run', 'master.pid'));
	// stdio goes to a file: a daemon holding the caller's pipes makes execFileSync hang.
	const log = fs.openSync(path.join(base, 'dovecot.start.log'), 'a');
	execFileSync(which('dovecot'), ['-c', conf], { stdio: ['ignore', log, log] });
	fs.closeSync(log);
	await Promise.all([waitForPort(ports.imap), waitForPort(ports.imaps), waitForPort(ports.lmtp), waitForPort(ports.sasl)]);
	return conf;
}

function postfixConfig(base, ports, cert) {
	const conf = path.join(base, 'postfix', 'conf');
	const main = [
		'compatibility_level = 3.6',
		`queue_directory = ${base}/postfix/queue`,
		`data_directory = ${base}/postfix/data`,
		'mail_owner = postfix',
		'setgid_group = postdrop',
		'inet_interfaces = loopback-only',
		'inet_protocols = ipv4',
		'myhostname = mail.example.test',
		'mydomain = example.test',
		'mydestination =',
		'mynetworks = 127.0.0.0/8',
		`virtual_mailbox_domains = ${MAIL_DOMAIN}`,
		`virtual_transport = lmtp:inet:127.0.0.1:${ports.lmtp}`,
		`recipient_canonical_maps = regexp:${conf}/catchall.regexp`,
		'default_transport = error:no external delivery in tests',
		'relay_transport = error:no external delivery in tests',
		'smtpd_sasl_auth_enable = yes',
		'smtpd_sasl_type = dovecot',
		`smtpd_sasl_path = inet:127.0.0.1:${ports.sasl}`,
		'smtpd_tls_security_level = may',
		`smtpd_tls_cert_file = ${cert.crt}`,
		`smtpd_tls_key_file = ${cert.key}`,
		'smtpd_client_restrictions = permit_sasl_authenticated, reject',
		'smtpd_relay_restrictions = permit_sasl_authenticated, reject',
		'smtpd_recipient_restrictions = permit_sasl_authenticated, reject',
		'message_size_limit = 0',
		'mailbox_size_limit = 0',
		`maillog_file_prefixes = ${base}`,
		`maillog_file = ${base}/postfix.log`,
		'queue_run_delay = 1s',
		'minimal_backoff_time = 1s',
		'maximal_backoff_time = 5s',
		'smtpd_error_sleep_time = 0',
		// OAuth2 tokens of Microsoft's size do not fit the default 2048-byte line.
		'line_length_limit = 16384',
		'biff = no',
		'append_dot_mydomain = no',
		'alias_maps =',
		'alias_database =',
		'local_recipient_maps =',
	].join('\n');
	const master = [
		`127.0.0.1:${ports.smtp} inet n - n - - smtpd`,
		'pickup unix n - n 60 1 pickup',
		'cleanup unix n - n - 0 cleanup',
		'qmgr unix n - n 300 1 qmgr',
		'tlsmgr unix - - n 1000? 1 tlsmgr',
		'rewrite unix - - n - - trivial-rewrite',
		'bounce unix - - n - 0 bounce',
		'defer unix - - n - 0 bounce',
		'trace unix - - n - 0 bounce',
		'verify unix - - n - 1 verify',
		'flush unix n - n 1000? 0 flush',
		'proxymap unix - - n - - proxymap',
		'smtp unix - - n - - smtp',
		'relay unix - - n - - smtp',
		'showq unix n - n - - showq',
		'error unix - - n - - error',
		'retry unix - - n - - error',
		'discard unix - - n - - discard',
		'lmtp unix - - n - - lmtp',
		'anvil unix - - n - 1 anvil',
		'scache unix - - n - 1 scache',
		'postlog unix-dgram n - n - 1 postlogd',
	].join('\n');
	fs.mkdirSync(conf, { recursive: true });
	fs.writeFileSync(path.join(conf, 'main.cf'), main + '\n');
	fs.writeFileSync(path.join(conf, 'master.cf'), master + '\n');
	// Every recipient outside the test domain lands in one local mailbox: nothing may leave the machine.
	fs.writeFileSync(
		path.join(conf, 'catchall.regexp'),
		`!/@${MAIL_DOMAIN.replace(/\./g, '\\.')}$/ catchall@${MAIL_DOMAIN}\n`,
	);
	// Postfix commands sleep while main.cf is younger than a second.
	const past = new Date(Date.now() - 60_000);
	for (const file of ['main.cf', 'master.cf', 'catchall.regexp']) fs.utimesSync(path.join(conf, file), past, past);
	return conf;
}

/**
 * Postfix reads the default main.cf to authorise an alternate config directory. Entries of folders
 * that are gone are dropped, so the line does not grow with every test run.
 */
function authorisePostfixConfig(conf) {
	const defaultMain = '/etc/postfix/main.cf';
	const defaultText = fs.existsSync(defaultMain) ? fs.readFileSync(defaultMain, 'utf8') : '';
	const line = defaultText.match(/^alternate_config_directories\s*=(.*)$/m);
	const kept = (line ? line[1].trim().split(/[\s,]+/) : []).filter((dir) => dir && dir !== conf && fs.existsSync(dir));
	const entry = `alternate_config_directories = ${[...kept, conf].join(' ')}`;
	const updated = line ? defaultText.replace(line[0], entry) : `${defaultText}${defaultText && !defaultText.endsWith('\n') ? '\n' : ''}${entry}\n`;
	if (updated === defaultText) return;
	fs.writeFileSync(defaultMain, updated);
	const past = new Date(Date.now() - 60_000);
	fs.utimesSync(defaultMain, past, past);
}

async function startPostfix(base, ports, cert) {
	const conf = postfixConfig(base, ports, cert);
	const queue = path.join(base, 'postfix', 'queue');
	fs.mkdirSync(queue, { recursive: true });
	fs.mkdirSync(path.join(base, 'postfix', 'data'), { recursive: true });
	execFileSync('chown', ['postfix', path.join(base, 'postfix', 'data')]);
	stopPostfix(conf);
	const log = fs.openSync(path.join(base, 'postfix.start.log'), 'a');
	const run = (...args) => execFileSync(which('postfix'), ['-c', conf, ...args], { stdio: ['ignore', log, log] });
	try {
		// Several checkouts starting Postfix at once rewrite main.cf side by side: one may drop another's
		// entry, so a refused start is retried after authorising again.
		for (let attempt = 1; ; attempt++) {
			authorisePostfixConfig(conf);
			try {
				run('set-permissions');
				run('start');
				break;
			} catch (error) {
				if (attempt >= 5) throw error;
				await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 800));
			}
		}
	} finally {
		fs.closeSync(log);
	}
	await waitForPort(ports.smtp);
	return conf;
}

function stopPostfix(conf) {
	stopByPidFile(path.join(conf, '..', 'queue', 'pid', 'master.pid'));
}

/** Stands in for Postfix without root: AUTH against the shared password, delivery over LMTP. */
/** The checks Dovecot's oauth2 passdb makes, for the no-root SMTP bridge. */
function validToken(token, username, key) {
	const [header, payload, signature] = String(token || '').split('.');
	if (!signature) return false;
	const crypto = require('node:crypto');
	const expected = crypto.createHmac('sha256', Buffer.from(key, 'base64')).update(`${header}.${payload}`).digest('base64url');
	if (expected !== signature) return false;
	const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
	return claims.iss === OAUTH_ISSUER && claims.exp * 1000 > Date.now() && String(claims.email).toLowerCase() === username.toLowerCase();
}

async function startSmtpBridge(ports, cert, oauthKey) {
	const { SMTPServer } = require('smtp-server');
	const { SMTPConnection } = require('nodemailer/lib/smtp-connection');
	const deliver = (envelope, raw) =>
		new Promise((resolve, reject) => {
			const connection = new SMTPConnection({ host: '127.0.0.1', port: ports.lmtp, lmtp: true, ignoreTLS: true });
			connection.once('error', reject);
			connection.connect(() => {
				const recipients = envelope.rcptTo.map((r) =>
					r.address.toLowerCase().endsWith(`@${MAIL_DOMAIN}`) ? r.address : `catchall@${MAIL_DOMAIN}`,
				);
				connection.send({ from: envelope.mailFrom ? envelope.mailFrom.address : '', to: recipients }, raw, (error) => {
					connection.quit();
					if (error) reject(error);
					else resolve();
				});
			});
		});
	const server = new SMTPServer({
		secure: false,
		key: fs.readFileSync(cert.key),
		cert: fs.readFileSync(cert.crt),
		authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
		size: 0,
		onAuth(auth, _session, callback) {
			if (auth.method === 'XOAUTH2') {
				if (validToken(auth.accessToken, auth.username, oauthKey)) callback(null, { user: auth.username });
				else callback(null, { data: { status: '401', schemes: 'bearer' } });
				return;
			}
			if (auth.password === TEST_PASSWORD && auth.username.endsWith(`@${MAIL_DOMAIN}`)) callback(null, { user: auth.username });
			else callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
		},
		onData(stream, session, callback) {
			const chunks = [];
			stream.on('data', (chunk) => chunks.push(chunk));
			stream.on('end', () => {
				deliver(session.envelope, Buffer.concat(chunks)).then(() => callback(), callback);
			});
		},
	});
	await new Promise((resolve) => server.listen(ports.smtp, '127.0.0.1', resolve));
	return server;
}

function readPid(file) {
	try {
		return Number(fs.readFileSync(file, 'utf8').trim()) || undefined;
	} catch {
		return undefined;
	}
}

function stopByPidFile(file) {
	const pid = readPid(file);
	if (!pid || !isAlive(pid)) return;
	try {
		process.kill(pid, 'SIGTERM');
	} catch {
		return;
	}
	const deadline = Date.now() + 5000;
	while (isAlive(pid) && Date.now() < deadline) execFileSync('sleep', ['0.05']);
	if (isAlive(pid)) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
}

/**
 * Starts both servers under `base` and returns how to reach them. Reuses nothing from an earlier
 * run: old instances under the same base are stopped first.
 */
async function startMailServers({ base, ports = portsFromEnv(), oauthMechanisms = ['xoauth2', 'oauthbearer'], smtp = true } = {}) {
	ensurePackages();
	fs.mkdirSync(base, { recursive: true });
	if (isRoot()) fs.chmodSync(base, 0o755);
	const cert = makeCertificate(base);
	const oauthKey = makeOauthKey(base);
	const ids = userIds();
	const dovecotConf = await startDovecot(base, ports, cert, ids, oauthMechanisms);
	let postfixConf;
	let bridge;
	if (smtp && isRoot() && which('postfix')) postfixConf = await startPostfix(base, ports, cert);
	else if (smtp) bridge = await startSmtpBridge(ports, cert, oauthKey);
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
			stopByPidFile(path.join(base, 'dovecot', 'run', 'master.pid'));
		},
	};
}

/** Stops servers started by another process (the jest global setup keeps them in a state file). */
function stopMailServersAt(base) {
	stopPostfix(path.join(base, 'postfix', 'conf'));
	stopByPidFile(path.join(base, 'dovecot', 'run', 'master.pid'));
}

module.exports = { TEST_QUOTA, OAUTH_ISSUER, startMailServers, stopMailServersAt, waitForPort, portsFromEnv, MAIL_DOMAIN, TEST_PASSWORD, DEFAULT_PORTS };
